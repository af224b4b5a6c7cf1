import fs from 'node:fs';
import os from 'node:os';
import { parentPort } from 'node:worker_threads';
import { toErrorDTO } from '../../../shared/errors';
import { LoadedModel, type ModelSpec } from './loaded-model';
import type { WorkerReply, WorkerRequest } from './worker-protocol';

/**
 * The inference worker: owns onnxruntime sessions so their synchronous native work never blocks the thread that
 * serves the window, the HTTP API or the CLI's progress. Requests are handled one at a time in the order they
 * arrive (the scheduler may queue a second bulk batch behind the first), so sessions never run concurrently.
 */
const port = parentPort;
if (!port) throw new Error('inference-worker must run in a worker thread');

const sessions = new Map<string, Promise<LoadedModel>>();

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

/** The session of a model, loaded on first use and shared by every request for it. */
async function modelFor(spec: ModelSpec): Promise<{ model: LoadedModel; loadedNow: boolean }> {
  let pending = sessions.get(spec.modelKey);
  const loadedNow = !pending;
  if (!pending) {
    pending = LoadedModel.load(spec);
    sessions.set(spec.modelKey, pending);
    // A failed load is not kept: the next request tries again (the files may have been repaired meanwhile).
    pending.catch(() => sessions.delete(spec.modelKey));
  }
  return { model: await pending, loadedNow };
}

/**
 * Lowers this thread's scheduling priority (Linux: niceness is per thread, and the onnxruntime threads a session
 * starts inherit it from the thread that creates the session, so it is set before any). Elsewhere a no-op.
 */
function lowerPriority(nice: number): void {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, nice);
  } catch {
    /* no /proc/thread-self (macOS, Windows) or not permitted: the worker keeps the process's priority */
  }
}

async function handle(msg: WorkerRequest): Promise<void> {
  if (msg.type === 'priority') return lowerPriority(msg.nice);
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
  const { model, loadedNow } = await modelFor(msg.spec);
  if (msg.type === 'lengths') {
    reply({ type: 'lengths', id: msg.id, lengths: model.tokenLengths(msg.texts) });
    return;
  }
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

// One message at a time, in order: a batch queued behind the running one starts when that one has replied, so
// each batch's inferenceMs is its own run (onnxruntime-node's run is synchronous work behind a setImmediate).
let queue: Promise<void> = Promise.resolve();
port.on('message', (msg: WorkerRequest) => {
  queue = queue.then(() => handle(msg).catch((err: unknown) => reply({ type: 'error', id: msg.id, error: toErrorDTO(err) })));
});
