import type { CompareReportDTO, MigrationDTO, MigrationState } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { deleteIndex, getIndex, readyChunkCount, type CollectionRow, type MigrationBadge } from '../collections/collection-store';
import type { CoreServices } from '../core-services';
import type { Db } from '../db/open-database';
import { FINAL_STATES, publicJob, type StoredJob } from '../jobs/job-store';

export const MIGRATION_JOB = 'collection.migrate';

export type RowState = 'active' | 'ready' | 'finalized' | 'rolled-back' | 'cancelled' | 'failed';

export interface MigrationRow {
  id: number;
  collection_id: number;
  from_model: string;
  from_version: string;
  from_dimension: number | null;
  to_model: string;
  to_version: string;
  to_dimension: number | null;
  to_index_id: number;
  job_id: number | null;
  state: RowState;
  done: number;
  total: number;
  truncated: number;
  errors: string;
  rollout_percent: number;
  shadow: number;
  route_current: number;
  route_candidate: number;
  compare: string | null;
  outcome: string | null;
  created_at: string;
  embedded_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

export interface MigrationError {
  at: string;
  message: string;
}

const MAX_ERRORS = 100;

export function getMigration(db: Db, id: number): MigrationRow | undefined {
  return db.prepare('SELECT * FROM collection_migrations WHERE id = ?').get(id) as MigrationRow | undefined;
}

export function latestMigration(db: Db, collectionId: number): MigrationRow | undefined {
  return db.prepare('SELECT * FROM collection_migrations WHERE collection_id = ? ORDER BY id DESC LIMIT 1').get(collectionId) as MigrationRow | undefined;
}

/** The migration still open for a decision (embedding, or ready for compare/rollout/finalize), if any. */
export function openMigration(db: Db, collectionId: number): MigrationRow | undefined {
  return db
    .prepare("SELECT * FROM collection_migrations WHERE collection_id = ? AND state IN ('active','ready') ORDER BY id DESC LIMIT 1")
    .get(collectionId) as MigrationRow | undefined;
}

export function requireLatest(db: Db, c: CollectionRow): MigrationRow {
  const m = latestMigration(db, c.id);
  if (!m) {
    throw new AppError('NOT_FOUND', `Collection "${c.name}" has never been migrated.`, {
      hint: `Plan one first: model-center migrate ${c.name} --to <model>@<version> --dry-run`,
    });
  }
  return m;
}

export function requireOpen(db: Db, c: CollectionRow): MigrationRow {
  const m = openMigration(db, c.id);
  if (!m) {
    const last = latestMigration(db, c.id);
    throw new AppError('MIGRATION_STATE', `Collection "${c.name}" has no migration in progress${last ? ` (the last one, to ${last.to_model}@${last.to_version}, is ${last.state})` : ''}.`, {
      hint: `Start one with: model-center migrate ${c.name} --to <model>@<version>`,
    });
  }
  return m;
}

export function patchMigration(db: Db, id: number, fields: Partial<Omit<MigrationRow, 'id'>>): void {
  const keys = Object.keys(fields);
  if (!keys.length) return;
  const sets = [...keys.map((k) => `${k} = @${k}`), 'updated_at = @updated_at'].join(', ');
  db.prepare(`UPDATE collection_migrations SET ${sets} WHERE id = @id`).run({ updated_at: new Date().toISOString(), ...fields, id });
}

export function addError(db: Db, id: number, message: string): void {
  const row = getMigration(db, id);
  if (!row) return;
  const errors = [...(JSON.parse(row.errors) as MigrationError[]), { at: new Date().toISOString(), message }].slice(-MAX_ERRORS);
  patchMigration(db, id, { errors: JSON.stringify(errors) });
}

/** The state a person sees: the job's while B fills, then the row's. */
export function publicState(row: MigrationRow, job: StoredJob | undefined): MigrationState {
  if (row.state !== 'active') return row.state;
  switch (job?.state) {
    case 'paused':
      return 'paused';
    case 'interrupted':
      return 'interrupted';
    case 'cancelled':
      return 'cancelled';
    case 'failed':
      return 'failed';
    default:
      return 'embedding';
  }
}

/**
 * Settles a migration whose job ended while no job code ran (cancelled by another process while paused, a
 * process that died before writing its end): cancelled drops B's partial vectors, failed keeps them for the next
 * attempt to continue from. Safe to call any time; it only touches rows still `active`.
 */
export function reconcile(services: CoreServices, row: MigrationRow | undefined): MigrationRow | undefined {
  if (!row || row.state !== 'active' || row.job_id === null) return row;
  const job = services.jobStore.get(row.job_id);
  if (job && !FINAL_STATES.includes(job.state)) return row;
  const { db } = services;
  db.transaction(() => {
    const fresh = getMigration(db, row.id);
    if (!fresh || fresh.state !== 'active') return;
    const now = new Date().toISOString();
    if (job?.state === 'done') {
      patchMigration(db, row.id, { state: 'ready', embedded_at: fresh.embedded_at ?? now });
    } else if (job?.state === 'failed') {
      db.prepare('UPDATE collection_indexes SET live = 0 WHERE id = ?').run(row.to_index_id);
      patchMigration(db, row.id, { state: 'failed', finished_at: now, outcome: `Failed: ${job.error?.message ?? 'unknown error'}. B's vectors so far are kept; migrating again continues from them.` });
    } else {
      if (getIndex(db, row.to_index_id)) deleteIndex(db, row.to_index_id);
      patchMigration(db, row.id, { state: 'cancelled', finished_at: now, rollout_percent: 0, shadow: 0, outcome: "Cancelled: B's partial vectors were deleted; A kept serving." });
    }
  }).immediate();
  return getMigration(db, row.id);
}

/** Samples spread over the whole run, at most `max` of them (every n-th, the last one always). */
function samples(db: Db, id: number, max = 400): MigrationDTO['samples'] {
  const all = db.prepare('SELECT at, done, rate FROM collection_migration_samples WHERE migration_id = ? ORDER BY at').all(id) as MigrationDTO['samples'];
  if (all.length <= max) return all;
  const step = all.length / max;
  const out = Array.from({ length: max - 1 }, (_, i) => all[Math.floor(i * step)]!);
  out.push(all[all.length - 1]!);
  return out;
}

function shadowStats(db: Db, id: number): MigrationDTO['shadowStats'] {
  const agg = db.prepare('SELECT count(*) AS n, avg(overlap) AS mean FROM collection_shadow_log WHERE migration_id = ?').get(id) as { n: number; mean: number | null };
  const recent = db
    .prepare('SELECT at, query, served, overlap FROM collection_shadow_log WHERE migration_id = ? ORDER BY id DESC LIMIT 20')
    .all(id) as MigrationDTO['shadowStats']['recent'];
  return { queries: agg.n, meanOverlap: agg.mean, recent };
}

export function toMigrationDTO(services: CoreServices, collection: string, row: MigrationRow, full = true): MigrationDTO {
  const { db } = services;
  const job = row.job_id === null ? undefined : services.jobStore.get(row.job_id);
  const state = publicState(row, job);
  const index = getIndex(db, row.to_index_id);
  // While open, the figures are live (imports change them); afterwards, what they were when it closed.
  const open = row.state === 'active' || row.state === 'ready';
  const done = open && index ? index.vectors : row.done;
  const total = open ? readyChunkCount(db, row.collection_id) : row.total;
  const detail = job?.detail as { rate?: number; etaSeconds?: number } | null | undefined;
  const rate = state === 'embedding' && typeof detail?.rate === 'number' ? detail.rate : null;
  return {
    id: row.id,
    collection,
    from: { model: row.from_model, version: row.from_version, dimension: row.from_dimension },
    to: { model: row.to_model, version: row.to_version, dimension: row.to_dimension ?? index?.dimension ?? null },
    state,
    job: job ? publicJob(job) : null,
    done,
    total,
    rate,
    etaSeconds: rate && rate > 0 ? (total - done) / rate : null,
    truncated: row.truncated,
    errors: JSON.parse(row.errors) as MigrationError[],
    samples: full ? samples(db, row.id) : [],
    rolloutPercent: row.rollout_percent,
    shadow: row.shadow === 1,
    routeCounts: { current: row.route_current, candidate: row.route_candidate },
    shadowStats: shadowStats(db, row.id),
    compare: full && row.compare ? (JSON.parse(row.compare) as CompareReportDTO) : null,
    createdAt: row.created_at,
    embeddedAt: row.embedded_at,
    finishedAt: row.finished_at,
    outcome: row.outcome,
  };
}

export function migrationBadge(services: CoreServices, c: CollectionRow): MigrationBadge {
  const m = reconcile(services, openMigration(services.db, c.id));
  if (!m || (m.state !== 'active' && m.state !== 'ready')) return null;
  const dto = toMigrationDTO(services, c.name, m, false);
  return { id: m.id, state: dto.state, to: `${m.to_model}@${m.to_version}`, progress: dto.total ? (dto.done / dto.total) * 100 : 100, rolloutPercent: m.rollout_percent };
}
