import { AppError, toErrorDTO } from '../../../shared/errors';
import type { JobDTO, JobState } from '../../../shared/contract';
import { parseInput } from '../../../shared/validate';
import type { EventBus } from '../events/event-bus';
import type { Logger } from '../log/logger';
import { abortReason, type JobKind, type JobReport } from './job-kind';
import { FINAL_STATES, publicJob, type JobStore, type StoredJob } from './job-store';
import { isProcessAlive } from './process-alive';

const WRITE_INTERVAL_MS = 100;
const HEARTBEAT_MS = 1000;
/** A running job whose owner has not written a heartbeat for this long is taken for dead. */
const STALE_MS = 20_000;

interface Active {
  controller: AbortController;
  pending: JobReport | null;
  lastWrite: number;
  timer: NodeJS.Timeout | null;
  done: Promise<void>;
}

export interface JobRunnerOptions {
  maxConcurrent?: number;
}

/**
 * Runs long work as rows in the `jobs` table. Jobs run in the process that started them; every process on
 * the same data dir sees them, can ask them to cancel or pause (through the `control` column the owner polls
 * with its heartbeat), and takes over the ones whose owner died.
 */
export class JobRunner {
  private readonly kinds = new Map<string, JobKind<Record<string, unknown>, unknown, unknown>>();
  private readonly active = new Map<number, Active>();
  private readonly queue: number[] = [];
  private readonly heartbeatTimer: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly store: JobStore,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly options: JobRunnerOptions = {},
  ) {
    this.heartbeatTimer = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeatTimer.unref();
  }

  register<P extends Record<string, unknown>, C, R>(kind: JobKind<P, C, R>): void {
    this.kinds.set(kind.kind, kind as unknown as JobKind<Record<string, unknown>, unknown, unknown>);
  }

  knownKinds(): string[] {
    return [...this.kinds.keys()];
  }

  start(kindName: string, rawParams: unknown): JobDTO {
    const kind = this.kinds.get(kindName);
    if (!kind) throw new AppError('INVALID_INPUT', `Unknown job kind "${kindName}".`, { hint: `Known kinds: ${this.knownKinds().join(', ')}` });
    const params = parseInput(kind.paramsSchema, rawParams, `job ${kindName}`);
    const job = this.store.insert(kindName, kind.title(params), params, kind.resumable, process.pid);
    this.emit(job);
    this.enqueue(job.id);
    return publicJob(job);
  }

  get(id: number): StoredJob {
    const job = this.store.get(id);
    if (!job) throw new AppError('JOB_NOT_FOUND', `There is no job ${id}.`, { hint: 'List jobs with `model-center jobs list`.' });
    return job;
  }

  /** Resolves with the job once it reaches a state it will not leave by itself. */
  waitForSettled(id: number): Promise<JobDTO> {
    const settled = (s: JobState): boolean => FINAL_STATES.includes(s) || s === 'paused' || s === 'interrupted';
    return new Promise((resolve) => {
      const check = (): boolean => {
        const job = this.get(id);
        if (settled(job.state)) {
          off();
          clearInterval(poll);
          resolve(publicJob(job));
          return true;
        }
        return false;
      };
      const off = this.bus.on('job.updated', (j) => {
        if (j.id === id) check();
      });
      // Jobs owned by another process change in the DB without an event here.
      const poll = setInterval(check, 500);
      check();
    });
  }

  /** Cancels the job, then lets its kind clean up (`discard`: its partial files too, see JobKind.onCancel). */
  async cancel(id: number, options: { discard?: boolean } = {}): Promise<JobDTO> {
    // Discarding what an already cancelled job kept (a cancel without discard, or one whose owner was slow) is allowed.
    const already = options.discard && this.get(id).state === 'cancelled';
    const dto = already ? publicJob(this.get(id)) : await this.control(id, 'cancel');
    if (dto.state !== 'cancelled') return dto;
    const job = this.get(id);
    const kind = this.kinds.get(job.kind);
    if (!kind?.onCancel) return dto;
    const log = this.log.child(`job:${id}`);
    try {
      const message = await kind.onCancel({ params: parseInput(kind.paramsSchema, job.params, `job ${job.kind}`), checkpoint: job.checkpoint ?? null, discard: options.discard ?? false, log });
      if (message) return this.patchMessage(id, message);
    } catch (err) {
      const why = toErrorDTO(err).message;
      log.warn(`clean-up after cancel failed: ${why}`);
      return this.patchMessage(id, `Cancelled, but cleaning up after it failed: ${why}`);
    }
    return dto;
  }

  private patchMessage(id: number, message: string): JobDTO {
    const job = this.store.patch(id, { message });
    this.emit(job);
    return publicJob(job);
  }

  pause(id: number): Promise<JobDTO> {
    const job = this.get(id);
    if (!job.resumable) {
      throw new AppError('JOB_NOT_RESUMABLE', `Job ${id} (${job.kind}) cannot be paused: it cannot resume from where it stopped.`, {
        hint: 'Cancel it instead.',
      });
    }
    return this.control(id, 'pause');
  }

  resume(id: number): JobDTO {
    const job = this.get(id);
    if (job.state !== 'paused' && job.state !== 'interrupted') {
      throw new AppError('JOB_STATE', `Job ${id} is ${job.state}; only paused or interrupted jobs can be resumed.`);
    }
    if (!job.resumable || !this.kinds.has(job.kind)) {
      throw new AppError('JOB_NOT_RESUMABLE', `Job ${id} (${job.kind}) cannot resume from a checkpoint.`, {
        hint: 'Start the same work again as a new job.',
      });
    }
    const taken = this.store.transition(id, ['paused', 'interrupted'], {
      state: 'queued',
      ownerPid: process.pid,
      control: null,
      error: null,
      heartbeat: true,
      finishedAt: null,
    });
    if (!taken) throw new AppError('JOB_STATE', `Job ${id} changed state while resuming; look at it again.`);
    this.emit(taken);
    this.enqueue(id);
    return publicJob(taken);
  }

  /**
   * Marks jobs whose owner process is gone as `interrupted`, so they can be resumed or reported. Called at
   * start and periodically, since another process may crash while this one runs.
   */
  recoverOrphans(): number {
    const now = Date.now();
    let count = 0;
    for (const job of this.store.list({ states: ['queued', 'running'], limit: 1000 })) {
      if (this.active.has(job.id) || this.queue.includes(job.id)) continue;
      const ownerAlive = job.ownerPid !== null && job.ownerPid !== process.pid && isProcessAlive(job.ownerPid);
      const beat = job.heartbeatAt ? Date.parse(job.heartbeatAt) : 0;
      if (ownerAlive && now - beat < STALE_MS) continue;
      const updated = this.store.transition(job.id, ['queued', 'running'], {
        state: 'interrupted',
        message: `Interrupted: the process running it stopped at ${Math.round(job.progress)} %${job.resumable ? '; resume it to continue' : ''}.`,
        ownerPid: null,
        control: null,
      });
      if (updated) {
        count++;
        this.log.warn(`job ${job.id} (${job.kind}) found ${job.state} from a stopped process; marked interrupted`);
        this.emit(updated);
      }
    }
    return count;
  }

  /** Stops local jobs as `interrupted` (resumable ones keep their checkpoint) and waits for them to settle. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeatTimer);
    this.queue.length = 0;
    const pending = [...this.active.values()];
    for (const a of pending) a.controller.abort('shutdown');
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(pending.map((a) => a.done)), new Promise((r) => (timer = setTimeout(r, 3000)))]);
    clearTimeout(timer);
  }

  private async control(id: number, action: 'cancel' | 'pause'): Promise<JobDTO> {
    const job = this.get(id);
    const local = this.active.get(id);
    if (local) {
      local.controller.abort(action);
      await local.done;
      return publicJob(this.get(id));
    }
    if (action === 'cancel') {
      const idx = this.queue.indexOf(id);
      if (idx >= 0) this.queue.splice(idx, 1);
      const ownerAlive = job.ownerPid !== null && job.ownerPid !== process.pid && isProcessAlive(job.ownerPid);
      const direct = this.store.transition(
        id,
        ownerAlive ? ['paused', 'interrupted'] : ['queued', 'running', 'paused', 'interrupted'],
        { state: 'cancelled', finishedAt: new Date().toISOString(), message: 'Cancelled', control: null },
      );
      if (direct) {
        this.emit(direct);
        return publicJob(direct);
      }
    }
    const current = this.get(id);
    if (current.state !== 'running' && current.state !== 'queued') {
      throw new AppError('JOB_STATE', `Job ${id} is ${current.state}; it cannot be ${action === 'cancel' ? 'cancelled' : 'paused'}.`);
    }
    // Owned by another live process: ask it through the table and wait for it to act.
    this.store.patch(id, { control: action });
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      const j = this.get(id);
      if (j.state !== 'running' && j.state !== 'queued') return publicJob(j);
    }
    return publicJob(this.get(id));
  }

  private enqueue(id: number): void {
    this.queue.push(id);
    this.pump();
  }

  private pump(): void {
    if (this.closed) return;
    const max = this.options.maxConcurrent ?? 4;
    for (let i = 0; i < this.queue.length && this.active.size < max; ) {
      const id = this.queue[i]!;
      const job = this.store.get(id);
      const kind = job ? this.kinds.get(job.kind) : undefined;
      if (!job || !kind || job.state !== 'queued') {
        this.queue.splice(i, 1);
        continue;
      }
      const sameKind = [...this.active.keys()].filter((a) => this.store.get(a)?.kind === job.kind).length;
      if (kind.concurrency !== undefined && sameKind >= kind.concurrency) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.launch(job, kind);
    }
  }

  private launch(job: StoredJob, kind: JobKind<Record<string, unknown>, unknown, unknown>): void {
    const controller = new AbortController();
    let resolveDone!: () => void;
    const active: Active = { controller, pending: null, lastWrite: 0, timer: null, done: new Promise((r) => (resolveDone = r)) };
    this.active.set(job.id, active);
    const started = this.store.transition(job.id, ['queued'], {
      state: 'running',
      startedAt: job.startedAt ?? new Date().toISOString(),
      ownerPid: process.pid,
      heartbeat: true,
      message: null,
    });
    if (!started) {
      this.active.delete(job.id);
      resolveDone();
      return;
    }
    this.emit(started);
    const log = this.log.child(`job:${job.id}`);
    const run = async (): Promise<void> => {
      try {
        const params = parseInput(kind.paramsSchema, job.params, `job ${job.kind}`);
        const result = await kind.run({
          jobId: job.id,
          params,
          checkpoint: job.checkpoint ?? null,
          signal: controller.signal,
          report: (u) => this.report(job.id, u),
          saveCheckpoint: (data) => {
            this.store.patch(job.id, { checkpoint: data });
          },
          log,
        });
        this.flush(job.id);
        if (controller.signal.aborted) throw controller.signal.reason;
        this.finish(job.id, { state: 'done', progress: 100, result: result ?? null, message: kind.doneMessage?.(result) ?? 'Done', control: null });
      } catch (err) {
        this.flush(job.id);
        const reason = abortReason(controller.signal);
        if (reason === 'pause') this.finish(job.id, { state: 'paused', message: 'Paused', control: null }, false);
        else if (reason === 'shutdown') {
          this.finish(job.id, { state: 'interrupted', message: 'Interrupted: the app was closed', control: null, ownerPid: null }, false);
        } else if (reason === 'cancel') this.finish(job.id, { state: 'cancelled', message: 'Cancelled', control: null });
        else {
          const error = toErrorDTO(err);
          log.error(`failed: ${error.message}`);
          this.finish(job.id, { state: 'failed', error, message: error.message, control: null });
        }
      } finally {
        this.active.delete(job.id);
        resolveDone();
        this.pump();
      }
    };
    void run();
  }

  private finish(id: number, patch: Parameters<JobStore['patch']>[1] & { state: JobState }, final = true): void {
    const job = this.store.patch(id, { ...patch, ...(final ? { finishedAt: new Date().toISOString() } : {}) });
    this.emit(job);
  }

  private report(id: number, update: JobReport): void {
    const a = this.active.get(id);
    if (!a) return;
    a.pending = { ...a.pending, ...update };
    const wait = WRITE_INTERVAL_MS - (Date.now() - a.lastWrite);
    if (wait <= 0) this.flush(id);
    else if (!a.timer) a.timer = setTimeout(() => this.flush(id), wait);
  }

  private flush(id: number): void {
    const a = this.active.get(id);
    if (!a) return;
    if (a.timer) clearTimeout(a.timer);
    a.timer = null;
    if (!a.pending) return;
    const u = a.pending;
    a.pending = null;
    a.lastWrite = Date.now();
    const job = this.store.patch(id, {
      ...(u.progress !== undefined ? { progress: Math.max(0, Math.min(100, u.progress)) } : {}),
      ...(u.phase !== undefined ? { phase: u.phase } : {}),
      ...(u.message !== undefined ? { message: u.message } : {}),
      ...(u.detail !== undefined ? { detail: u.detail } : {}),
    });
    this.emit(job);
  }

  private beat(): void {
    if (this.active.size === 0) return;
    try {
      for (const { id, control } of this.store.heartbeat([...this.active.keys()])) {
        if (control) this.active.get(id)?.controller.abort(control);
      }
    } catch (err) {
      this.log.warn(`heartbeat failed: ${(err as Error).message}`);
    }
  }

  private emit(job: StoredJob): void {
    this.bus.emit('job.updated', publicJob(job));
  }
}
