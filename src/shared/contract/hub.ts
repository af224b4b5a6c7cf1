import { z } from 'zod';
import { mutation, query } from './define';
import { JobSchema } from './jobs';

/** `org/name` as the Hub names models: letters, digits, `-`, `_`, `.`; no `--` or `..`, no leading/trailing `-`/`.`. */
export const REPO_ID_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?\/[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/;

export const RepoIdSchema = z
  .string()
  .trim()
  .regex(REPO_ID_PATTERN, 'must be a Hub repo id like "org/name"')
  .refine((s) => !s.includes('--') && !s.includes('..'), 'must not contain "--" or ".."');

/** A branch, tag or commit sha. */
export const RevisionSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._/-]+$/, 'must be a branch, tag or commit sha')
  .refine((s) => !s.split('/').includes('..'), 'must not contain ".."');

export const VARIANTS = ['fp32', 'fp16', 'int8'] as const;
export const VariantSchema = z.enum(VARIANTS);
export type Variant = z.infer<typeof VariantSchema>;

export const DownloadParamsSchema = z.object({
  repo: RepoIdSchema,
  revision: RevisionSchema.default('main'),
  variant: VariantSchema.default('fp32'),
  /** Extra files by glob (`*` within a folder, `**` across folders), on top of the inference files and the variant. */
  include: z.array(z.string().trim().min(1).max(300)).max(50).default([]),
});
export type DownloadParams = z.infer<typeof DownloadParamsSchema>;

export const DownloadedFileSchema = z.object({ path: z.string(), size: z.number().int().min(0), blob: z.string() });

export const DownloadedModelSchema = z.object({
  repo: z.string(),
  /** What was asked for (branch, tag or sha). */
  revision: z.string(),
  /** The commit the files were pinned to. */
  commit: z.string(),
  variant: VariantSchema,
  files: z.array(DownloadedFileSchema),
  sizeBytes: z.number().int().min(0),
  snapshotPath: z.string(),
  downloadedAt: z.string(),
  verifiedAt: z.string().nullable(),
});
export type DownloadedModelDTO = z.infer<typeof DownloadedModelSchema>;

export const ModelStatusSchema = z.object({
  repo: z.string(),
  /** All files of the newest download are on disk. */
  present: z.boolean(),
  missingFiles: z.array(z.string()),
  downloaded: DownloadedModelSchema.nullable(),
  /** A download job for this model that is queued, running, paused or interrupted. */
  activeJob: JobSchema.nullable(),
  cacheDir: z.string(),
});
export type ModelStatusDTO = z.infer<typeof ModelStatusSchema>;

export const VerifyResultSchema = z.object({
  repo: z.string(),
  commit: z.string(),
  ok: z.boolean(),
  files: z.array(
    z.object({
      path: z.string(),
      ok: z.boolean(),
      algorithm: z.enum(['sha256', 'git-sha1']),
      expected: z.string(),
      actual: z.string().nullable(),
      problem: z.string().nullable(),
    }),
  ),
  verifiedAt: z.string(),
});
export type VerifyResultDTO = z.infer<typeof VerifyResultSchema>;

export const RepoFilesSchema = z.object({
  repo: z.string(),
  /** What was asked for (branch, tag or sha). */
  revision: z.string(),
  /** The commit the revision points to now: a download started next fetches these files. */
  commit: z.string(),
  files: z.array(z.object({ path: z.string(), size: z.number().int().min(0), lfs: z.boolean() })),
  /** Per ONNX variant, what a download of it fetches (without --include); unavailable when the repo has no such model. */
  variants: z.array(z.object({ variant: VariantSchema, files: z.array(z.string()), bytes: z.number().int().min(0), available: z.boolean() })),
  /** The repo has modules.json or sentence_bert_config.json. */
  sentenceTransformers: z.boolean(),
});
export type RepoFilesDTO = z.infer<typeof RepoFilesSchema>;

const ModelRef = z.object({ repo: RepoIdSchema, revision: RevisionSchema.optional() });

export const hubContract = {
  'hub.download': mutation('Start downloading a model from the Hub (a resumable job)', DownloadParamsSchema, JobSchema),
  'hub.status': query('Whether a model is downloaded, which revision, its files and size', z.object({ repo: RepoIdSchema }), ModelStatusSchema),
  'hub.verify': mutation('Re-hash every file of a downloaded model against its Hub checksum', ModelRef, VerifyResultSchema),
  'hub.delete': mutation(
    'Delete one revision of a downloaded model, or the whole model; refused while a download of it is active',
    ModelRef,
    z.object({ repo: z.string(), commits: z.array(z.string()), bytesFreed: z.number().int().min(0), removedModel: z.boolean() }),
  ),
  'hub.listDownloaded': query('Models downloaded into the Hub cache by Model Center', z.object({}), z.array(DownloadedModelSchema)),
  'hub.files': query(
    "A repo's files with sizes at a revision, and what each ONNX variant would download; nothing is downloaded",
    z.object({ repo: RepoIdSchema, revision: RevisionSchema.default('main') }),
    RepoFilesSchema,
  ),
};
