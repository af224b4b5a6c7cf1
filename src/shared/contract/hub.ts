import { z } from 'zod';
import { mutation, query } from './define';
import { JobSchema, JobStateSchema } from './jobs';

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
  /** Every file of the snapshot is on disk at its size, and its last verification (if any) did not fail. */
  present: z.boolean(),
  /** Files missing or of the wrong size. */
  missingFiles: z.array(z.string()),
  /** The newest download Model Center recorded (null for a model another tool put in the cache). */
  downloaded: DownloadedModelSchema.nullable(),
  /** A download job for this model that is queued, running, paused or interrupted. */
  activeJob: JobSchema.nullable(),
  cacheDir: z.string(),
  /** Who put the snapshot there: a Model Center download, or another tool (huggingface_hub) found in the cache; null: none there. */
  source: z.enum(['model-center', 'hf-cache']).nullable(),
  revision: z.string().nullable(),
  commit: z.string().nullable(),
  /** The snapshot folder (`models--org--name/snapshots/<commit>`). */
  snapshotPath: z.string().nullable(),
  files: z.array(DownloadedFileSchema),
  sizeBytes: z.number().int().min(0),
  sizeMB: z.number().min(0),
  /** When every file last matched its checksum (a download checks them all); null: never. */
  lastVerifiedAt: z.string().nullable(),
  /** The last check's outcome; null: never checked. */
  lastVerifyOk: z.boolean().nullable(),
  /** When the last verification failed, and the files it found damaged; null and [] unless it failed. */
  verifyFailedAt: z.string().nullable(),
  verifyProblems: z.array(z.string()),
  /** The active download's job, progress (%) and message. */
  downloading: z.object({ jobId: z.number().int(), state: JobStateSchema, progress: z.number(), message: z.string().nullable() }).nullable(),
  /** The newest failed download of this model, when it is newer than the last one that succeeded. */
  lastError: z.object({ jobId: z.number().int(), code: z.string(), message: z.string(), at: z.string() }).nullable(),
  /** Model Center's download that stopped before it recorded the model: the snapshot holds only its partial files. */
  unfinishedDownload: z.object({ jobId: z.number().int(), state: JobStateSchema }).nullable(),
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
  'hub.status': query(
    'Whether a model is in the HF cache (downloaded by Model Center or another tool), which revision, its files and size, its last verification, an active download and the last download error',
    z.object({ repo: RepoIdSchema }),
    ModelStatusSchema,
  ),
  'hub.verify': mutation(
    'Re-hash every file of a model in the HF cache against the checksum its blob is named by; the outcome is kept, and a failure makes the model unusable until it is repaired',
    ModelRef,
    VerifyResultSchema,
  ),
  'hub.delete': mutation(
    'Delete one revision of a model in the HF cache, or the whole model; refused while any job uses it (a download, an import, a migration, a benchmark, an export…)',
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
