import type { MetricsRow, ModelSource, VersionDTO, VersionStatus } from '../../../shared/contract';
import { MetricsSchema, ModelSourceSchema } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { Db } from '../db/open-database';
import { assertTransition, CURRENT_ELIGIBLE } from './lifecycle';
import type { ModelRow } from './model-store';
import { compareVersions, normaliseVersion, parseVersion } from './semver';

export interface VersionRow {
  id: number;
  model_id: number;
  version: string;
  description: string | null;
  status: VersionStatus;
  /** JSON of a ModelSource; null: the model's source. */
  source: string | null;
  created_at: string;
  updated_at: string;
}

interface MetricsDbRow {
  id: number;
  recorded_at: string;
  source: string | null;
  metrics: string;
}

function toMetricsRow(r: MetricsDbRow): MetricsRow {
  return { id: r.id, recordedAt: r.recorded_at, source: r.source, metrics: MetricsSchema.parse(JSON.parse(r.metrics)) };
}

export function toVersionDTO(db: Db, model: ModelRow, row: VersionRow): VersionDTO {
  const latest = db.prepare('SELECT id, recorded_at, source, metrics FROM registry_metrics WHERE version_id = ? ORDER BY id DESC LIMIT 1').get(row.id) as
    | MetricsDbRow
    | undefined;
  return {
    model: model.name,
    version: row.version,
    description: row.description,
    status: row.status,
    source: row.source === null ? null : ModelSourceSchema.parse(JSON.parse(row.source)),
    isCurrent: model.current_version === row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    latestMetrics: latest ? toMetricsRow(latest) : null,
  };
}

/**
 * Newest first by semver precedence. SQLite orders the integer parts; prerelease identifiers need semver's
 * own rules (rc.10 > rc.2, a release above its prereleases), so the final order is computed here.
 */
export function listVersionRows(db: Db, modelId: number): VersionRow[] {
  const rows = db.prepare('SELECT * FROM registry_versions WHERE model_id = ? ORDER BY major DESC, minor DESC, patch DESC').all(modelId) as VersionRow[];
  return rows
    .map((row) => ({ row, v: parseVersion(row.version).version }))
    .sort((a, b) => compareVersions(b.v, a.v))
    .map((x) => x.row);
}

export function findVersion(db: Db, model: ModelRow, rawVersion: string): VersionRow | undefined {
  return db.prepare('SELECT * FROM registry_versions WHERE model_id = ? AND version = ?').get(model.id, normaliseVersion(rawVersion)) as VersionRow | undefined;
}

export function requireVersion(db: Db, model: ModelRow, rawVersion: string): VersionRow {
  const row = findVersion(db, model, rawVersion);
  if (!row) {
    const known = listVersionRows(db, model.id).map((v) => v.version);
    throw new AppError('VERSION_NOT_FOUND', `Model "${model.name}" has no version ${normaliseVersion(rawVersion)}.`, {
      hint: known.length ? `Known versions: ${known.join(', ')}.` : `Register one first: model-center register ${model.name} 1.0.0`,
    });
  }
  return row;
}

function logStatus(db: Db, versionId: number, from: VersionStatus | null, to: VersionStatus, reason: string, now: string): void {
  db.prepare('INSERT INTO registry_status_history (version_id, from_status, to_status, reason, at) VALUES (?, ?, ?, ?, ?)').run(versionId, from, to, reason, now);
}

export interface RegisterResult {
  row: VersionRow;
  messages: string[];
}

