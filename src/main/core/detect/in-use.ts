import path from 'node:path';
import type { DetectSource } from '../../../shared/contract';
import type { CoreServices } from '../core-services';
import { DOWNLOAD_JOB } from '../hub/download-job';
import type { StoredJob } from '../jobs/job-store';
import { ollamaKey } from '../ollama/ollama-client';
import { isSameOrInside } from './registry-links';

/** Jobs that still hold on to what they work on: running, waiting to run, or waiting to be resumed. */
export const ACTIVE_JOB_STATES = ['queued', 'running', 'paused', 'interrupted'] as const;

export function activeJobs(core: Pick<CoreServices, 'jobStore'>): StoredJob[] {
  return core.jobStore.list({ states: [...ACTIVE_JOB_STATES], limit: 1000 });
}

/** Every string in a job's parameters, however deeply nested (paths hide in lists and objects). */
function strings(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 6) return out;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out, depth + 1);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) strings(v, out, depth + 1);
  return out;
}

/** `https://…/vosk-model-small-ru-0.22.zip` → `vosk-model-small-ru-0.22`. */
function voskNameOfUrl(url: unknown): string | null {
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

/** Active jobs that use a detected model: its download or pull, or any job naming its folder or registry model. */
export function jobsUsing(jobs: StoredJob[], t: UseTarget): StoredJob[] {
  const names = new Set(t.registryNames.map((n) => n.toLowerCase()));
  return jobs.filter((j) => {
    const p = j.params;
    if (t.source === 'huggingface' && j.kind === DOWNLOAD_JOB && p.repo === t.name) return true;
    if (t.source === 'ollama' && j.kind === 'ollama.pull' && typeof p.name === 'string' && ollamaKey(p.name) === ollamaKey(t.name)) return true;
    if (t.source === 'vosk' && j.kind === 'vosk.install' && voskNameOfUrl(p.url) === t.name) return true;
    if (typeof p.model === 'string' && names.has(p.model.trim().toLowerCase())) return true;
    return path.isAbsolute(t.location) && strings(p).some((s) => path.isAbsolute(s) && isSameOrInside(s, t.location));
  });
}

export function describeJob(j: StoredJob): string {
  return `job ${j.id} (${j.kind}, ${j.state})`;
}
