import { z } from 'zod';
import { mutation, query } from './define';
import { VariantSchema } from './hub';

/** Execution providers a session can ask for; `auto` tries the GPU ones this platform has, then CPU. */
export const EXECUTION_PROVIDERS = ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml'] as const;
export const ExecutionProviderSchema = z.enum(EXECUTION_PROVIDERS);
export type ExecutionProviderSetting = z.infer<typeof ExecutionProviderSchema>;

/** Seed 001's profiles: `rt` requests are served before queued `bulk` batches. */
export const LANES = ['rt', 'bulk'] as const;
export const LaneSchema = z.enum(LANES);
export type Lane = z.infer<typeof LaneSchema>;

/** Longer texts are refused: chunk documents first (collections do that); the model reads max_seq_length tokens. */
export const MAX_TEXT_CHARS = 1_000_000;
export const MAX_TEXTS_PER_CALL = 4096;

const TextSchema = z
  .string({ error: 'must be a string' })
  .max(MAX_TEXT_CHARS, `is longer than ${MAX_TEXT_CHARS.toLocaleString('en-US')} characters; split it into chunks first`)
  .refine((t) => t.trim().length > 0, 'is empty or only whitespace; remove it or give some text');

/**
 * How a model is named for inference: a registry name or alias (optionally `name@version`), a Hub repo id in the
 * cache (`hf:org/name[@revision]`, or `org/name`), or a model folder path.
 */
export const InferenceModelRefSchema = z.string().trim().min(1, 'must name a model: registry name or alias, hf:org/name, or a folder path');

export const EmbedInputSchema = z
  .object({
    texts: z
      .array(TextSchema)
      .min(1, 'must contain at least one text')
      .max(MAX_TEXTS_PER_CALL, `must contain at most ${MAX_TEXTS_PER_CALL} texts per call; send more in several calls or use a collection import`),
    /** One model; omitted: the default embedding model from Settings. */
    model: InferenceModelRefSchema.optional(),
    /** Several models at once (seed 001): one vector set per model. */
    models: z.array(InferenceModelRefSchema).min(1).max(8).optional(),
    profile: LaneSchema.default('rt'),
    variant: VariantSchema.optional(),
    /** Look vectors up in (and add them to) the embedding cache. */
    cache: z.boolean().default(true),
    /** Leave vectors out of the answer (timing and shape only): for quick checks of big batches. */
    includeVectors: z.boolean().default(true),
  })
  .refine((v) => !(v.model && v.models), { message: 'give either model or models, not both', path: ['models'] });

export const EmbedResultSchema = z.object({
  /** The reference as given. */
  model: z.string(),
  /** What it resolved to: registry model and version when it came from the registry. */
  registryModel: z.string().nullable(),
  version: z.string().nullable(),
  /** Stable identity of the exact files (cache and session key). */
  modelKey: z.string(),
  variant: z.string(),
  dimension: z.number().int(),
  vectors: z.array(z.array(z.number())),
  /** Token count of each text after truncation (special tokens included). */
  tokens: z.array(z.number().int()),
  /** Indices of texts cut to the model's max_seq_length. */
  truncated: z.array(z.number().int()),
  maxSeqLength: z.number().int(),
  /** How the model's config files were read where they leave a choice (max length from config.json, pooling assumed, …). */
  configNotes: z.array(z.string()),
  executionProvider: z.string(),
  /** Why a GPU provider asked for is not the one used (null: it is). */
  fallbackReason: z.string().nullable(),
  cache: z.object({ hits: z.number().int(), misses: z.number().int() }),
  timings: z.object({ totalMs: z.number(), queueMs: z.number(), inferenceMs: z.number() }),
});
export type EmbedResultDTO = z.infer<typeof EmbedResultSchema>;

export const EmbedOutputSchema = z.object({ results: z.array(EmbedResultSchema) });
export type EmbedOutputDTO = z.infer<typeof EmbedOutputSchema>;

export const ValidationCheckSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  detail: z.string(),
  /** Passed, but worth a look (e.g. the model's max length is not the one the registry records). */
  warning: z.boolean().optional(),
});
export const ValidationReportSchema = z.object({
  model: z.string(),
  registryModel: z.string().nullable(),
  version: z.string().nullable(),
  modelKey: z.string(),
  ok: z.boolean(),
  dimension: z.number().int().nullable(),
  executionProvider: z.string().nullable(),
  checks: z.array(ValidationCheckSchema),
  checkedAt: z.string(),
});
export type ValidationReportDTO = z.infer<typeof ValidationReportSchema>;

