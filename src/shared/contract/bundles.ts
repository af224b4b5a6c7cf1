import { z } from 'zod';
import { mutation, query } from './define';
import { JobSchema } from './jobs';
import { MetricsSchema, ModelSchema, VersionStatusSchema } from './registry';
import { VariantSchema } from './hub';
import { ValidationReportSchema } from './inference';

/**
 * Bundles: models moved between machines with no network (one tar or tar.gz file), and the S3-compatible model
 * store (seed 001's MinIO bucket). Both carry the same manifest: the Hugging Face cache files of each model at
 * one commit, with their sha256, plus the registry entries (versions, statuses, metrics) that describe them.
 */

export const BUNDLE_FORMAT = 'model-center-bundle';
/** Bumped when a reader of an older version could not import the bundle correctly; older readers refuse newer ones. */
export const BUNDLE_FORMAT_VERSION = 1;
/** The manifest's name: the first entry of a bundle, and `<prefix>/<repo folder>/manifests/<commit>.json` in a store. */
export const BUNDLE_MANIFEST_NAME = 'model-center-bundle.json';

export const COMPRESSIONS = ['gzip', 'none', 'zstd'] as const;
export const CompressionSchema = z.enum(COMPRESSIONS);
export type Compression = z.infer<typeof CompressionSchema>;
/** The file name ending each compression gets by default (a reader goes by the file's first bytes, not its name). */
export const BUNDLE_EXTENSIONS: Record<Compression, string> = { gzip: '.tar.gz', zstd: '.tar.zst', none: '.tar' };

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in hex');
const CommitSha = z.string().regex(/^[0-9a-f]{40}$/, 'must be a 40-character commit sha');

export const BundleFileSchema = z.object({
  /** Repo-relative path in the snapshot, e.g. `onnx/model.onnx`. */
  path: z.string().min(1).max(1000),
  /** The blob's name in the cache (the Hub's etag: sha256 for LFS files, the git blob id for the others). */
  blob: z.string().regex(/^[0-9a-f]{40}$|^[0-9a-f]{64}$/, 'must be a git blob id or a sha256'),
  size: z.number().int().min(0),
  sha256: Sha256,
});
export type BundleFile = z.infer<typeof BundleFileSchema>;

export const BundleModelSchema = z.looseObject({
  repo: z.string().min(3).max(200),
  /** What was asked for when exporting (branch, tag or sha). */
  revision: z.string().min(1).max(200),
  commit: CommitSha,
  /** Branches and tags that pointed at the commit in the exporting cache; recreated as `refs/<name>`. */
  refs: z.array(z.string().min(1).max(200)),
  variant: VariantSchema.nullable(),
  files: z.array(BundleFileSchema).min(1),
  sizeBytes: z.number().int().min(0),
  /** The last time Model Center re-hashed this download against the Hub's checksums (`verify`), if ever. */
  hubVerifiedAt: z.string().nullable(),
  /** Every file was hashed when the bundle was made (the sha256 listed here are those). */
  exportVerifiedAt: z.string(),
});
export type BundleModel = z.infer<typeof BundleModelSchema>;

export const BundleVersionSchema = z.looseObject({
  version: z.string().min(1),
  description: z.string().nullable(),
  status: VersionStatusSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  statusHistory: z.array(z.object({ from: VersionStatusSchema.nullable(), to: VersionStatusSchema, reason: z.string().nullable(), at: z.string() })),
  /** Metrics history, oldest first; validation and benchmark results recorded as metrics travel here too. */
  metrics: z.array(z.object({ recordedAt: z.string(), source: z.string().nullable(), metrics: MetricsSchema })),
});
export type BundleVersion = z.infer<typeof BundleVersionSchema>;

/** A registry model as the registry describes it (less its local timestamps), with every version. */
export const BundleRegistryModelSchema = ModelSchema.omit({ createdAt: true, updatedAt: true }).extend({ versions: z.array(BundleVersionSchema) }).loose();
export type BundleRegistryModel = z.infer<typeof BundleRegistryModelSchema>;

export const BundleManifestSchema = z.looseObject({
  format: z.literal(BUNDLE_FORMAT),
  formatVersion: z.number().int().min(1),
  app: z.object({ name: z.string(), version: z.string() }),
  createdAt: z.string(),
  models: z.array(BundleModelSchema).min(1),
  registry: z.array(BundleRegistryModelSchema),
  /** The latest `validate` result of each bundled model and registry version (health badges on the other side). */
  validations: z.array(ValidationReportSchema).default([]),
  totals: z.object({ files: z.number().int().min(0), bytes: z.number().int().min(0) }),
});
export type BundleManifest = z.infer<typeof BundleManifestSchema>;

/** `org/name`, `org/name@revision`, or a registry model name (its Hub source is exported). */
export const BundleModelRefSchema = z.string().trim().min(1).max(300);

export const BundleExportInputSchema = z.object({
  models: z.array(BundleModelRefSchema).min(1, 'name at least one model').max(100),
  /** Where to write the bundle (on the machine running Model Center); default: `<data dir>/exports/<name>`. */
  out: z.string().trim().min(1).max(4096).optional(),
  /** `auto`: from the file name (`.tar.gz`/`.tgz` gzip, `.tar` none, `.tar.zst` zstd), else gzip. */
  compression: z.enum(['auto', ...COMPRESSIONS]).default('auto'),
  overwrite: z.boolean().default(false),
});
export type BundleExportInput = z.infer<typeof BundleExportInputSchema>;

export const BundleInspectSchema = z.object({
  file: z.string(),
  sizeBytes: z.number().int().min(0),
  compression: CompressionSchema,
  manifest: BundleManifestSchema,
});
export type BundleInspectDTO = z.infer<typeof BundleInspectSchema>;