/** Registers a version; any initial status is accepted (see lifecycle.ts: registering records a fact). */
export function registerVersion(
  db: Db,
  model: ModelRow,
  input: { version: string; description: string | null; status: VersionStatus; source?: ModelSource | null; metrics?: Record<string, number> },
  now = new Date().toISOString(),
): RegisterResult {
  const { version, message } = parseVersion(input.version);
  const messages = message ? [message] : [];
  if (findVersion(db, model, version.text)) {
    throw new AppError('CONFLICT', `Model "${model.name}" already has version ${version.text}.`, {
      hint: 'Versions are immutable once registered: bump the version (e.g. the patch number), or change its status with set-status.',
    });
  }
  const id = Number(
    db
      .prepare(
        `INSERT INTO registry_versions (model_id, version, major, minor, patch, prerelease, description, status, source, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(model.id, version.text, version.major, version.minor, version.patch, version.prerelease, input.description, input.status, input.source ? JSON.stringify(input.source) : null, now, now).lastInsertRowid,
  );
  logStatus(db, id, null, input.status, 'registered', now);
  if (input.metrics && Object.keys(input.metrics).length) appendMetrics(db, id, input.metrics, 'registration', now);
  return { row: db.prepare('SELECT * FROM registry_versions WHERE id = ?').get(id) as VersionRow, messages };
}

export function setStatus(db: Db, model: ModelRow, rawVersion: string, to: VersionStatus, now = new Date().toISOString()): VersionRow {
  const row = requireVersion(db, model, rawVersion);
  assertTransition(row.status, to, `${model.name} ${row.version}`);
  if (model.current_version === row.version && !CURRENT_ELIGIBLE.includes(to)) {
    throw new AppError('ILLEGAL_TRANSITION', `${model.name} ${row.version} is the current version; it cannot become ${to} while it serves.`, {
      hint: `Make another version current first (set-current), or use rollback to return to ${model.previous_version ?? 'the previous version'}.`,
    });
  }
  db.prepare('UPDATE registry_versions SET status = ?, updated_at = ? WHERE id = ?').run(to, now, row.id);
  logStatus(db, row.id, row.status, to, 'set-status', now);
  return { ...row, status: to, updated_at: now };
}

function assertExpected(model: ModelRow, expected: string | null | undefined): void {
  if (expected === undefined) return;
  const want = expected === null ? null : normaliseVersion(expected);
  if (model.current_version !== want) {
    throw new AppError('CURRENT_CHANGED', `The current version of "${model.name}" is ${model.current_version ?? 'none'}, not ${want ?? 'none'} as expected: someone changed it meanwhile.`, {
      hint: 'Nothing was changed. Look at the versions again, then retry with the current version you now see.',
    });
  }
}

/**
 * Switches the current version. Callers run it inside an IMMEDIATE transaction and re-read the model row
 * inside it, so the compare-and-set on `expected` sees the committed state of every other process.
 */
export function setCurrent(db: Db, model: ModelRow, rawVersion: string, expected: string | null | undefined, now = new Date().toISOString()): void {
  assertExpected(model, expected);
  const row = requireVersion(db, model, rawVersion);
  if (!CURRENT_ELIGIBLE.includes(row.status)) {
    throw new AppError('ILLEGAL_TRANSITION', `${model.name} ${row.version} is ${row.status}; only a ${CURRENT_ELIGIBLE.join(' or ')} version can be current.`, {
      hint: row.status === 'development' ? `Promote it first: set-status ${model.name} ${row.version} staging.` : `Restore it first (${row.status} → ${row.status === 'archived' ? 'deprecated → production' : 'production'}).`,
    });
  }
  if (model.current_version === row.version) return;
  db.prepare('UPDATE registry_models SET previous_version = current_version, current_version = ?, updated_at = ? WHERE id = ?').run(row.version, now, model.id);
}

export interface RollbackResult {
  from: string;
  to: string;
  messages: string[];
}

/**
 * One step back: the previous version becomes current again, and the version rolled away from leaves
 * production for staging (the only way production → staging happens). The previous version is brought back
 * to production if it had been deprecated or was staging, because it is serving again.
 */
export function rollback(db: Db, model: ModelRow, expected: string | null | undefined, now = new Date().toISOString()): RollbackResult {
  assertExpected(model, expected);
  const from = model.current_version;
  const to = model.previous_version;
  if (!from || !to) {
    throw new AppError('CONFLICT', `"${model.name}" has no previous current version to roll back to.`, {
      hint: 'Rollback returns to the version that was current before the last set-current; use set-current to pick one explicitly.',
    });
  }
  const target = requireVersion(db, model, to);
  const leaving = requireVersion(db, model, from);
  if (target.status === 'archived') {
    throw new AppError('ILLEGAL_TRANSITION', `Cannot roll back "${model.name}" to ${to}: it is archived.`, {
      hint: `Restore it first (set-status ${model.name} ${to} deprecated, then production), or set-current another version.`,
    });
  }
  const messages: string[] = [];
  if (target.status !== 'production') {
    db.prepare('UPDATE registry_versions SET status = ?, updated_at = ? WHERE id = ?').run('production', now, target.id);
    logStatus(db, target.id, target.status, 'production', 'rollback', now);
    messages.push(`${to}: ${target.status} → production (serving again).`);
  }
  if (leaving.status === 'production') {
    db.prepare('UPDATE registry_versions SET status = ?, updated_at = ? WHERE id = ?').run('staging', now, leaving.id);
    logStatus(db, leaving.id, 'production', 'staging', 'rollback', now);
    messages.push(`${from}: production → staging (rolled back).`);
  }
  db.prepare('UPDATE registry_models SET current_version = ?, previous_version = ?, updated_at = ? WHERE id = ?').run(to, from, now, model.id);
  messages.push(`Current version of ${model.name}: ${from} → ${to}.`);
  return { from, to, messages };
}

export function appendMetrics(db: Db, versionId: number, metrics: Record<string, number>, source: string | null, now = new Date().toISOString()): MetricsRow {
  const id = Number(
    db.prepare('INSERT INTO registry_metrics (version_id, recorded_at, source, metrics) VALUES (?, ?, ?, ?)').run(versionId, now, source, JSON.stringify(metrics)).lastInsertRowid,
  );
  return { id, recordedAt: now, source, metrics };
}

export function metricsHistory(db: Db, versionId: number): MetricsRow[] {
  return (db.prepare('SELECT id, recorded_at, source, metrics FROM registry_metrics WHERE version_id = ? ORDER BY id').all(versionId) as MetricsDbRow[]).map(toMetricsRow);
}
