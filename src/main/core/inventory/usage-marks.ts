import fs from 'node:fs';
import path from 'node:path';
import { ModelSourceSchema, type InventoryModelDTO, type ModelSource } from '../../../shared/contract';
import type { Db } from '../db/open-database';
import { strings, voskNameOfUrl } from '../detect/in-use';
import { isSameOrInside } from '../detect/registry-links';
import type { StoredJob } from '../jobs/job-store';
import { ollamaKey } from '../ollama/ollama-client';

/** What a user of models points at: a Hub repo, an Ollama tag, or a file or folder. */
export type UseTarget = { kind: 'hub'; repo: string } | { kind: 'ollama'; tag: string } | { kind: 'path'; path: string };

export interface ModelUser {
  target: UseTarget;
  why: string;
}

/**
 * Tables that say a model version is in use by collections and migrations. Only `document_metadata` (the registry's
 * per-chunk stamp) exists today; the collections domain will add the others. Each is read when it exists, through
 * whichever `<x>model` / `<x>version` column pairs it has (`model`+`version`, `from_model`+`from_version`,
 * `embedding_model`+`embedding_model_version`, …); a missing table means "no such users".
 */
export const USAGE_TABLES: Record<string, string> = {
  collections: 'collection',
  collection_indexes: 'index of collection',
  migrations: 'migration of collection',
  document_metadata: 'chunks of collection',
};

/** Migrations in these states no longer read either side (the collection row says which version serves). */
const ENDED_MIGRATION = new Set(['cancelled', 'failed', 'finalized', 'rolled-back', 'done']);

