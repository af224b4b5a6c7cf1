import type { Worker } from 'node:worker_threads';
import type { Lane } from '../../../shared/contract';
import { AppError, isErrorDTO } from '../../../shared/errors';
import type { ModelSpec } from './loaded-model';
import type { SessionLoaded, WorkerReply, WorkerRequest } from './worker-protocol';

export interface LaneResult {
  vectors: Float32Array;
  dimension: number;
  lengths: number[];
  truncated: boolean[];
  inferenceMs: number;
  queueMs: number;
  session: SessionLoaded;
  /** A batch of this request loaded its session (so the session's provider and fallback are news). */
  loadedNow: boolean;
}

export interface SessionState extends SessionLoaded {
  lane: Lane;
  loadedAt: number;
  lastUsedAt: number;
}

interface Part {
  /** Positions in the request's texts of this part's rows. */
  indices: number[];
  vectors: Float32Array;
  dimension: number;
  lengths: number[];
  truncated: boolean[];
}

interface Request {
  lane: Lane;
  /** The caller's micro-batch size (bench, migrations); else the lane's. */
  batch: number | null;
  spec: ModelSpec;
  texts: string[];
  /** Positions of texts in the order they are handed out (bulk: each window re-sorted by token count). */
  order: number[];
  /** Texts whose place in `order` is settled; bulk work past it waits for a `lengths` step. */
  ordered: number;
  /** A `lengths` step for this request is with a worker. */
  measuring: boolean;
  /** Next position in `order` to hand out. */
  cursor: number;
  inFlight: number;
  parts: Part[];
  inferenceMs: number;
  enqueuedAt: number;
  startedAt: number | null;
  session: SessionLoaded | null;
  loadedNow: boolean;
  done: boolean;
  resolve(r: LaneResult): void;
  reject(e: unknown): void;
}

interface Slot {
  name: string;
  lanes: Lane[];
  worker: Worker | null;
  /** Messages with the worker, oldest first: one, or two when a bulk batch is queued behind the running one. */
  inFlight: { id: number; request: Request; lane: Lane }[];
  sessions: Map<string, SessionState>;
}

export interface LaneSchedulerOptions {
  startWorker(name: string): Worker;
  /**
   * One worker serving both lanes (GPU providers: two WebGPU sessions at once crash on Linux, and the GPU is
   * shared anyway), or one per lane so a real-time request never waits behind a bulk batch's session. A shared
   * worker whose sessions start on CPU after all (the GPU provider failed) is split into the two.
   */
  sharedWorker: boolean;
  rtBatch?: number;
  bulkBatch?: number;
  /** Bulk micro-batch while real-time traffic was seen in the last second: bounds the wait an RT request sees. */
  bulkBatchUnderRt?: number;
  idleUnloadMs: number;
}

/** How long closing waits for a worker to finish its current run and release its sessions. */
const STOP_GRACE_MS = 10_000;
const RT_RECENT_MS = 1000;

/**
 * Niceness of the bulk worker's threads when it has a worker of its own (Linux): a real-time request, and the
 * thread serving the window, then take the cores from a bulk batch already running instead of sharing them with it.
 */
export const BULK_NICE = 10;

/** Texts measured per `lengths` step: each window is batched by exact token count (enough for near-ideal padding). */
const sortWindow = (batch: number): number => Math.min(4096, Math.max(256, batch * 4));

/**
 * Fair dispatch of embedding work to inference workers (seed 001's RT and BULK queues, in one process):
 * real-time requests go first; bulk work is handed out in micro-batches so the next slot can always go to a
 * real-time request, and while real-time traffic is present bulk batches shrink and wait for RT to finish.
 * Bulk batches are formed by exact token count (a `lengths` step per window measures them in the worker), and a
 * bulk-only worker runs at a lower OS priority with its next batch queued while no real-time traffic is around.
 */
export class LaneScheduler {
  private readonly queues: Record<Lane, Request[]> = { rt: [], bulk: [] };
  private readonly slots: Slot[];
  private nextId = 1;
  private readonly waiting = new Map<number, { slot: Slot; request: Request; indices: number[] | null }>();
  private lastRtAt = 0;
  private readonly idleTimer: NodeJS.Timeout;
  private closed = false;
  private shared: boolean;

