import type { ErrorDTO } from '../../../shared/errors';
import type { JobDTO, JobState } from '../../../shared/contract';
import type { Db } from '../db/open-database';

interface JobRow {
  id: number;
  kind: string;
  title: string;
  params: string;
  state: JobState;
  progress: number;
  phase: string | null;
  message: string | null;
  detail: string | null;
  error: string | null;
  checkpoint: string | null;
  result: string | null;
  resumable: number;
  owner_pid: number | null;
  heartbeat_at: string | null;
  control: 'cancel' | 'pause' | null;
  created_at: string;
  started_at: string | null;
  updated_at: string;
  finished_at: string | null;
}

export interface StoredJob extends JobDTO {
  checkpoint: unknown;
  result: unknown;
  heartbeatAt: string | null;
  control: 'cancel' | 'pause' | null;
}

export const FINAL_STATES: readonly JobState[] = ['cancelled', 'failed', 'done'];

function parseJson<T>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

function toJob(row: JobRow): StoredJob {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    params: parseJson<Record<string, unknown>>(row.params) ?? {},
    state: row.state,
    progress: Math.max(0, Math.min(100, row.progress)),
    phase: row.phase,
    message: row.message,
    detail: parseJson<Record<string, unknown>>(row.detail),
    error: parseJson<ErrorDTO>(row.error),
    resumable: row.resumable === 1,
    ownerPid: row.owner_pid,
    createdAt: row.created_at,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    checkpoint: parseJson<unknown>(row.checkpoint),
    result: parseJson<unknown>(row.result),
    heartbeatAt: row.heartbeat_at,
    control: row.control,
  };
}

export function publicJob(job: StoredJob): JobDTO {
  const { checkpoint: _c, result: _r, heartbeatAt: _h, control: _k, ...dto } = job;
  return dto;
}

export interface JobPatch {
  state?: JobState;
  progress?: number;
  phase?: string | null;
  message?: string | null;
  detail?: Record<string, unknown> | null;
  error?: ErrorDTO | null;
  checkpoint?: unknown;
  result?: unknown;
  ownerPid?: number | null;
  control?: 'cancel' | 'pause' | null;
  startedAt?: string | null;
  finishedAt?: string | null;
  heartbeat?: boolean;
}

const COLUMNS: Record<Exclude<keyof JobPatch, 'heartbeat'>, string> = {
  state: 'state',
  progress: 'progress',
  phase: 'phase',
  message: 'message',
  detail: 'detail',
  error: 'error',
  checkpoint: 'checkpoint',
  result: 'result',
  ownerPid: 'owner_pid',
  control: 'control',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
};
const JSON_FIELDS = new Set(['detail', 'error', 'checkpoint', 'result']);

/** The `jobs` table: the single source of truth for long work, shared by every process on the data dir. */
export class JobStore {
  constructor(private readonly db: Db) {}

  insert(kind: string, title: string, params: Record<string, unknown>, resumable: boolean, ownerPid: number): StoredJob {
    const now = new Date().toISOString();
    const info = this.db
      .prepare(
        `INSERT INTO jobs (kind, title, params, state, resumable, owner_pid, heartbeat_at, created_at, updated_at)
         VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?)`,
      )
      .run(kind, title, JSON.stringify(params), resumable ? 1 : 0, ownerPid, now, now, now);
    return this.require(Number(info.lastInsertRowid));
  }

  get(id: number): StoredJob | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? toJob(row) : undefined;
  }

  require(id: number): StoredJob {
    const job = this.get(id);
    if (!job) throw new Error(`job ${id} vanished`);
    return job;
  }

  list(filter: { states?: JobState[]; kind?: string; limit: number }): StoredJob[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.states?.length) {
      where.push(`state IN (${filter.states.map(() => '?').join(',')})`);
      args.push(...filter.states);
    }
    if (filter.kind) {
      where.push('kind = ?');
      args.push(filter.kind);
    }
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, filter.limit) as JobRow[]).map(toJob);
  }

  updatedSince(since: string): StoredJob[] {
    return (this.db.prepare('SELECT * FROM jobs WHERE updated_at > ? ORDER BY updated_at').all(since) as JobRow[]).map(toJob);
  }

  counts(): Record<JobState, number> {
    const rows = this.db.prepare('SELECT state, count(*) AS n FROM jobs GROUP BY state').all() as { state: JobState; n: number }[];
    const out: Record<JobState, number> = { queued: 0, running: 0, paused: 0, cancelled: 0, failed: 0, done: 0, interrupted: 0 };
    for (const r of rows) out[r.state] = r.n;
    return out;
  }

  patch(id: number, patch: JobPatch): StoredJob {
    const sets: string[] = ['updated_at = ?'];
    const now = new Date().toISOString();
    const args: unknown[] = [now];
    for (const [key, column] of Object.entries(COLUMNS) as [keyof typeof COLUMNS, string][]) {
      if (!(key in patch)) continue;
      const value = patch[key];
      sets.push(`${column} = ?`);
      args.push(JSON_FIELDS.has(key) ? (value === null || value === undefined ? null : JSON.stringify(value)) : value);
    }
    if (patch.heartbeat) {
      sets.push('heartbeat_at = ?');
      args.push(now);
    }
    this.db.prepare(`UPDATE jobs SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
    return this.require(id);
  }

  /** Sets a state only if the job is still in one of `from`: the compare-and-set that settles races between processes. */
  transition(id: number, from: readonly JobState[], patch: JobPatch & { state: JobState }): StoredJob | undefined {
    return this.db.transaction(() => {
      const job = this.get(id);
      if (!job || !from.includes(job.state)) return undefined;
      return this.patch(id, patch);
    }).immediate();
  }

  heartbeat(ids: number[]): Array<{ id: number; control: 'cancel' | 'pause' | null }> {
    if (ids.length === 0) return [];
    const now = new Date().toISOString();
    const marks = ids.map(() => '?').join(',');
    this.db.prepare(`UPDATE jobs SET heartbeat_at = ? WHERE id IN (${marks})`).run(now, ...ids);
    return this.db.prepare(`SELECT id, control FROM jobs WHERE id IN (${marks})`).all(...ids) as Array<{
      id: number;
      control: 'cancel' | 'pause' | null;
    }>;
  }
}
