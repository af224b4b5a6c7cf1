import path from 'node:path';
import { ModelSourceSchema, type DetectSource } from '../../../shared/contract';
import type { CoreServices } from '../core-services';
import type { Db } from '../db/open-database';
import { DOWNLOAD_JOB } from '../hub/download-job';
import { isPathRef } from '../inference/model-resolver';
import type { StoredJob } from '../jobs/job-store';
import { ollamaKey } from '../ollama/ollama-client';
import { findModel } from '../registry/model-store';
import { findVersion } from '../registry/version-store';
import { isSameOrInside } from './registry-links';

/** Jobs that still hold on to what they work on: running, waiting to run, or waiting to be resumed. */
export const ACTIVE_JOB_STATES = ['queued', 'running', 'paused', 'interrupted'] as const;

export function activeJobs(core: Pick<CoreServices, 'jobStore'>): StoredJob[] {
  return core.jobStore.list({ states: [...ACTIVE_JOB_STATES], limit: 1000 });
}

/** Every string in a job's parameters, however deeply nested (paths hide in lists and objects). */
export function strings(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 6) return out;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out, depth + 1);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) strings(v, out, depth + 1);
  return out;
}

/** `https://…/vosk-model-small-ru-0.22.zip` → `vosk-model-small-ru-0.22`. */
export function voskNameOfUrl(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  try {
    return decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '').replace(/\.zip$/i, '') || null;
  } catch {
    return null;
  }
}

export interface UseTarget {
  source: DetectSource;
  name: string;
  /** A folder (Vosk, legacy, HF repo) or an Ollama manifest; jobs naming a path at or inside it use it. */
  location: string;
  /** Registry models whose source this is: a job with `params.model` naming one of them uses it too. */
  registryNames: string[];
}

const tableExists = (db: Db, name: string): boolean => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;

/**
 * The models a job works with, as references (`name@version`, `org/name[@rev]`, `hf:…`): its `repo`, `model` and
 * `models`, and for a collection job the model the collection is bound to and, for a migration, the one it moves
 * to (their parameters name the collection or migration, not the model).
 */
export function modelRefsOf(db: Db, job: StoredJob): string[] {
  const p = job.params;
  const refs = [p.repo, p.model, ...(Array.isArray(p.models) ? p.models : [])].filter((r): r is string => typeof r === 'string' && r.trim() !== '');
  if (typeof p.collection === 'string' && tableExists(db, 'collections')) {
    const c = db.prepare('SELECT model, version FROM collections WHERE name = ?').get(p.collection) as { model: string; version: string } | undefined;
    if (c) refs.push(`${c.model}@${c.version}`);
  }
  if (typeof p.migrationId === 'number' && tableExists(db, 'collection_migrations')) {
    const m = db.prepare('SELECT from_model, from_version, to_model, to_version FROM collection_migrations WHERE id = ?').get(p.migrationId) as
      | { from_model: string; from_version: string; to_model: string; to_version: string }
      | undefined;
    if (m) refs.push(`${m.from_model}@${m.from_version}`, `${m.to_model}@${m.to_version}`);
  }
  return refs.map((r) => r.trim());
}

/** `x@rev` → `x`; a repo id or registry name never contains `@`. */
const refName = (ref: string): string => (ref.lastIndexOf('@') > 0 ? ref.slice(0, ref.lastIndexOf('@')) : ref);

/** The Hub repo a reference runs from: `hf:org/name`, `org/name`, or a registry model (at its version) whose source is a Hub repo. */
export function hubRepoOfRef(db: Db, ref: string): string | null {
  if (isPathRef(ref)) return null;
  const name = refName(ref).replace(/^hf:/, '');
  if (name.includes('/')) return name;
  const model = findModel(db, name);
  if (!model) return null;
  const version = ref.length > name.length ? ref.slice(name.length + 1) : model.current_version;
  let raw = model.source;
  try {
    raw = (version ? findVersion(db, model, version)?.source : null) ?? model.source;
  } catch {
    // Not a version string: the model's own source stands.
  }
  try {
    const source = ModelSourceSchema.parse(JSON.parse(raw ?? 'null'));
    return source.kind === 'hub' ? source.repoId : null;
  } catch {
    return null;
  }
}

/**
 * Active jobs that use a detected model: its download or pull, a job naming it (directly, through a registry model
 * whose source it is, or through the collection or migration it embeds for), or any job naming its folder.
 */
export function jobsUsing(db: Db, jobs: StoredJob[], t: UseTarget): StoredJob[] {
  const names = new Set(t.registryNames.map((n) => n.toLowerCase()));
  return jobs.filter((j) => {
    const p = j.params;
    if (t.source === 'huggingface' && j.kind === DOWNLOAD_JOB && p.repo === t.name) return true;
    if (t.source === 'ollama' && j.kind === 'ollama.pull' && typeof p.name === 'string' && ollamaKey(p.name) === ollamaKey(t.name)) return true;
    if (t.source === 'vosk' && j.kind === 'vosk.install' && voskNameOfUrl(p.url) === t.name) return true;
    for (const ref of modelRefsOf(db, j)) {
      if (names.has(refName(ref).toLowerCase())) return true;
      if (t.source === 'huggingface' && hubRepoOfRef(db, ref) === t.name) return true;
    }
    return path.isAbsolute(t.location) && strings(p).some((s) => path.isAbsolute(s) && isSameOrInside(s, t.location));
  });
}

export function describeJob(j: StoredJob): string {
  return `job ${j.id} (${j.kind}, ${j.state})`;
}