function parseSource(raw: string | null): ModelSource | null {
  if (!raw) return null;
  try {
    const r = ModelSourceSchema.safeParse(JSON.parse(raw));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

function targetOf(source: ModelSource): UseTarget {
  if (source.kind === 'hub') return { kind: 'hub', repo: source.repoId };
  if (source.kind === 'ollama') return { kind: 'ollama', tag: source.tag };
  return { kind: 'path', path: source.path };
}

function describeSource(s: ModelSource): string {
  if (s.kind === 'hub') return `${s.repoId}${s.revision ? `@${s.revision.slice(0, 12)}` : ''}`;
  if (s.kind === 'ollama') return `ollama ${s.tag}`;
  return s.path;
}

interface VersionRow {
  name: string;
  version: string;
  status: string;
  current: string | null;
  previous: string | null;
  msource: string | null;
  vsource: string | null;
}

function versionRows(db: Db): VersionRow[] {
  return db
    .prepare(
      `SELECT m.name, v.version, v.status, m.current_version AS current, m.previous_version AS previous, m.source AS msource, v.source AS vsource
       FROM registry_versions v JOIN registry_models m ON m.id = v.model_id`,
    )
    .all() as VersionRow[];
}

/** The files of a registry model at a version: the version's own source, else the model's. */
function sourceOf(rows: VersionRow[], model: string, version: string | null): ModelSource | null {
  const lower = model.toLowerCase();
  const row = rows.find((r) => r.name === lower && (version === null || r.version === version));
  if (row) return parseSource(row.vsource) ?? parseSource(row.msource);
  return parseSource(rows.find((r) => r.name === lower)?.msource ?? null);
}

function quote(id: string): string {
  return `"${id.replace(/"/g, '""')}"`;
}

/** `model`+`version`, `from_model`+`from_version`, `embedding_model`+`embedding_model_version` … in a table's columns. */
function modelVersionPairs(columns: string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const c of columns) {
    const m = /^(.*?)model(?:_name)?$/.exec(c);
    if (!m) continue;
    const prefix = m[1] ?? '';
    const v = [`${prefix}version`, `${prefix}model_version`, `${c}_version`].find((x) => columns.includes(x));
    if (v) pairs.push([c, v]);
  }
  return pairs;
}

function tableUsers(db: Db, rows: VersionRow[], table: string, what: string): ModelUser[] {
  const columns = (db.prepare(`PRAGMA table_info(${quote(table)})`).all() as Array<{ name: string }>).map((c) => c.name);
  const label = ['collection', 'collection_name', 'name'].find((c) => columns.includes(c));
  const state = columns.includes('state') ? 'state' : null;
  const users: ModelUser[] = [];
  for (const [mc, vc] of modelVersionPairs(columns)) {
    const sql = `SELECT DISTINCT ${label ? quote(label) : "''"} AS label, ${quote(mc)} AS model, ${quote(vc)} AS version${state ? `, ${quote(state)} AS state` : ''} FROM ${quote(table)}`;
    for (const r of db.prepare(sql).all() as Array<{ label: unknown; model: unknown; version: unknown; state?: unknown }>) {
      if (typeof r.model !== 'string' || !r.model) continue;
      if (table === 'migrations' && typeof r.state === 'string' && ENDED_MIGRATION.has(r.state)) continue;
      const version = typeof r.version === 'string' ? r.version : null;
      const source = sourceOf(rows, r.model, version);
      if (!source) continue;
      const of = typeof r.label === 'string' && r.label ? ` ${r.label}` : '';
      users.push({ target: targetOf(source), why: `${what}${of} uses ${r.model}${version ? `@${version}` : ''} (${describeSource(source)})` });
    }
  }
  return users;
}

function jobUsers(jobs: StoredJob[], rows: VersionRow[], dataDir: string): ModelUser[] {
  const users: ModelUser[] = [];
  for (const j of jobs) {
    if (j.kind.startsWith('inventory.')) continue;
    const why = `job ${j.id} (${j.kind}, ${j.state})`;
    const p = j.params;
    if (typeof p.repo === 'string') users.push({ target: { kind: 'hub', repo: p.repo }, why });
    if (j.kind.startsWith('ollama.') && typeof p.name === 'string') users.push({ target: { kind: 'ollama', tag: p.name }, why });
    const vosk = j.kind === 'vosk.install' ? voskNameOfUrl(p.url) : null;
    if (vosk) users.push({ target: { kind: 'path', path: path.join(dataDir, 'vosk', vosk) }, why });
    if (typeof p.model === 'string' && p.model.trim()) {
      const [name, version] = p.model.trim().split('@');
      const source = name ? sourceOf(rows, name, version ?? null) : null;
      if (source) users.push({ target: targetOf(source), why });
    }
    for (const s of strings(p)) if (path.isAbsolute(s)) users.push({ target: { kind: 'path', path: s }, why });
  }
  return users;
}

/**
 * Everything that uses a model and makes it unsafe to delete: registry versions in staging or production and
 * every model's current and previous (rollback target) version (their source, hub repo/revision, Ollama tag or path); active jobs (their repo,
 * model, Ollama name, Vosk URL or any absolute path in their parameters); collections and migrations (tables read
 * when present). Returns the tables read and the expected ones missing.
 */
export function collectUsers(db: Db, jobs: StoredJob[], dataDir: string): { users: ModelUser[]; tables: string[]; missing: string[] } {
  const rows = versionRows(db);
  const users: ModelUser[] = [];
  for (const r of rows) {
    const role = r.current === r.version ? ', current' : r.previous === r.version ? ', previous: the rollback target' : '';
    if (r.status !== 'staging' && r.status !== 'production' && !role) continue;
    const source = parseSource(r.vsource) ?? parseSource(r.msource);
    if (!source) continue;
    users.push({ target: targetOf(source), why: `registry ${r.name}@${r.version} (${r.status}${role}) uses ${describeSource(source)}` });
  }
  users.push(...jobUsers(jobs, rows, dataDir));
  const present = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name));
  const tables = ['registry_versions', 'jobs'];
  const missing: string[] = [];
  for (const [table, what] of Object.entries(USAGE_TABLES)) {
    if (!present.has(table)) {
      missing.push(table);
      continue;
    }
    tables.push(table);
    users.push(...tableUsers(db, rows, table, what));
  }
  return { users, tables, missing };
}

function realOrSame(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * Fills `usedBy` and `safeToDelete` of each model from the users found. A path user matches a model whose folder
 * holds it, whose folder it holds (a registry source naming a whole store protects everything in it), or one of
 * whose files it is (links resolved).
 */
export function markUsage(models: Array<Pick<InventoryModelDTO, 'tool' | 'name' | 'location' | 'usedBy' | 'safeToDelete'> & { filePaths: Set<string> }>, users: ModelUser[]): void {
  const resolved = users.map((u) => (u.target.kind === 'path' ? { ...u, real: realOrSame(u.target.path) } : { ...u, real: null }));
  for (const m of models) {
    const why = new Set<string>();
    const realLocation = realOrSame(m.location);
    for (const u of resolved) {
      const t = u.target;
      let hit = false;
      if (t.kind === 'hub') hit = m.tool === 'huggingface' && m.name === t.repo;
      else if (t.kind === 'ollama') hit = m.tool === 'ollama' && ollamaKey(m.name) === ollamaKey(t.tag);
      else {
        const p = u.real ?? t.path;
        hit =
          isSameOrInside(t.path, m.location) ||
          isSameOrInside(p, realLocation) ||
          isSameOrInside(m.location, t.path) ||
          isSameOrInside(realLocation, p) ||
          m.filePaths.has(p);
      }
      if (hit) why.add(u.why);
    }
    m.usedBy = [...why];
    m.safeToDelete = why.size === 0;
  }
}
