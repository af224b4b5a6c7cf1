import { AppError } from '../../../shared/errors';
import { currentIndex, deleteIndex, findCollection, getIndex, readyChunkCount, type CollectionRow } from '../collections/collection-store';
import { vectorBytes } from '../collections/vector-store';
import type { CoreServices } from '../core-services';
import { FINAL_STATES } from '../jobs/job-store';
import { getMigration, patchMigration, type MigrationRow } from './migration-store';
import { logServing } from './serving-log';

/** One `migration_history` entry of a chunk re-embedded by a collection migration (seed 003's shape, plus who and how). */
export interface ReembedHistoryEntry {
  from_version: string;
  to_version: string;
  migrated_at: string;
  from_model: string;
  to_model: string;
  kind: 'reembed';
  migration_id: number;
}

export interface FinalizeOptions {
  confirm: boolean;
  keepPrevious: boolean;
  /** The quality-gate run that let B through, for the serving log (none: the gate is not armed or was skipped). */
  gate?: { runId: number; summary: string } | 'skipped';
}

/** Refuses a finalize that cannot happen (B incomplete) or was not confirmed, before anything slow runs. */
export function assertFinalizable(services: CoreServices, c: CollectionRow, m: MigrationRow, opts: Pick<FinalizeOptions, 'confirm' | 'keepPrevious'>): void {
  const { db } = services;
  if (m.state !== 'ready') {
    throw new AppError('MIGRATION_STATE', `The migration of "${c.name}" to ${m.to_model}@${m.to_version} is not ready to finalize: B does not hold every chunk yet.`, {
      hint: `Wait for the re-embedding to finish (model-center migrate status ${c.name}), or roll back.`,
    });
  }
  const a = currentIndex(db, c);
  if (!opts.confirm && !opts.keepPrevious) {
    throw new AppError('INVALID_INPUT', `Finalizing deletes ${a.model}@${a.version}'s ${a.vectors} vectors (~${(vectorBytes(a.vectors, a.dimension) / 1e6).toFixed(1)} MB) of "${c.name}".`, {
      hint: 'Confirm with --yes (confirm: true), or keep them with --keep-previous (keepPrevious: true).',
    });
  }
}

/**
 * B becomes the collection's current version in one transaction: searches move to B at once, every chunk's
 * metadata names B with a migration_history entry, and A's vectors are deleted — or kept (not updated by later
 * imports) when the caller asks. The registry's own current version is left alone: other collections may use A.
 */
export function finalizeMigration(services: CoreServices, c: CollectionRow, m: MigrationRow, opts: FinalizeOptions): string {
  const { db } = services;
  assertFinalizable(services, c, m, opts);
  const a = currentIndex(db, c);
  const now = new Date().toISOString();
  const entry: ReembedHistoryEntry = { from_version: m.from_version, to_version: m.to_version, migrated_at: now, from_model: m.from_model, to_model: m.to_model, kind: 'reembed', migration_id: m.id };
  const outcome = db.transaction(() => {
    const fresh = getMigration(db, m.id);
    if (!fresh || fresh.state !== 'ready') throw new AppError('MIGRATION_STATE', 'The migration changed meanwhile; look at it again.');
    const b = getIndex(db, m.to_index_id)!;
    db.prepare('UPDATE collections SET model = ?, version = ?, updated_at = ? WHERE id = ?').run(m.to_model, m.to_version, now, c.id);
    db.prepare('UPDATE collection_indexes SET live = 1, complete = 1 WHERE id = ?').run(b.id);
    if (opts.keepPrevious) db.prepare('UPDATE collection_indexes SET live = 0 WHERE id = ?').run(a.id);
    else deleteIndex(db, a.id);
    db.prepare(
      `UPDATE document_metadata SET embedding_model = ?, embedding_model_version = ?, indexed_at = ?,
         migration_history = json_insert(migration_history, '$[#]', json(?)) WHERE collection = ?`,
    ).run(m.to_model, m.to_version, fresh.embedded_at ?? now, JSON.stringify(entry), c.name);
    const text = `Finalized: ${m.to_model}@${m.to_version} serves "${c.name}"; ${a.model}@${a.version}'s vectors were ${opts.keepPrevious ? 'kept' : 'deleted'}.`;
    patchMigration(db, m.id, { state: 'finalized', finished_at: now, rollout_percent: 100, shadow: 0, outcome: text, done: b.vectors, total: readyChunkCount(db, c.id) });
    const gate = opts.gate === 'skipped' ? ' Quality gate skipped.' : opts.gate ? ` ${opts.gate.summary}` : '';
    logServing(db, c, fresh, {
      event: 'finalized',
      rolloutPercent: 100,
      reason: `Finalized by the admin; ${a.model}@${a.version}'s vectors ${opts.keepPrevious ? 'kept' : 'deleted'}.${gate}`,
      gateRunId: opts.gate && opts.gate !== 'skipped' ? opts.gate.runId : null,
    });
    return text;
  }).immediate();
  services.bus.emit('collection.changed', { collection: c.name, action: 'finalize' });
  services.bus.emit('migration.changed', { collection: c.name, migrationId: m.id, action: 'finalized' });
  return outcome;
}

