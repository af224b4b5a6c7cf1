import type { z } from 'zod';
import type { Logger } from '../log/logger';

export interface JobReport {
  progress?: number;
  phase?: string | null;
  message?: string | null;
  detail?: Record<string, unknown> | null;
}

export interface JobContext<P, C> {
  jobId: number;
  params: P;
  /** What the last run saved with `saveCheckpoint`, when resuming after a pause, a cancel-with-keep or a crash. */
  checkpoint: C | null;
  /** Aborted on cancel, pause and shutdown; thread it to every socket, file and worker the job touches. */
  signal: AbortSignal;
  report(update: JobReport): void;
  saveCheckpoint(data: C): void;
  log: Logger;
}

/** A kind of long work the runner knows how to run, resume and describe. */
export interface JobKind<P extends Record<string, unknown> = Record<string, unknown>, C = unknown, R = unknown> {
  kind: string;
  paramsSchema: z.ZodType<P>;
  resumable: boolean;
  /** At most this many of the kind run at once in one process (others wait queued). */
  concurrency?: number;
  title(params: P): string;
  run(ctx: JobContext<P, C>): Promise<R>;
  /** The message a finished job keeps (default "Done"): what the work found worth saying, e.g. what it repaired. */
  doneMessage?(result: R): string;
  /**
   * Called once the job is cancelled, in the process that cancelled it, whether it was running or stopped: drops
   * what nothing will use any more (an unfinished multipart upload) and, with `discard`, what was kept for a
   * later run (partial files). What it returns, if anything, becomes the job's message.
   */
  onCancel?(ctx: { params: P; checkpoint: C | null; discard: boolean; log: Logger }): Promise<string | undefined>;
}

/** Why a job's signal was aborted; decides the state it ends in. */
export type AbortReason = 'cancel' | 'pause' | 'shutdown';

export function abortReason(signal: AbortSignal): AbortReason | undefined {
  if (!signal.aborted) return undefined;
  const r: unknown = signal.reason;
  return r === 'cancel' || r === 'pause' || r === 'shutdown' ? r : 'cancel';
}
