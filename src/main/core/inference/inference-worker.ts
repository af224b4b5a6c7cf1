import { parentPort } from 'node:worker_threads';
import { toErrorDTO } from '../../../shared/errors';
import { LoadedModel } from './loaded-model';
import type { WorkerReply, WorkerRequest } from './worker-protocol';

/**
 * The inference worker: owns onnxruntime sessions so their synchronous native work never blocks the thread that
 * serves the window, the HTTP API or the CLI's progress. Requests arrive one at a time (the scheduler never sends
 * a second before the first is answered), so sessions are never run concurrently.
 */
const port = parentPort;
if (!port) throw new Error('inference-worker must run in a worker thread');

const sessions = new Map<string, Promise<LoadedModel>>();

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

async function handle(msg: WorkerRequest): Promise<void> {
  if (msg.type === 'unload') {
    const keys = msg.modelKey === null ? [...sessions.keys()] : sessions.has(msg.modelKey) ? [msg.modelKey] : [];
    for (const key of keys) {
      const pending = sessions.get(key)!;
      sessions.delete(key);
      await pending.then((m) => m.release()).catch(() => undefined);
    }
    reply({ type: 'unloaded', id: msg.id, modelKeys: keys });
    return;
  }
  let pending = sessions.get(msg.spec.modelKey);
  const loadedNow = !pending;
  if (!pending) {
    pending = LoadedModel.load(msg.spec);
    sessions.set(msg.spec.modelKey, pending);
    // A failed load is not kept: the next request tries again (the files may have been repaired meanwhile).
    pending.catch(() => sessions.delete(msg.spec.modelKey));
  }
  const model = await pending;
  const out = await model.embed(msg.texts);
  reply(
    {
      type: 'embedded',
      id: msg.id,
      vectors: out.vectors,
      dimension: out.dimension,
      lengths: out.lengths,
      truncated: out.truncated,
      inferenceMs: out.inferenceMs,
      session: { modelKey: msg.spec.modelKey, executionProvider: model.executionProvider, fallbackReason: model.fallbackReason, loadMs: model.loadMs },
      loadedNow,
    },
    [out.vectors.buffer as ArrayBuffer],
  );
}

port.on('message', (msg: WorkerRequest) => {
  handle(msg).catch((err: unknown) => reply({ type: 'error', id: msg.id, error: toErrorDTO(err) }));
});
