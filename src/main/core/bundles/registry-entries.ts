import type { BundleRegistryModel, BundleVersion, RegistryMergeDTO, ValidationReportDTO, VersionStatus } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { Db } from '../db/open-database';
import { ValidationStore } from '../inference/validate-model';
import { CURRENT_ELIGIBLE } from '../registry/lifecycle';
import { findModel, listModelRows, toModelDTO, upsertModel, type ModelRow } from '../registry/model-store';
import { parseVersion } from '../registry/semver';
import { findVersion, listVersionRows, metricsHistory } from '../registry/version-store';

interface HistoryRow {
  from_status: VersionStatus | null;
  to_status: VersionStatus;
  reason: string | null;
  at: string;
}

/** A hub model's repo id as registered (`source.repoId`), lower-cased for comparison; null for other sources. */
function hubRepoOf(row: ModelRow): string | null {
  if (!row.source) return null;
  const source = JSON.parse(row.source) as { kind: string; repoId?: string };
  return source.kind === 'hub' && source.repoId ? source.repoId.toLowerCase() : null;
}

function versionsOf(db: Db, row: ModelRow): BundleVersion[] {
  return listVersionRows(db, row.id)
    .reverse()
    .map((v) => ({
      version: v.version,
      description: v.description,
      status: v.status,
      createdAt: v.created_at,
      updatedAt: v.updated_at,
      statusHistory: (db.prepare('SELECT from_status, to_status, reason, at FROM registry_status_history WHERE version_id = ? ORDER BY id').all(v.id) as HistoryRow[]).map(
        (h) => ({ from: h.from_status, to: h.to_status, reason: h.reason, at: h.at }),
      ),
      metrics: metricsHistory(db, v.id).map((m) => ({ recordedAt: m.recordedAt, source: m.source, metrics: m.metrics })),
    }));
}

/** The registry entries a bundle carries: every model whose Hub source is one of `repos`, plus the ones named. */
export function registryEntriesFor(db: Db, repos: readonly string[], names: readonly string[]): BundleRegistryModel[] {
  const wanted = new Set(repos.map((r) => r.toLowerCase()));
  const named = new Set(names);
  return listModelRows(db, {})
    .filter((row) => named.has(row.name) || wanted.has(hubRepoOf(row) ?? ''))
    .map((row) => {
      const dto = toModelDTO(db, row);
      return {
        name: dto.name,
        type: dto.type,
        provider: dto.provider,
        source: dto.source,
        aliases: dto.aliases,
        dimension: dto.dimension,
        maxSeqLength: dto.maxSeqLength,
        pooling: dto.pooling,
        sizeBytes: dto.sizeBytes,
        license: dto.license,
        notes: dto.notes,
        currentVersion: dto.currentVersion,
        previousVersion: dto.previousVersion,
        versions: versionsOf(db, row),
      };
    });
}