export interface RollbackOptions {
  deleteVectors: boolean;
  /** Why, for the outcome and the serving log (default: the admin asked). */
  reason?: string;
  gateRunId?: number;
}

/**
 * A serves 100 % at once: the row turns `rolled-back` first (so the job, told to stop next, leaves B's vectors
 * alone), then the job is cancelled, then B's vectors are deleted if asked — else kept, and a later migration to
 * the same version continues from them.
 */
export async function rollbackMigration(services: CoreServices, c: CollectionRow, m: MigrationRow, opts: RollbackOptions): Promise<string> {
  const { db } = services;
  if (m.state !== 'active' && m.state !== 'ready') {
    throw new AppError('MIGRATION_STATE', `The last migration of "${c.name}" is ${m.state}; there is nothing to roll back.`);
  }
  const now = new Date().toISOString();
  const b = getIndex(db, m.to_index_id);
  const reason = opts.reason ?? 'Rolled back by the admin.';
  const text = `${opts.reason ? `${opts.reason} ` : ''}Rolled back: ${m.from_model}@${m.from_version} serves "${c.name}" (100 %); ${m.to_model}@${m.to_version}'s ${b?.vectors ?? 0} vectors were ${opts.deleteVectors ? 'deleted' : 'kept'}.`;
  db.transaction(() => {
    const fresh = getMigration(db, m.id);
    if (!fresh || (fresh.state !== 'active' && fresh.state !== 'ready')) throw new AppError('MIGRATION_STATE', 'The migration changed meanwhile; look at it again.');
    db.prepare('UPDATE collection_indexes SET live = 0 WHERE id = ?').run(m.to_index_id);
    patchMigration(db, m.id, { state: 'rolled-back', rollout_percent: 0, shadow: 0, finished_at: now, outcome: text, done: getIndex(db, m.to_index_id)?.vectors ?? 0, total: readyChunkCount(db, c.id) });
    logServing(db, c, fresh, { event: 'rolled-back', rolloutPercent: 0, reason, gateRunId: opts.gateRunId });
  }).immediate();
  const job = m.job_id === null ? undefined : services.jobStore.get(m.job_id);
  if (job && !FINAL_STATES.includes(job.state)) await services.jobs.cancel(job.id).catch(() => undefined);
  if (opts.deleteVectors) {
    db.transaction(() => {
      if (getIndex(db, m.to_index_id) && findCollection(db, c.name)) deleteIndex(db, m.to_index_id);
    }).immediate();
  }
  services.bus.emit('collection.changed', { collection: c.name, action: 'rollback' });
  services.bus.emit('migration.changed', { collection: c.name, migrationId: m.id, action: 'rolled-back' });
  return text;
}