  constructor(private readonly options: LaneSchedulerOptions) {
    this.shared = options.sharedWorker;
    this.slots = options.sharedWorker
      ? [{ name: 'inference', lanes: ['rt', 'bulk'], worker: null, inFlight: [], sessions: new Map() }]
      : [
          { name: 'inference-rt', lanes: ['rt'], worker: null, inFlight: [], sessions: new Map() },
          { name: 'inference-bulk', lanes: ['bulk'], worker: null, inFlight: [], sessions: new Map() },
        ];
    this.idleTimer = setInterval(() => this.unloadIdle(), Math.min(30_000, Math.max(1000, options.idleUnloadMs / 4)));
    this.idleTimer.unref();
  }

  embed(lane: Lane, spec: ModelSpec, texts: string[], batch: number | null = null): Promise<LaneResult> {
    if (this.closed) return Promise.reject(new AppError('INTERNAL', 'The inference service is shutting down.'));
    if (lane === 'rt') this.lastRtAt = Date.now();
    return new Promise<LaneResult>((resolve, reject) => {
      this.queues[lane].push({
        lane,
        batch,
        spec,
        texts,
        order: [],
        ordered: 0,
        measuring: false,
        cursor: 0,
        inFlight: 0,
        parts: [],
        inferenceMs: 0,
        enqueuedAt: performance.now(),
        startedAt: null,
        session: null,
        loadedNow: false,
        done: false,
        resolve,
        reject,
      });
      this.dispatch();
    });
  }

  /** Texts waiting per lane (not yet handed to a worker). */
  queued(): Record<Lane, number> {
    const count = (q: Request[]): number => q.reduce((s, r) => s + r.texts.length - r.cursor, 0);
    return { rt: count(this.queues.rt), bulk: count(this.queues.bulk) };
  }

  sessions(): SessionState[] {
    return this.slots.flatMap((s) => [...s.sessions.values()]);
  }

