import type { ErrorDTO } from '../../../shared/errors';
import type { ModelSpec } from './loaded-model';

/** Messages to an inference worker. */
export type WorkerRequest =
  | { type: 'embed'; id: number; spec: ModelSpec; texts: string[] }
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
  | { type: 'unloaded'; id: number; modelKeys: string[] }
  | { type: 'error'; id: number; error: ErrorDTO };
