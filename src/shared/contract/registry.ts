import { z } from 'zod';
import { mutation, query } from './define';

/** Kinds of models the registry knows (seed 003 had embedding/llm/reranker; seed 004 adds speech-to-text). */
export const MODEL_TYPES = ['embedding', 'llm', 'reranker', 'stt'] as const;
export const MODEL_PROVIDERS = ['huggingface', 'ollama', 'vosk', 'local'] as const;
/** Lifecycle of a version, in its natural order (see core/registry/lifecycle.ts for the allowed moves). */
export const VERSION_STATUSES = ['development', 'staging', 'production', 'deprecated', 'archived'] as const;
export const POOLINGS = ['mean', 'cls', 'max', 'lasttoken', 'none'] as const;
/** `metadata`: only the chunks' version stamp changes; `reembed`: vectors must be recomputed (a collections job). */
export const MIGRATION_KINDS = ['metadata', 'reembed'] as const;

export const ModelTypeSchema = z.enum(MODEL_TYPES);
export const ModelProviderSchema = z.enum(MODEL_PROVIDERS);
export const VersionStatusSchema = z.enum(VERSION_STATUSES);
export type ModelType = z.infer<typeof ModelTypeSchema>;
export type ModelProvider = z.infer<typeof ModelProviderSchema>;
export type VersionStatus = z.infer<typeof VersionStatusSchema>;

/** Model names are slugs so they work unquoted in CLI arguments, URLs and file names. */
export const MODEL_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,127}$/;
export const ModelNameSchema = z
  .string()
  .trim()
  .regex(MODEL_NAME_RE, 'must be a slug: lowercase letters, digits, ".", "_" or "-", starting with a letter or digit (at most 128)');

/** A model name or one of its aliases: lookups accept both. */
export const ModelRefSchema = z.string().trim().min(1, 'must name a model (name or alias)');
/** Raw version text; the core normalises it (`v1.2` → `1.2.0`) and refuses garbage with a clear message. */
export const VersionTextSchema = z.string().trim().min(1, 'must be a version such as 1.0.0');

export const ModelSourceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('hub'),
    repoId: z.string().trim().regex(/^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/, 'must be a Hub repo id such as owner/name'),
    /** Commit sha (pinned) or a branch/tag name; null means the default branch, i.e. not pinned. */
    revision: z.string().trim().min(1).nullable(),
  }),
  z.object({ kind: z.literal('path'), path: z.string().trim().min(1, 'must be a folder or file path') }),
  z.object({ kind: z.literal('ollama'), tag: z.string().trim().regex(/^[\w./-]+(:[\w.-]+)?$/, 'must be an Ollama tag such as llama3:8b') }),
]);
export type ModelSource = z.infer<typeof ModelSourceSchema>;

export const ModelInputSchema = z.object({
  name: ModelNameSchema,
  type: ModelTypeSchema,
  provider: ModelProviderSchema,
  source: ModelSourceSchema.nullable().default(null),
  aliases: z.array(ModelNameSchema).max(32).default([]),
  dimension: z.number().int().positive().nullable().default(null),
  maxSeqLength: z.number().int().positive().nullable().default(null),
  pooling: z.enum(POOLINGS).nullable().default(null),
  sizeBytes: z.number().int().nonnegative().nullable().default(null),
  license: z.string().trim().max(200).nullable().default(null),
  notes: z.string().max(10_000).nullable().default(null),
});
export type ModelInput = z.input<typeof ModelInputSchema>;