function insertVersion(db: Db, model: ModelRow, v: BundleVersion, now: string): number {
  const { version } = parseVersion(v.version);
  const id = Number(
    db
      .prepare(
        `INSERT INTO registry_versions (model_id, version, major, minor, patch, prerelease, description, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(model.id, version.text, version.major, version.minor, version.patch, version.prerelease, v.description, v.status, v.createdAt, v.updatedAt).lastInsertRowid,
  );
  const log = db.prepare('INSERT INTO registry_status_history (version_id, from_status, to_status, reason, at) VALUES (?, ?, ?, ?, ?)');
  for (const h of v.statusHistory) log.run(id, h.from, h.to, h.reason, h.at);
  log.run(id, v.status, v.status, 'imported from a bundle', now);
  return id;
}

/** Appends the bundle's metrics rows a version does not have yet (same time, source and values); returns how many. */
function mergeMetrics(db: Db, versionId: number, rows: BundleVersion['metrics']): number {
  const have = new Set(metricsHistory(db, versionId).map((m) => `${m.recordedAt}\0${m.source ?? ''}\0${JSON.stringify(m.metrics)}`));
  const add = db.prepare('INSERT INTO registry_metrics (version_id, recorded_at, source, metrics) VALUES (?, ?, ?, ?)');
  let added = 0;
  for (const m of rows) {
    if (have.has(`${m.recordedAt}\0${m.source ?? ''}\0${JSON.stringify(m.metrics)}`)) continue;
    add.run(versionId, m.recordedAt, m.source, JSON.stringify(m.metrics));
    added++;
  }
  return added;
}

/**
 * Merges a bundle's registry entries into the local registry. Run it inside the caller's transaction: any
 * error rolls back every entry. What is local wins: an existing version keeps its status, a model whose source
 * is another repo is left alone, a current version is set only where none is; each such case is reported.
 */
export function mergeRegistry(db: Db, entries: readonly BundleRegistryModel[], now = new Date().toISOString()): RegistryMergeDTO {
  const out: RegistryMergeDTO = { modelsCreated: [], modelsUpdated: [], versionsAdded: [], metricsAdded: 0, validationsAdded: 0, kept: [] };
  for (const entry of entries) {
    const existing = findModel(db, entry.name);
    if (existing && existing.name !== entry.name) {
      out.kept.push(`${entry.name}: is an alias of the local model ${existing.name}; not imported`);
      continue;
    }
    const bundleRepo = entry.source?.kind === 'hub' ? entry.source.repoId.toLowerCase() : null;
    if (existing && hubRepoOf(existing) !== bundleRepo) {
      out.kept.push(`${entry.name}: the local model has another source; its entry was left as it is`);
      continue;
    }
    let row: ModelRow;
    if (!existing) {
      const aliases = entry.aliases.filter((a) => {
        const owner = findModel(db, a);
        if (owner) out.kept.push(`${entry.name}: alias "${a}" already names ${owner.name}; not added`);
        return !owner;
      });
      try {
        row = upsertModel(db, { ...entry, aliases }, now);
      } catch (err) {
        const why = err instanceof AppError ? err.message : (err as Error).message;
        throw new AppError('ARCHIVE_REFUSED', `The bundle's registry entry "${entry.name}" cannot be imported: ${why}`, {
          hint: 'Nothing was imported. The bundle may come from a newer or modified Model Center.',
        });
      }
      out.modelsCreated.push(entry.name);
    } else row = existing;
    let changed = false;
    for (const v of entry.versions) {
      const local = findVersion(db, row, v.version);
      if (!local) {
        const id = insertVersion(db, row, v, now);
        out.metricsAdded += mergeMetrics(db, id, v.metrics);
        out.versionsAdded.push(`${row.name}@${v.version}`);
        changed = true;
        continue;
      }
      if (local.status !== v.status) out.kept.push(`${row.name}@${local.version}: kept the local status ${local.status} (bundle: ${v.status})`);
      const added = mergeMetrics(db, local.id, v.metrics);
      out.metricsAdded += added;
      changed ||= added > 0;
    }
    // The current version travels only to a registry that has none for the model.
    const fresh = db.prepare('SELECT * FROM registry_models WHERE id = ?').get(row.id) as ModelRow;
    const current = entry.currentVersion ? findVersion(db, fresh, entry.currentVersion) : undefined;
    if (current && fresh.current_version === null && CURRENT_ELIGIBLE.includes(current.status)) {
      const previous = entry.previousVersion && findVersion(db, fresh, entry.previousVersion) ? entry.previousVersion : null;
      db.prepare('UPDATE registry_models SET current_version = ?, previous_version = ?, updated_at = ? WHERE id = ?').run(current.version, previous, now, row.id);
      changed = true;
    } else if (entry.currentVersion && fresh.current_version && fresh.current_version !== entry.currentVersion) {
      out.kept.push(`${row.name}: kept the local current version ${fresh.current_version} (bundle: ${entry.currentVersion})`);
    }
    if (existing && changed) out.modelsUpdated.push(row.name);
  }
  return out;
}

/** The latest validation results that concern the bundled repos or registry models (what the health badges show). */
export function validationsFor(db: Db, repos: readonly string[], names: readonly string[]): ValidationReportDTO[] {
  const wantedRepos = new Set(repos.map((r) => r.toLowerCase()));
  const wantedNames = new Set(names);
  return new ValidationStore(db)
    .latest()
    .filter((v) => (v.registryModel !== null && wantedNames.has(v.registryModel)) || wantedNames.has(v.model) || wantedRepos.has(v.model.replace(/@.*$/, '').toLowerCase()));
}

/** Adds the bundle's validation results the local store does not have yet (same model, key and time); returns how many. */
export function mergeValidations(db: Db, reports: readonly ValidationReportDTO[]): number {
  const store = new ValidationStore(db);
  let added = 0;
  for (const r of reports) {
    const known = store.latest(r.registryModel ?? r.model).some((v) => v.checkedAt === r.checkedAt && v.modelKey === r.modelKey);
    if (known) continue;
    store.save(r);
    added++;
  }
  return added;
}