  async unload(modelKey: string | null): Promise<number> {
    let count = 0;
    // A model's sessions with other options than the settings' are keyed `<modelKey>#…` (EmbeddingService.spec).
    const matches = (k: string): boolean => modelKey === null || k === modelKey || k.startsWith(`${modelKey}#`);
    for (const slot of this.slots) {
      if (!slot.worker) continue;
      const keys = [...slot.sessions.keys()].filter(matches);
      if (!keys.length) continue;
      count += keys.length;
      for (const k of keys) slot.sessions.delete(k);
      if (modelKey === null) this.post(slot, { type: 'unload', id: this.nextId++, modelKey: null });
      else for (const k of keys) this.post(slot, { type: 'unload', id: this.nextId++, modelKey: k });
    }
    return count;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.idleTimer);
    for (const lane of ['rt', 'bulk'] as const) {
      for (const r of this.queues[lane]) this.fail(r, new AppError('INTERNAL', 'The inference service stopped before this request ran.'));
      this.queues[lane] = [];
    }
    await Promise.all(this.slots.map((s) => (s.worker ? this.stopWorker(s.worker) : undefined)));
  }

  /**
   * Lets the worker finish what it runs and release its sessions before the thread goes: terminating a thread
   * while onnxruntime is inside a native run can take the whole process down. Bounded, then terminated anyway.
   */
  private async stopWorker(worker: Worker): Promise<void> {
    const id = this.nextId++;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', done);
        resolve();
      };
      const onMessage = (msg: WorkerReply): void => {
        if (msg.type === 'unloaded' && msg.id === id) done();
      };
      const timer = setTimeout(done, STOP_GRACE_MS);
      worker.on('message', onMessage);
      worker.once('exit', done);
      worker.postMessage({ type: 'unload', id, modelKey: null } satisfies WorkerRequest);
    });
    await worker.terminate();
  }

  private post(slot: Slot, msg: WorkerRequest): void {
    const worker = this.workerOf(slot);
    worker.ref();
    worker.postMessage(msg);
  }

  private workerOf(slot: Slot): Worker {
    if (slot.worker) return slot.worker;
    const worker = this.options.startWorker(slot.name);
    worker.on('message', (msg: WorkerReply) => this.onReply(slot, msg));
    // First message, so the sessions it creates (and their threads) inherit the priority.
    if (slot.lanes.length === 1 && slot.lanes[0] === 'bulk') worker.postMessage({ type: 'priority', id: this.nextId++, nice: BULK_NICE } satisfies WorkerRequest);
    const lost = (reason: string): void => {
      if (slot.worker !== worker) return;
      slot.worker = null;
      slot.sessions.clear();
      for (const [id, w] of this.waiting) {
        if (w.slot !== slot) continue;
        this.waiting.delete(id);
        this.fail(w.request, new AppError('INFERENCE_FAILED', `The inference worker stopped: ${reason}`, { hint: 'Try again; a new worker starts on the next request. See the log if it keeps happening.' }));
      }
      slot.inFlight = [];
      this.dispatch();
    };
    worker.on('error', (err) => lost(err.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    slot.worker = worker;
    return worker;
  }

  private onReply(slot: Slot, msg: WorkerReply): void {
    if (msg.type === 'unloaded') return this.idleCheck(slot);
    const w = this.waiting.get(msg.id);
    if (!w) return;
    this.waiting.delete(msg.id);
    slot.inFlight = slot.inFlight.filter((f) => f.id !== msg.id);
    const r = w.request;
    r.inFlight--;
    if (msg.type === 'error') {
      this.fail(r, msg.error);
    } else if (msg.type === 'lengths') {
      // Longest first within the window (stable): batches then pad to texts of their own token count.
      const window = r.order.slice(r.ordered, r.ordered + msg.lengths.length);
      const sortedWindow = window.map((pos, k) => ({ pos, len: msg.lengths[k]! })).sort((a, b) => b.len - a.len);
      sortedWindow.forEach((x, k) => (r.order[r.ordered + k] = x.pos));
      r.ordered += window.length;
      r.measuring = false;
    } else if (!r.done) {
      const now = Date.now();
      const prev = slot.sessions.get(msg.session.modelKey);
      slot.sessions.set(msg.session.modelKey, { ...msg.session, lane: w.slot.lanes.length === 1 ? w.slot.lanes[0]! : r.lane, loadedAt: prev?.loadedAt ?? now, lastUsedAt: now });
      r.session = msg.session;
      r.loadedNow ||= msg.loadedNow;
      if (this.shared && msg.session.fallbackReason && msg.session.executionProvider === 'cpu' && [...slot.sessions.values()].every((s) => s.executionProvider === 'cpu')) {
        this.separateLanes();
      }
      r.inferenceMs += msg.inferenceMs;
      r.parts.push({ indices: w.indices!, vectors: msg.vectors, dimension: msg.dimension, lengths: msg.lengths, truncated: msg.truncated });
      if (r.cursor >= r.texts.length && r.inFlight === 0) this.finish(r);
    }
    this.idleCheck(slot);
    this.dispatch();
  }

  /**
   * Makes the shared worker the real-time one and gives bulk work a worker of its own (at lower priority): a GPU
   * provider was expected but sessions start on CPU, where a real-time request must not wait behind a bulk batch.
   * Only while no session of the shared worker is on a GPU, so two GPU sessions never run at once.
   */
  private separateLanes(): void {
    this.shared = false;
    this.slots[0]!.lanes = ['rt'];
    this.slots.push({ name: 'inference-bulk', lanes: ['bulk'], worker: null, inFlight: [], sessions: new Map() });
  }

  /** Lets an idle worker stop holding the process open (a CLI run ends when its work is done). */
  private idleCheck(slot: Slot): void {
    if (!slot.inFlight.length) slot.worker?.unref();
  }

  private finish(r: Request): void {
    r.done = true;
    this.remove(r);
    const dimension = r.parts[0]?.dimension ?? 0;
    const vectors = new Float32Array(r.texts.length * dimension);
    const lengths = new Array<number>(r.texts.length);
    const truncated = new Array<boolean>(r.texts.length);
    for (const p of r.parts) {
      if (p.dimension !== dimension) return this.fail(r, new AppError('INFERENCE_FAILED', 'The model returned vectors of different sizes within one request.'));
      p.indices.forEach((pos, i) => {
        vectors.set(p.vectors.subarray(i * dimension, (i + 1) * dimension), pos * dimension);
        lengths[pos] = p.lengths[i]!;
        truncated[pos] = p.truncated[i]!;
      });
    }
    r.resolve({
      vectors,
      dimension,
      lengths,
      truncated,
      inferenceMs: r.inferenceMs,
      queueMs: (r.startedAt ?? r.enqueuedAt) - r.enqueuedAt,
      session: r.session!,
      loadedNow: r.loadedNow,
    });
  }

  private fail(r: Request, error: unknown): void {
    if (r.done) return;
    r.done = true;
    this.remove(r);
    r.reject(error instanceof Error ? error : isErrorDTO(error) ? AppError.fromDTO(error) : new AppError('INTERNAL', String(error)));
  }

  private remove(r: Request): void {
    const q = this.queues[r.lane];
    const i = q.indexOf(r);
    if (i >= 0) q.splice(i, 1);
  }

  private rtActive(): boolean {
    return this.slots.some((s) => s.inFlight.some((f) => f.lane === 'rt')) || this.queues.rt.some((r) => r.cursor < r.texts.length);
  }

  private rtRecent(): boolean {
    return Date.now() - this.lastRtAt < RT_RECENT_MS;
  }

  /**
   * How many messages a slot may hold: one, so the next one can always go to real time; a bulk-only worker gets a
   * second bulk batch queued behind the running one while no real-time traffic is around, so it never idles
   * waiting for this thread to answer the last reply and hand out the next batch.
   */
  private capacity(slot: Slot): number {
    return !this.shared && slot.lanes.length === 1 && slot.lanes[0] === 'bulk' && !this.rtRecent() ? 2 : 1;
  }

  private pick(slot: Slot): { request: Request; count: number; measure: boolean } | null {
    const { rtBatch = 32, bulkBatch = 32, bulkBatchUnderRt = 4 } = this.options;
    if (slot.lanes.includes('rt')) {
      const r = this.queues.rt.find((q) => q.cursor < q.texts.length);
      if (r) return { request: r, count: r.batch ?? rtBatch, measure: false };
    }
    if (slot.lanes.includes('bulk')) {
      // The next slot goes to real time: bulk waits while an RT batch runs on another worker (they would share cores).
      if (!this.shared && this.rtActive()) return null;
      for (const r of this.queues.bulk) {
        if (r.cursor >= r.texts.length) continue;
        const batch = r.batch ?? bulkBatch;
        // Texts not yet placed by token count: measure the next window first (one batch or less needs no sorting).
        if (r.cursor >= r.ordered) {
          if (r.measuring) continue;
          // Batches of one have no padding to save.
          if (batch > 1 && r.texts.length - r.ordered > batch) return { request: r, count: sortWindow(batch), measure: true };
          r.ordered = r.texts.length;
        }
        return { request: r, count: Math.min(this.rtRecent() ? Math.min(bulkBatchUnderRt, batch) : batch, r.ordered - r.cursor), measure: false };
      }
    }
    return null;
  }

  private dispatch(): void {
    if (this.closed) return;
    for (const slot of this.slots) {
      while (slot.inFlight.length < this.capacity(slot)) {
        const picked = this.pick(slot);
        if (!picked) break;
        const { request: r, count, measure } = picked;
        if (r.order.length < r.texts.length) r.order = r.texts.map((_, i) => i);
        const id = this.nextId++;
        let msg: WorkerRequest;
        if (measure) {
          const window = r.order.slice(r.ordered, r.ordered + count);
          r.measuring = true;
          this.waiting.set(id, { slot, request: r, indices: null });
          msg = { type: 'lengths', id, spec: r.spec, texts: window.map((i) => r.texts[i]!) };
        } else {
          const indices = r.order.slice(r.cursor, r.cursor + count);
          r.cursor += indices.length;
          this.waiting.set(id, { slot, request: r, indices });
          msg = { type: 'embed', id, spec: r.spec, texts: indices.map((i) => r.texts[i]!) };
        }
        r.inFlight++;
        r.startedAt ??= performance.now();
        slot.inFlight.push({ id, request: r, lane: r.lane });
        try {
          this.post(slot, msg);
        } catch (err) {
          this.waiting.delete(id);
          slot.inFlight = slot.inFlight.filter((f) => f.id !== id);
          this.fail(r, new AppError('INFERENCE_FAILED', `Could not start the inference worker: ${(err as Error).message}`));
          break;
        }
      }
    }
  }

  private unloadIdle(): void {
    const now = Date.now();
    for (const slot of this.slots) {
      for (const s of slot.sessions.values()) {
        if (now - s.lastUsedAt < this.options.idleUnloadMs) continue;
        if (slot.inFlight.some((f) => f.request.spec.modelKey === s.modelKey)) continue;
        slot.sessions.delete(s.modelKey);
        this.post(slot, { type: 'unload', id: this.nextId++, modelKey: s.modelKey });
      }
    }
  }
}
