import type { ErrorDTO } from '../../../shared/errors';
import type { ModelSpec } from './loaded-model';

/** Messages to an inference worker. */
export type WorkerRequest =
  | { type: 'embed'; id: number; spec: ModelSpec; texts: string[] }
  /** Token counts of texts (after truncation), so bulk work can be batched by them; the encodings are kept for the embed that follows. */
  | { type: 'lengths'; id: number; spec: ModelSpec; texts: string[] }
  /** Run this worker's inference (its thread and the onnxruntime threads it starts) at this OS niceness. */
  | { type: 'priority'; id: number; nice: number }
  | { type: 'unload'; id: number; modelKey: string | null };

export interface SessionLoaded {
  modelKey: string;
  executionProvider: string;
  fallbackReason: string | null;
  loadMs: number;
}

/** Messages back; `vectors` travels as a transferred buffer, never copied. */
export type WorkerReply =
  | {
      type: 'embedded';
      id: number;
      vectors: Float32Array;
      dimension: number;
      lengths: number[];
      truncated: boolean[];
      inferenceMs: number;
      session: SessionLoaded;
      /** True when this request loaded the session (its time includes the cold start). */
      loadedNow: boolean;
    }
  | { type: 'lengths'; id: number; lengths: number[] }
  | { type: 'unloaded'; id: number; modelKeys: string[] }
  | { type: 'error'; id: number; error: ErrorDTO };