export const SessionInfoSchema = z.object({
  modelKey: z.string(),
  lane: LaneSchema,
  executionProvider: z.string(),
  fallbackReason: z.string().nullable(),
  loadMs: z.number(),
  loadedAt: z.string(),
  lastUsedAt: z.string(),
});

/** A session that did not start on the provider asked for (the last one, from any process on the data dir). */
export const ProviderFallbackSchema = z.object({
  /** The setting or per-call override asked for: auto, webgpu, cuda, … */
  requested: z.string(),
  /** The provider the session started on instead. */
  used: z.string(),
  reason: z.string(),
  at: z.string(),
});
export type ProviderFallbackDTO = z.infer<typeof ProviderFallbackSchema>;

export const InferenceStatusSchema = z.object({
  executionProvider: ExecutionProviderSchema,
  /** Where new sessions of the setting are expected to run: GPU providers known to be missing here are skipped. */
  expectedProvider: z.string(),
  /** Why those are skipped (null: the first provider asked for is expected to start). */
  expectedFallback: z.string().nullable(),
  threads: z.number().int(),
  idleUnloadSeconds: z.number().int(),
  /** Providers onnxruntime-node can use on this platform (`bundled: false` needs an opt-in install, see README). */
  available: z.array(z.object({ name: z.string(), bundled: z.boolean() })),
  sessions: z.array(SessionInfoSchema),
  queues: z.object({ rt: z.number().int(), bulk: z.number().int() }),
  cache: z.object({
    entries: z.number().int(),
    bytes: z.number().int(),
    capBytes: z.number().int(),
    /** Lookups by every process on the data dir since `since` (the database's creation or the last clear). */
    hits: z.number().int(),
    misses: z.number().int(),
    since: z.string(),
  }),
  lastFallback: ProviderFallbackSchema.nullable(),
  onnxruntimeVersion: z.string(),
});
export type InferenceStatusDTO = z.infer<typeof InferenceStatusSchema>;

export const HealthSchema = z.object({
  /** degraded: a problem below (a GPU provider chosen by name that fell back, a model that failed validation). */
  status: z.enum(['ok', 'degraded']),
  /** The provider in use: the loaded sessions', else the one new sessions are expected to start on. */
  device: z.string(),
  setting: ExecutionProviderSchema,
  models: z.array(z.object({ modelKey: z.string(), lane: LaneSchema, executionProvider: z.string() })),
  defaultModel: z.string().nullable(),
  /** Worth knowing, not a problem: e.g. `auto` found no GPU provider and runs on CPU, as it is meant to. */
  notes: z.array(z.string()),
  problems: z.array(z.string()),
});
export type HealthDTO = z.infer<typeof HealthSchema>;

/**
 * Health as the unauthenticated `GET /api/health` gives it (and `model-center health` prints it): any local
 * process can ask, so it names no model and no path; `inference.health` (with the token) has the details.
 */
export const HealthSummarySchema = z.object({
  status: z.enum(['ok', 'degraded']),
  device: z.string(),
  setting: ExecutionProviderSchema,
  /** Model files with a session loaded in the answering process (one per model, whatever its lanes). */
  loadedModels: z.number().int(),
  notes: z.array(z.string()),
  /** How many problems `inference.health` lists. */
  problems: z.number().int(),
});
export type HealthSummaryDTO = z.infer<typeof HealthSummarySchema>;

export const ValidationListSchema = z.array(ValidationReportSchema);

export const inferenceContract = {
  'inference.embed': mutation('Embed texts with one or several models (rt or bulk lane), cached by text', EmbedInputSchema, EmbedOutputSchema),
  'inference.validate': mutation(
    'Load a model, embed probe texts and check dimension, finiteness, norms, determinism and paraphrase similarity',
    z.object({ model: InferenceModelRefSchema, variant: VariantSchema.optional() }),
    ValidationReportSchema,
  ),
  'inference.validations': query(
    'Latest validation result per model (the health badges)',
    z.object({ model: z.string().trim().min(1).optional() }),
    ValidationListSchema,
  ),
  'inference.status': query('Loaded sessions, execution provider, lanes and embedding-cache figures', z.object({}), InferenceStatusSchema),
  'inference.health': query('Health of the embedding service (seed 001 /health)', z.object({}), HealthSchema),
  'inference.unload': mutation(
    'Unload model sessions now: all, one model (by reference), or one session (by its modelKey from inference.status)',
    z.object({ model: InferenceModelRefSchema.optional(), modelKey: z.string().min(1).optional() }),
    z.object({ unloaded: z.number().int() }),
  ),
  'inference.clearCache': mutation('Empty the embedding cache', z.object({}), z.object({ removed: z.number().int() })),
};