export const ModelSchema = z.object({
  name: z.string(),
  type: ModelTypeSchema,
  provider: ModelProviderSchema,
  source: ModelSourceSchema.nullable(),
  aliases: z.array(z.string()),
  dimension: z.number().int().nullable(),
  maxSeqLength: z.number().int().nullable(),
  pooling: z.enum(POOLINGS).nullable(),
  sizeBytes: z.number().int().nullable(),
  license: z.string().nullable(),
  notes: z.string().nullable(),
  currentVersion: z.string().nullable(),
  /** The version that was current before the last switch: what `rollback` returns to. */
  previousVersion: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ModelDTO = z.infer<typeof ModelSchema>;

export const MetricsSchema = z.record(z.string().trim().min(1).max(100), z.number().finite());
export const MetricsRowSchema = z.object({
  id: z.number().int(),
  recordedAt: z.string(),
  source: z.string().nullable(),
  metrics: MetricsSchema,
});
export type MetricsRow = z.infer<typeof MetricsRowSchema>;

export const VersionSchema = z.object({
  model: z.string(),
  version: z.string(),
  description: z.string().nullable(),
  status: VersionStatusSchema,
  /** Files of this version when they differ from the model's source (null: the model's source). */
  source: ModelSourceSchema.nullable(),
  isCurrent: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  latestMetrics: MetricsRowSchema.nullable(),
});
export type VersionDTO = z.infer<typeof VersionSchema>;

export const ModelSummarySchema = ModelSchema.extend({
  currentStatus: VersionStatusSchema.nullable(),
  versionCount: z.number().int(),
});
export type ModelSummaryDTO = z.infer<typeof ModelSummarySchema>;

export const ModelDetailSchema = ModelSchema.extend({ versions: z.array(VersionSchema) });
export type ModelDetailDTO = z.infer<typeof ModelDetailSchema>;

export const TransitionTableSchema = z.record(VersionStatusSchema, z.array(VersionStatusSchema));

export const ImportReportSchema = z.object({
  imported: z.array(z.string()),
  /** Entries already registered exactly as given: nothing to do. */
  unchanged: z.array(z.string()),
  refused: z.array(z.object({ entry: z.string(), reason: z.string() })),
  /** True when nothing was written because `strict` was set and something was refused. */
  rolledBack: z.boolean(),
  messages: z.array(z.string()),
});
export type ImportReport = z.infer<typeof ImportReportSchema>;

export const StrategySchema = z.object({
  id: z.number().int(),
  model: z.string(),
  fromVersion: z.string(),
  toVersion: z.string(),
  kind: z.enum(MIGRATION_KINDS),
  description: z.string().nullable(),
  createdAt: z.string(),
});
export type StrategyDTO = z.infer<typeof StrategySchema>;

export const MigrationReportSchema = z.object({
  model: z.string(),
  fromVersion: z.string(),
  toVersion: z.string(),
  dryRun: z.boolean(),
  path: z.array(StrategySchema),
  /** Chunks whose metadata is stamped with `fromVersion` of this model (and collection, when given). */
  affected: z.number().int(),
  migrated: z.number().int(),
  requiresReembed: z.boolean(),
  messages: z.array(z.string()),
});
export type MigrationReportDTO = z.infer<typeof MigrationReportSchema>;

const ModelRef = z.object({ model: ModelRefSchema });
const VersionRef = z.object({ model: ModelRefSchema, version: VersionTextSchema });
/** Compare-and-set: the current version the caller saw (null = none). A mismatch is refused, not overwritten. */
const ExpectedCurrent = VersionTextSchema.nullable().optional();

export const MlflowExportSchema = z.object({
  trackingUri: z.string(),
  experimentId: z.string(),
  runId: z.string(),
  metricsLogged: z.number().int(),
  paramsLogged: z.number().int(),
  runUrl: z.string(),
});
export type MlflowExportDTO = z.infer<typeof MlflowExportSchema>;

/** Automatic MLflow logging as this process last saw it: off (no URI), connected, or unreachable with the reason. */
export const MlflowStatusSchema = z.object({
  configured: z.boolean(),
  /** Without any user:password part. */
  uri: z.string().nullable(),
  /** null until something has been sent to this URI. */
  reachable: z.boolean().nullable(),
  lastError: z.string().nullable(),
  lastSyncAt: z.string().nullable(),
});
export type MlflowStatusDTO = z.infer<typeof MlflowStatusSchema>;

export const registryContract = {
  'registry.listModels': query(
    'Registered models with their current version and its status',
    z.object({ type: ModelTypeSchema.optional(), provider: ModelProviderSchema.optional() }),
    z.array(ModelSummarySchema),
  ),
  'registry.getModel': query('One model (by name or alias) with all its versions', ModelRef, ModelDetailSchema),
  'registry.upsertModel': mutation('Create a model or update its description (name is the key)', ModelInputSchema, ModelDetailSchema),
  'registry.deleteModel': mutation('Forget a model, its versions, metrics and strategies', ModelRef, z.object({ deleted: z.string() })),
  'registry.registerVersion': mutation(
    'Register a version (semver; `1.2` and `v1.2.0` are normalised and say so)',
    z.object({
      model: ModelRefSchema,
      version: VersionTextSchema,
      description: z.string().max(10_000).nullable().default(null),
      status: VersionStatusSchema.default('development'),
      /** This version's own files (another repo, revision or folder); omitted: the model's source. */
      source: ModelSourceSchema.nullable().default(null),
      metrics: MetricsSchema.optional(),
    }),
    z.object({ version: VersionSchema, messages: z.array(z.string()) }),
  ),
  'registry.versions': query('Versions of a model, newest semver first', ModelRef, z.array(VersionSchema)),
  'registry.setStatus': mutation(
    'Move a version along its lifecycle; illegal moves are refused with the allowed ones',
    VersionRef.extend({ status: VersionStatusSchema }),
    VersionSchema,
  ),
  'registry.setCurrent': mutation(
    'Make a version the current one, atomically; pass expectedCurrent to refuse if someone switched meanwhile',
    VersionRef.extend({ expectedCurrent: ExpectedCurrent }),
    ModelDetailSchema,
  ),
  'registry.rollback': mutation(
    'Return to the previously current version in one step',
    ModelRef.extend({ expectedCurrent: ExpectedCurrent }),
    z.object({ model: ModelDetailSchema, from: z.string(), to: z.string(), messages: z.array(z.string()) }),
  ),
  'registry.recordMetrics': mutation(
    'Append a time-stamped row of performance metrics to a version (history is never overwritten)',
    VersionRef.extend({ metrics: MetricsSchema, source: z.string().trim().max(200).nullable().default(null) }),
    MetricsRowSchema,
  ),
  'registry.metricsHistory': query('Every metrics row of a version, oldest first', VersionRef, z.array(MetricsRowSchema)),
  'registry.transitions': query('The lifecycle: for each status, the statuses setStatus may move to', z.object({}), TransitionTableSchema),
  'registry.importEnv': mutation(
    'Import models from the seed-001 format EMB_MODELS="alias:model_id:rev:dim:max_seq,…"',
    z.object({ text: z.string().max(1_000_000), strict: z.boolean().default(false) }),
    ImportReportSchema,
  ),
  'registry.importJson': mutation(
    'Import a seed-003 model_registry.json (given as its text)',
    z.object({ text: z.string().max(20_000_000), strict: z.boolean().default(false) }),
    ImportReportSchema,
  ),
  'registry.addMigrationStrategy': mutation(
    'Declare how chunks move from one version to another',
    z.object({
      model: ModelRefSchema,
      fromVersion: VersionTextSchema,
      toVersion: VersionTextSchema,
      kind: z.enum(MIGRATION_KINDS).default('metadata'),
      description: z.string().max(10_000).nullable().default(null),
    }),
    StrategySchema,
  ),
  'registry.migrationStrategies': query('Declared migration strategies of a model', ModelRef, z.array(StrategySchema)),
  'registry.migrationPath': query(
    'Shortest chain of strategies from one version to another (canMigrate false when there is none)',
    z.object({ model: ModelRefSchema, fromVersion: VersionTextSchema, toVersion: VersionTextSchema }),
    z.object({ canMigrate: z.boolean(), path: z.array(StrategySchema) }),
  ),
  'registry.migrateMetadata': mutation(
    "Move chunks' metadata from one version to another along the shortest path (dryRun reports only)",
    z.object({
      model: ModelRefSchema,
      fromVersion: VersionTextSchema,
      toVersion: VersionTextSchema,
      collection: z.string().trim().min(1).optional(),
      dryRun: z.boolean().default(true),
    }),
    MigrationReportSchema,
  ),
  'registry.mlflowExport': mutation(
    'Log a version to an MLflow tracking server as one run: model params, tags, and its whole metrics history',
    VersionRef.extend({
      /** Defaults to MLFLOW_TRACKING_URI. */
      trackingUri: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://localhost:5000' }).optional(),
      /** Defaults to MLFLOW_EXPERIMENT_NAME, else "model-center"; created when missing. */
      experiment: z.string().trim().min(1).max(500).optional(),
    }),
    MlflowExportSchema,
  ),
  'registry.mlflowStatus': query('Whether automatic MLflow logging is off, connected or unreachable (and why)', z.object({}), MlflowStatusSchema),
};