export const ImportedModelSchema = z.object({
  repo: z.string(),
  commit: z.string(),
  files: z.number().int(),
  /** Blobs written into the cache by this import. */
  blobsAdded: z.number().int(),
  /** Blobs the cache already had, identical (same sha256): linked, not copied again. */
  blobsReused: z.number().int(),
  bytesAdded: z.number().int(),
  snapshotPath: z.string(),
});

export const RegistryMergeSchema = z.object({
  modelsCreated: z.array(z.string()),
  modelsUpdated: z.array(z.string()),
  versionsAdded: z.array(z.string()),
  metricsAdded: z.number().int(),
  /** Validation results added (ones already there, same model and time, are not repeated). */
  validationsAdded: z.number().int().default(0),
  /** What was left as it was locally, and why (an existing version's status, a taken alias, another source…). */
  kept: z.array(z.string()),
});
export type RegistryMergeDTO = z.infer<typeof RegistryMergeSchema>;

/** What an import (a bundle file, or a pull from the store) put in place: reported in the finished job's `detail.report`. */
export const BundleImportReportSchema = z.object({ models: z.array(ImportedModelSchema), registry: RegistryMergeSchema });
export type BundleImportReport = z.infer<typeof BundleImportReportSchema>;

export const ExportFileSchema = z.object({ name: z.string(), path: z.string(), sizeBytes: z.number().int(), modifiedAt: z.string() });
export type ExportFileDTO = z.infer<typeof ExportFileSchema>;

export const StoreConfigInputSchema = z.object({
  /** S3 API endpoint, e.g. http://minio:9000; '' means AWS S3 itself. */
  endpoint: z.union([z.literal(''), z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://minio:9000' })]).optional(),
  bucket: z.union([z.literal(''), z.string().trim().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3–63 lowercase letters, digits, "." or "-")')]).optional(),
  region: z.string().trim().min(1).max(64).optional(),
  /** Key prefix inside the bucket ('' = the bucket's root). */
  prefix: z
    .string()
    .trim()
    .max(500)
    .regex(/^[A-Za-z0-9._/-]*$/, 'must use letters, digits, ".", "_", "-" and "/"')
    .refine((s) => !s.split('/').includes('..'), 'must not contain ".."')
    .optional(),
  /** MinIO and most S3-compatible servers need path-style URLs (http://host/bucket/key). */
  forcePathStyle: z.boolean().optional(),
  accessKeyId: z.string().trim().min(1).max(256).optional(),
  secretAccessKey: z.string().trim().min(1).max(256).optional(),
  clearKeys: z.boolean().optional(),
});

export const StoreConfigSchema = z.object({
  endpoint: z.string(),
  bucket: z.string(),
  region: z.string(),
  prefix: z.string(),
  forcePathStyle: z.boolean(),
  /** Bucket and keys are set: publish and pull can run. */
  configured: z.boolean(),
  /** Never the keys themselves. */
  keys: z.object({ present: z.boolean(), source: z.enum(['env', 'stored']).nullable() }),
  sources: z.record(z.string(), z.enum(['default', 'stored', 'env'])),
});
export type StoreConfigDTO = z.infer<typeof StoreConfigSchema>;

export const StoreEntrySchema = z.object({
  repo: z.string(),
  commit: z.string(),
  refs: z.array(z.string()),
  files: z.number().int(),
  sizeBytes: z.number().int(),
  createdAt: z.string(),
  registry: z.array(z.string()),
});
export type StoreEntryDTO = z.infer<typeof StoreEntrySchema>;

const FileRef = z.object({ file: z.string().trim().min(1).max(4096) });
const ExportName = z.object({ name: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/, 'must be the name of a file in the exports folder') });

export const bundlesContract = {
  'bundles.export': mutation('Export models (cache files at a revision + registry entries) to one tar/tar.gz bundle, as a job', BundleExportInputSchema, JobSchema),
  'bundles.import': mutation(
    'Import a bundle with no network: every sha256 is checked before anything is placed or registered (a job)',
    FileRef,
    JobSchema,
  ),
  'bundles.inspect': query("Read a bundle's manifest (its first entry) without importing", FileRef, BundleInspectSchema),
  'bundles.exports': query('Bundles in the exports folder of the data dir (what the window downloads)', z.object({}), z.array(ExportFileSchema)),
  'bundles.deleteExport': mutation('Delete a bundle from the exports folder', ExportName, z.object({ deleted: z.string() })),
  'bundles.downloadTicket': mutation(
    'A short-lived URL that downloads one bundle of the exports folder over HTTP without the bearer header (for a browser link)',
    ExportName,
    z.object({ url: z.string(), expiresAt: z.string() }),
  ),
  'store.get': query('The S3-compatible model store: endpoint, bucket, region, prefix, whether keys are set', z.object({}), StoreConfigSchema),
  'store.configure': mutation('Change the model store settings; keys are kept as secrets, never returned or logged', StoreConfigInputSchema, StoreConfigSchema),
  'store.list': query('Models published in the store (one row per published commit)', z.object({}), z.array(StoreEntrySchema)),
  'store.publish': mutation(
    'Publish models to the store: blobs in the cache layout (multipart for big files), then the manifest, then refs (a job)',
    z.object({ models: z.array(BundleModelRefSchema).min(1).max(100) }),
    JobSchema,
  ),
  'store.pull': mutation(
    'Pull a model from the store into the cache: resumable, every sha256 checked, registry entries merged (a job)',
    z.object({ repo: z.string().trim().min(3).max(200), revision: z.string().trim().min(1).max(200).default('main') }),
    JobSchema,
  ),
};
