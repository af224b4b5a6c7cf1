import type { MigrationReportDTO } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { Db } from '../db/open-database';
import { findPath, listStrategies } from './migration-path';
import type { ModelRow } from './model-store';
import { normaliseVersion } from './semver';

/** One entry of a chunk's `migration_history` (seed 003's shape, plus which strategy did it). */
export interface MigrationHistoryEntry {
  from_version: string;
  to_version: string;
  migrated_at: string;
  strategy_id: number;
}

export interface ChunkStamp {
  collection: string;
  chunkId: string;
  embeddingModel: string;
  embeddingModelVersion: string;
  indexedAt?: string;
}

/**
 * Stamps chunks with the model and version that embedded them (what the collections domain calls when it
 * indexes). Re-stamping a chunk resets its history: it was embedded again from scratch.
 */
export function stampChunks(db: Db, chunks: readonly ChunkStamp[], now = new Date().toISOString()): void {
  const put = db.prepare(
    `INSERT INTO document_metadata (collection, chunk_id, embedding_model, embedding_model_version, indexed_at, migration_history)
     VALUES (@collection, @chunkId, @embeddingModel, @version, @indexedAt, '[]')
     ON CONFLICT(collection, chunk_id) DO UPDATE SET embedding_model = excluded.embedding_model,
       embedding_model_version = excluded.embedding_model_version, indexed_at = excluded.indexed_at, migration_history = '[]'`,
  );
  db.transaction(() => {
    for (const c of chunks) put.run({ ...c, version: normaliseVersion(c.embeddingModelVersion), indexedAt: c.indexedAt ?? now });
  }).immediate();
}

/**
 * Dry-run or apply a metadata migration along the shortest strategy path. Applying runs in one IMMEDIATE
 * transaction: every affected chunk moves to `to` with one history entry per step, or none does. A path with
 * a `reembed` step is refused here, since changing the stamp without recomputing vectors would be a lie.
 */
export function migrateMetadata(
  db: Db,
  model: ModelRow,
  input: { fromVersion: string; toVersion: string; collection?: string; dryRun: boolean },
  now = new Date().toISOString(),
): MigrationReportDTO {
  const from = normaliseVersion(input.fromVersion);
  const to = normaliseVersion(input.toVersion);
  const path = findPath(listStrategies(db, model), from, to);
  if (path === null) {
    throw new AppError('NO_MIGRATION_PATH', `No chain of migration strategies leads from ${from} to ${to} for "${model.name}".`, {
      hint: `Declare one with registry.addMigrationStrategy (from ${from} to ${to}, or through intermediate versions).`,
    });
  }
  // The stamp holds a model identifier; accept the registry name and any alias (chunks may predate the name).
  const names = [model.name, ...(db.prepare('SELECT alias FROM registry_aliases WHERE model_id = ?').pluck().all(model.id) as string[])];
  const source = model.source ? (JSON.parse(model.source) as { repoId?: string }) : null;
  if (source?.repoId) names.push(source.repoId);
  const placeholders = names.map(() => '?').join(',');
  const where = `embedding_model IN (${placeholders}) AND embedding_model_version = ?${input.collection ? ' AND collection = ?' : ''}`;
  const params: string[] = [...names, from, ...(input.collection ? [input.collection] : [])];
  const requiresReembed = path.some((s) => s.kind === 'reembed');
  const messages: string[] = [];
  const run = (): MigrationReportDTO => {
    const affected = Number(db.prepare(`SELECT count(*) FROM document_metadata WHERE ${where}`).pluck().get(...params));
    const report: MigrationReportDTO = { model: model.name, fromVersion: from, toVersion: to, dryRun: input.dryRun, path, affected, migrated: 0, requiresReembed, messages };
    if (path.length === 0) messages.push('From and to are the same version: nothing to do.');
    if (requiresReembed) messages.push('The path includes a re-embedding step: vectors must be recomputed by a collection migration job.');
    if (input.dryRun || path.length === 0) return report;
    if (requiresReembed) {
      throw new AppError('CONFLICT', `Migrating "${model.name}" ${from} → ${to} needs re-embedding (step ${path.find((s) => s.kind === 'reembed')?.fromVersion} → ${path.find((s) => s.kind === 'reembed')?.toVersion}).`, {
        hint: 'Only the stamps would change here, leaving stale vectors. Run the collection migration (model-center migrate) instead. Nothing was changed.',
      });
    }
    const rows = db.prepare(`SELECT id, migration_history FROM document_metadata WHERE ${where}`).all(...params) as { id: number; migration_history: string }[];
    const update = db.prepare('UPDATE document_metadata SET embedding_model_version = ?, migration_history = ? WHERE id = ?');
    const steps: MigrationHistoryEntry[] = path.map((s) => ({ from_version: s.fromVersion, to_version: s.toVersion, migrated_at: now, strategy_id: s.id }));
    for (const r of rows) {
      const history = JSON.parse(r.migration_history) as MigrationHistoryEntry[];
      update.run(to, JSON.stringify([...history, ...steps]), r.id);
    }
    report.migrated = rows.length;
    messages.push(`${rows.length} chunk(s) moved from ${from} to ${to} in ${path.length} step(s).`);
    return report;
  };
  return input.dryRun ? run() : db.transaction(run).immediate();
}
