import { z } from 'zod';
import { AppError } from '../../../shared/errors';
import { abortReason, type JobKind } from '../jobs/job-kind';
import { ollamaConn, ollamaError } from './ollama-client';
import type { Env } from '../paths';

export const OLLAMA_PULL_JOB = 'ollama.pull';

const Params = z.object({ name: z.string().min(1) });
type Params = z.infer<typeof Params>;

/** Progress of one pull, from the server's per-layer `{digest, total, completed}` lines. */
export function pullProgress(layers: Map<string, { total: number; completed: number }>): { done: number; total: number; percent: number } {
  let done = 0;
  let total = 0;
  for (const l of layers.values()) {
    done += Math.min(l.completed, l.total);
    total += l.total;
  }
  return { done, total, percent: total > 0 ? (done / total) * 100 : 0 };
}

/**
 * `ollama pull` through the server. Not resumable from our side: the server keeps its own partial blobs and a new
 * pull continues them, so a cancel aborts the stream and a later pull starts a fresh job.
 */
export function ollamaPullJob(env: Env): JobKind<Params, never, { name: string }> {
  return {
    kind: OLLAMA_PULL_JOB,
    paramsSchema: Params,
    resumable: false,
    concurrency: 2,
    title: (p) => `Ollama pull ${p.name}`,
    async run({ params, signal, report }) {
      const { host, client } = ollamaConn(env);
      report({ progress: 0, phase: 'connecting', message: host });
      let stream;
      try {
        stream = await client.pull({ model: params.name, stream: true });
      } catch (err) {
        throw ollamaError(err, host, params.name);
      }
      const onAbort = (): void => stream.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      const layers = new Map<string, { total: number; completed: number }>();
      let sawSuccess = false;
      // Layer totals arrive one layer at a time, so the byte ratio can drop when a new layer starts; the bar must not.
      let shown = 0;
      try {
        for await (const part of stream) {
          if (signal.aborted) break;
          if (part.digest && typeof part.total === 'number') {
            layers.set(part.digest, { total: part.total, completed: typeof part.completed === 'number' ? part.completed : 0 });
          }
          const p = pullProgress(layers);
          const phase = part.status.startsWith('pulling ') && part.digest ? 'downloading' : part.status;
          // Keep 0–95 % for bytes; verification and writing the manifest take the rest.
          const raw = part.status === 'success' ? 100 : part.status.startsWith('verifying') || part.status.startsWith('writing') ? 97 : p.percent * 0.95;
          const progress = Math.max(shown, raw);
          shown = progress;
          report({ progress, phase, message: part.status, detail: { bytesDone: p.done, bytesTotal: p.total, layers: layers.size } });
          if (part.status === 'success') sawSuccess = true;
        }
      } catch (err) {
        if (signal.aborted) throw new AppError('CANCELLED', `Pull of ${params.name} ${abortReason(signal) ?? 'cancel'}led.`);
        // An `{error}` line mid-stream arrives as a plain Error with the server's words.
        throw err instanceof Error && !/fetch failed/i.test(err.message)
          ? new AppError('OLLAMA_ERROR', `Ollama could not pull ${params.name}: ${err.message}`, { hint: 'Check the name on ollama.com/library and the server log.' })
          : ollamaError(err, host, params.name);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
      if (signal.aborted) throw new AppError('CANCELLED', `Pull of ${params.name} cancelled.`);
      if (!sawSuccess) throw new AppError('OLLAMA_ERROR', `Ollama ended the pull of ${params.name} without "success".`);
      return { name: params.name };
    },
  };
}
