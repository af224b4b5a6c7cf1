import { z } from 'zod';
import { MODEL_PROVIDERS, MODEL_TYPES, VERSION_STATUSES, type ImportReport, type ModelSource } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { Db } from '../db/open-database';
import { nameFromRepo } from './env-import';
import { runImport, type ReportBuilder } from './import-report';
import { findModel, toModelDTO, upsertModel, type ModelRow } from './model-store';
import { parseVersion } from './semver';
import { appendMetrics, findVersion, registerVersion, setCurrent } from './version-store';

/*
 * Seed 003's registry is a JSON file written by a Python ModelRegistry (dataclasses dumped with asdict). Its
 * exact layout varies between versions of that script, so this reader accepts the shapes seen in practice:
 * `{ "models": { name: model } }`, `{ name: model }`, or `{ "models": [model] }`; versions as an object keyed
 * by version or as a list. Unknown fields (dependencies, metadata…) are ignored, never fatal.
 */
const VersionEntrySchema = z.looseObject({
  version: z.string().optional(),
  description: z.string().nullable().optional(),
  status: z.string().optional(),
  performance_metrics: z.record(z.string(), z.unknown()).nullable().optional(),
  created_at: z.string().optional(),
});
type VersionEntry = z.infer<typeof VersionEntrySchema>;

const ModelEntrySchema = z.looseObject({
  model_name: z.string().optional(),
  name: z.string().optional(),
  model_type: z.string().optional(),
  type: z.string().optional(),
  provider: z.string().optional(),
  current_version: z.string().nullable().optional(),
  versions: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
});

function modelEntries(doc: unknown): Array<[string, unknown]> {
  const root = typeof doc === 'object' && doc !== null && 'models' in doc ? (doc as { models: unknown }).models : doc;
  if (Array.isArray(root)) return root.map((m, i) => [`models[${i}]`, m]);
  if (typeof root === 'object' && root !== null) return Object.entries(root);
  return [];
}

function isoOrNow(value: string | undefined): string {
  const t = value ? Date.parse(value) : NaN;
  return Number.isFinite(t) ? new Date(t).toISOString() : new Date().toISOString();
}

function importVersions(db: Db, b: ReportBuilder, model: ModelRow, versions: Array<[string, unknown]>): void {
  for (const [key, raw] of versions) {
    const parsed = VersionEntrySchema.safeParse(raw);
    const label = `${model.name}@${key}`;
    if (!parsed.success) {
      b.refuse(label, 'version entry is not an object');
      continue;
    }
    const v: VersionEntry = parsed.data;
    b.attempt(db, label, () => {
      const { version, message } = parseVersion(v.version ?? key);
      if (message) b.report.messages.push(`${model.name}: ${message}`);
      const status = v.status?.toLowerCase() ?? 'development';
      const known = VERSION_STATUSES.find((s) => s === status);
      if (!known) throw new AppError('INVALID_INPUT', `status "${v.status}" is not one of ${VERSION_STATUSES.join(', ')}`);
      const existing = findVersion(db, model, version.text);
      if (existing) {
        if (existing.status === known && (existing.description ?? null) === (v.description ?? null)) return 'unchanged';
        throw new AppError('CONFLICT', `${version.text} is already registered with a different status or description (versions are immutable; change status with set-status)`);
      }
      const at = isoOrNow(v.created_at);
      const { row } = registerVersion(db, model, { version: version.text, description: v.description ?? null, status: known }, at);
      const metrics = Object.entries(v.performance_metrics ?? {});
      const numeric = Object.fromEntries(metrics.filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
      if (metrics.length > Object.keys(numeric).length) b.report.messages.push(`${label}: non-numeric metrics were skipped.`);
      if (Object.keys(numeric).length) appendMetrics(db, row.id, numeric, 'import:model_registry.json', at);
      return 'imported';
    });
  }
}

export function importRegistryJson(db: Db, text: string, strict: boolean): ImportReport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { imported: [], unchanged: [], refused: [{ entry: '(file)', reason: `not valid JSON: ${(err as Error).message}` }], rolledBack: false, messages: [] };
  }
  return runImport(db, strict, (b) => {
    const entries = modelEntries(doc);
    if (entries.length === 0) b.refuse('(file)', 'no models found (expected {"models": {name: {...}}})');
    for (const [key, raw] of entries) {
      const parsed = ModelEntrySchema.safeParse(raw);
      if (!parsed.success) {
        b.refuse(key, 'model entry is not an object');
        continue;
      }
      const m = parsed.data;
      const given = (m.model_name ?? m.name ?? key).trim();
      // Names in seed 003 are Hub repo names (mixed case, sometimes owner/name); ours are lowercase slugs.
      const name = nameFromRepo(given);
      const type = MODEL_TYPES.find((t) => t === (m.model_type ?? m.type ?? '').toLowerCase());
      if (!type) {
        b.refuse(given, `model_type "${m.model_type ?? m.type ?? ''}" is not one of ${MODEL_TYPES.join(', ')}`);
        continue;
      }
      const provider = MODEL_PROVIDERS.find((p) => p === m.provider) ?? 'huggingface';
      if (name !== given) b.report.messages.push(`Model "${given}" is registered as "${name}".`);
      let model: ModelRow | undefined;
      b.attempt(db, name, () => {
        const existing = findModel(db, name);
        if (existing) {
          model = existing;
          return 'unchanged';
        }
        const source: ModelSource | null = given.includes('/') && provider === 'huggingface' ? { kind: 'hub', repoId: given, revision: null } : null;
        model = upsertModel(db, { name, type, provider, source, notes: 'Imported from model_registry.json (seed 003).' });
        return 'imported';
      });
      if (!model) continue;
      const versions: Array<[string, unknown]> = Array.isArray(m.versions)
        ? m.versions.map((v, i) => [typeof v === 'object' && v !== null && typeof (v as { version?: unknown }).version === 'string' ? (v as { version: string }).version : `[${i}]`, v])
        : Object.entries(m.versions ?? {});
      importVersions(db, b, model, versions);
      if (m.current_version) {
        const current = m.current_version;
        const row = model;
        b.attempt(db, `${name} current=${current}`, () => {
          const fresh = findModel(db, row.name) as ModelRow;
          if (fresh.current_version === parseVersion(current).version.text) return 'unchanged';
          setCurrent(db, fresh, current, undefined);
          return 'imported';
        });
      }
      if (toModelDTO(db, findModel(db, name) as ModelRow).currentVersion === null && m.current_version === undefined) {
        b.report.messages.push(`${name}: no current version given; set one with set-current.`);
      }
    }
  });
}
