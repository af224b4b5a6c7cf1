import { z } from 'zod';
import { mutation, query } from './define';
import { JobSchema } from './jobs';

export const UPSTREAM_STATUSES = ['up-to-date', 'outdated', 'gone', 'gated', 'revision-gone', 'unreachable'] as const;

const FileRef = z.object({ path: z.string(), size: z.number().int(), hash: z.string() });
export const UpstreamChangesSchema = z.object({
  added: z.array(FileRef),
  removed: z.array(FileRef),
  changed: z.array(z.object({ path: z.string(), oldSize: z.number().int(), newSize: z.number().int(), oldHash: z.string(), newHash: z.string() })),
});

export const UPSTREAM_SOURCES = ['hf', 'ollama'] as const;

export const UpstreamModelSchema = z.object({
  /** Where the model came from: a Hugging Face repo branch, or an Ollama tag (reports saved before Ollama: hf). */
  source: z.enum(UPSTREAM_SOURCES).default('hf'),
  /** The Hub repo (org/name), or the Ollama model as `ollama list` names it (`gemma2:2b`, `host/ns/model:tag`). */
  repo: z.string(),
  /** The branch or tag followed (the one downloaded, `main` when a commit was pinned; the Ollama tag). */
  branch: z.string(),
  /** The commit sha here; for Ollama the local manifest's digest (`sha256:…`, the ID `ollama list` shows). */
  pinnedCommit: z.string(),
  /** Upstream's commit, or the registry's manifest digest for the tag; null when it could not be asked. */
  headCommit: z.string().nullable(),
  status: z.enum(UPSTREAM_STATUSES),
  /** Files by path; for Ollama, manifest layers by media type (`application/vnd.ollama.image.model`…) with digests. */
  changes: UpstreamChangesSchema,
  /** Whether a changed, added or removed file is one this machine downloaded (or would download). */
  affectsDownloaded: z.boolean(),
  /** Registry models whose files come from this repo. */
  registryModels: z.array(z.string()),
  message: z.string(),
  checkedAt: z.string(),
});
export type UpstreamModelDTO = z.infer<typeof UpstreamModelSchema>;

/** How a person names the model to `update`: the repo, or `ollama:<name>`. */
export function upstreamRef(m: Pick<UpstreamModelDTO, 'source' | 'repo'>): string {
  return m.source === 'ollama' ? `ollama:${m.repo}` : m.repo;
}

/** A commit as git abbreviates it (10), a manifest digest as `ollama list` shows its ID (12 hex digits). */
export function shortRevision(m: Pick<UpstreamModelDTO, 'source'>, rev: string): string {
  return m.source === 'ollama' ? rev.replace(/^sha256:/, '').slice(0, 12) : rev.slice(0, 10);
}

export const UpstreamReportSchema = z.object({ checkedAt: z.string().nullable(), models: z.array(UpstreamModelSchema) });
export type UpstreamReportDTO = z.infer<typeof UpstreamReportSchema>;

export const UpstreamUpdateSchema = z.object({
  repo: z.string(),
  started: z.boolean(),
  job: JobSchema.nullable(),
  check: UpstreamModelSchema,
  message: z.string(),
});

export const RegisteredUpdateSchema = z.object({
  jobId: z.number().int(),
  repo: z.string(),
  commit: z.string(),
  /** `model@version` registered in development for each registry model of the repo. */
  registered: z.array(z.string()),
  state: z.enum(['pending', 'registered', 'failed']),
  message: z.string(),
});

const ModelOrRepo = z.string().trim().min(1, 'must name a downloaded repo (org/name), an Ollama model (ollama:name:tag) or a registry model');

export const upstreamContract = {
  'upstream.check': mutation(
    'Compare downloaded models with their upstream branch on the Hub, and Ollama models with their tag on the registry, without downloading files (HF_HUB_OFFLINE refuses)',
    z.object({ models: z.array(ModelOrRepo).max(200).optional() }),
    UpstreamReportSchema,
  ),
  'upstream.last': query('The last upstream check of each model (what the badges show)', z.object({}), UpstreamReportSchema),
  'upstream.update': mutation(
    'Download only the changed files of a model as a new revision and register it as a new development version (Ollama: pull the tag; Ollama fetches only changed layers)',
    z.object({ model: ModelOrRepo }),
    UpstreamUpdateSchema,
  ),
  'upstream.finishUpdate': mutation(
    'Register the new version once an update download is done (runs by itself when the job ends; idempotent)',
    z.object({ jobId: z.number().int().positive() }),
    RegisteredUpdateSchema,
  ),
};
