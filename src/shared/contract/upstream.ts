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

export const UpstreamModelSchema = z.object({
  repo: z.string(),
  /** The branch or tag followed (the one downloaded, `main` when a commit was pinned). */
  branch: z.string(),
  pinnedCommit: z.string(),
  headCommit: z.string().nullable(),
  status: z.enum(UPSTREAM_STATUSES),
  changes: UpstreamChangesSchema,
  /** Whether a changed, added or removed file is one this machine downloaded (or would download). */
  affectsDownloaded: z.boolean(),
  /** Registry models whose files come from this repo. */
  registryModels: z.array(z.string()),
  message: z.string(),
  checkedAt: z.string(),
});
export type UpstreamModelDTO = z.infer<typeof UpstreamModelSchema>;

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

const ModelOrRepo = z.string().trim().min(1, 'must name a downloaded repo (org/name) or a registry model');

export const upstreamContract = {
  'upstream.check': mutation(
    'Compare downloaded models with their upstream branch on the Hub, without downloading files (HF_HUB_OFFLINE refuses)',
    z.object({ models: z.array(ModelOrRepo).max(200).optional() }),
    UpstreamReportSchema,
  ),
  'upstream.last': query('The last upstream check of each model (what the badges show)', z.object({}), UpstreamReportSchema),
  'upstream.update': mutation(
    'Download only the changed files of a model as a new revision and register it as a new development version',
    z.object({ model: ModelOrRepo }),
    UpstreamUpdateSchema,
  ),
  'upstream.finishUpdate': mutation(
    'Register the new version once an update download is done (runs by itself when the job ends; idempotent)',
    z.object({ jobId: z.number().int().positive() }),
    RegisteredUpdateSchema,
  ),
};
