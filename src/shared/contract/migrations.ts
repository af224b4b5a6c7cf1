import { z } from 'zod';
import { CollectionNameSchema, MAX_QUERY_CHARS } from './collections';
import { mutation, query } from './define';
import { JobSchema } from './jobs';

/** `model@version` of the registry: what a collection migrates to. */
export const MigrationTargetSchema = z
  .string()
  .trim()
  .regex(/^[^@\s]+@[^@\s]+$/, 'must be a registry model and version, e.g. bge-m3@1.0.0');

/**
 * Where a migration stands. `embedding`/`paused`/`interrupted` follow its job; `ready`: B holds every chunk and
 * can be compared, shadowed and rolled out; then `finalized` (B serves) or `rolled-back` (A serves), or the job
 * ended `cancelled` / `failed`.
 */
export const MIGRATION_STATES = ['embedding', 'paused', 'interrupted', 'ready', 'finalized', 'rolled-back', 'cancelled', 'failed'] as const;
export const MigrationStateSchema = z.enum(MIGRATION_STATES);
export type MigrationState = z.infer<typeof MigrationStateSchema>;

const Side = z.object({ model: z.string(), version: z.string(), dimension: z.number().int().nullable() });

export const PlanCheckSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  /** A failed blocking check refuses the migration; others are warnings. */
  blocking: z.boolean(),
  detail: z.string(),
});

export const MigrationPlanSchema = z.object({
  collection: z.string(),
  from: Side,
  to: Side.extend({ status: z.string(), maxSeqLength: z.number().int().nullable() }),
  chunks: z.number().int(),
  /** Tokens of all chunks by B's tokenizer (special tokens included), and chunks longer than B reads. */
  tokens: z.number().int().nullable(),
  overLength: z.number().int().nullable(),
  /** Chunks actually tokenized: all of them, or an even sample of a large collection (then tokens and overLength are scaled up). */
  tokenSample: z.number().int(),
  estimate: z.object({
    chunksPerSecond: z.number().nullable(),
    seconds: z.number().nullable(),
    /** Which stored benchmark the estimate comes from, or why there is none. */
    basis: z.string(),
  }),
  disk: z.object({ extraBytes: z.number().int(), freeBytes: z.number().int().nullable() }),
  downloaded: z.boolean(),
  validated: z.boolean(),
  checks: z.array(PlanCheckSchema),
  /** No blocking check failed: `migrate` would start. */
  ok: z.boolean(),
});
export type MigrationPlanDTO = z.infer<typeof MigrationPlanSchema>;

export const CompareHitSchema = z.object({ chunkId: z.number().int(), score: z.number(), text: z.string() });

export const CompareReportSchema = z.object({
  k: z.number().int(),
  querySource: z.enum(['given', 'sampled']),
  queries: z.array(
    z.object({
      query: z.string(),
      /** For queries sampled from the collection: the chunk they came from, and its rank in A and B (null: not in the top k). */
      sourceChunkId: z.number().int().nullable(),
      rankA: z.number().int().nullable(),
      rankB: z.number().int().nullable(),
      a: z.array(CompareHitSchema),
      b: z.array(CompareHitSchema),
      /** |top-k(A) ∩ top-k(B)| / k. */
      overlap: z.number(),
      /** Spearman's rank correlation over the chunks both returned (null: fewer than two in common). */
      rankCorrelation: z.number().nullable(),
    }),
  ),
  summary: z.object({
    queries: z.number().int(),
    meanOverlap: z.number(),
    meanRankCorrelation: z.number().nullable(),
    /** Sampled queries only: how often each version ranks the source chunk first, and mean reciprocal rank. */
    hitAt1A: z.number().nullable(),
    hitAt1B: z.number().nullable(),
    mrrA: z.number().nullable(),
    mrrB: z.number().nullable(),
  }),
  comparedAt: z.string(),
});
export type CompareReportDTO = z.infer<typeof CompareReportSchema>;

export const MigrationSchema = z.object({
  id: z.number().int(),
  collection: z.string(),
  from: Side,
  to: Side,
  state: MigrationStateSchema,
  job: JobSchema.nullable(),
  done: z.number().int(),
  total: z.number().int(),
  /** Chunks per second over the last seconds, and the time left at that pace. */
  rate: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  truncated: z.number().int(),
  errors: z.array(z.object({ at: z.string(), message: z.string() })),
  /** Progress over time (persisted, so a reopened monitor draws the whole run). */
  samples: z.array(z.object({ at: z.string(), done: z.number().int(), rate: z.number() })),
  rolloutPercent: z.number(),
  shadow: z.boolean(),
  /** Searches answered by each version since the migration started routing. */
  routeCounts: z.object({ current: z.number().int(), candidate: z.number().int() }),
  shadowStats: z.object({
    queries: z.number().int(),
    meanOverlap: z.number().nullable(),
    recent: z.array(z.object({ at: z.string(), query: z.string(), served: z.enum(['current', 'candidate']), overlap: z.number() })),
  }),
  compare: CompareReportSchema.nullable(),
  createdAt: z.string(),
  embeddedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** What the last finalize / rollback did. */
  outcome: z.string().nullable(),
});
export type MigrationDTO = z.infer<typeof MigrationSchema>;

const ByCollection = z.object({ collection: CollectionNameSchema });

/** What changed which version serves a collection: the audit trail of its migrations. */
export const SERVING_EVENTS = ['created', 'migration-started', 'rollout', 'rollout-refused', 'rolled-back', 'finalized'] as const;

export const ServingEntrySchema = z.object({
  at: z.string(),
  event: z.enum(SERVING_EVENTS),
  migrationId: z.number().int().nullable(),
  /** `model@version` serving every search not routed to the candidate. */
  current: z.string(),
  candidate: z.string().nullable(),
  /** Share of searches the candidate answers after this event. */
  rolloutPercent: z.number(),
  /** Who or what did it and why: the admin, or the quality gate with its numbers. */
  reason: z.string(),
  gateRunId: z.number().int().nullable(),
});
export type ServingEntryDTO = z.infer<typeof ServingEntrySchema>;

export const migrationsContract = {
  'migrations.plan': query(
    'Dry-run a re-embedding migration: chunk and token counts, estimated time from B’s benchmark, extra disk, whether B is downloaded and validated',
    z.object({ collection: CollectionNameSchema, to: MigrationTargetSchema }),
    MigrationPlanSchema,
  ),
  'migrations.start': mutation(
    'Start re-embedding a collection with another model version (a resumable BULK-lane job; A keeps serving)',
    z.object({ collection: CollectionNameSchema, to: MigrationTargetSchema, batchSize: z.number().int().min(1).max(1024).default(256) }),
    z.object({ migration: MigrationSchema, job: JobSchema }),
  ),
  'migrations.get': query('The collection’s latest migration, live figures and history included', ByCollection, MigrationSchema),
  'migrations.list': query(
    'Migrations, newest first (one collection’s, or all)',
    z.object({ collection: CollectionNameSchema.optional() }),
    z.array(MigrationSchema.omit({ samples: true, compare: true })),
  ),
  'migrations.pause': mutation('Pause the re-embedding job (resume continues from its checkpoint)', ByCollection, MigrationSchema),
  'migrations.resume': mutation('Resume a paused or interrupted re-embedding job', ByCollection, MigrationSchema),
  'migrations.cancel': mutation('Cancel the re-embedding job and delete B’s partial vectors; A keeps serving', ByCollection, MigrationSchema),
  'migrations.compare': mutation(
    'Search A and B side by side with a query set (given, or sampled from the collection): overlap@k, rank correlation, summary',
    z.object({
      collection: CollectionNameSchema,
      queries: z.array(z.string().max(MAX_QUERY_CHARS).refine((q) => q.trim().length > 0, 'must not be empty')).max(500).optional(),
      sample: z.number().int().min(1).max(500).default(20),
      k: z.number().int().min(1).max(100).default(10),
    }),
    CompareReportSchema,
  ),
  'migrations.setRollout': mutation(
    'Route this share of searches (0–100 %) to B, deterministically per query; with a golden query set, the quality gate runs first',
    z.object({ collection: CollectionNameSchema, percent: z.number().min(0).max(100), skipGate: z.boolean().default(false) }),
    MigrationSchema,
  ),
  'migrations.setShadow': mutation(
    'Shadow mode: every search also runs on the other version and the differences are logged',
    z.object({ collection: CollectionNameSchema, enabled: z.boolean() }),
    MigrationSchema,
  ),
  'migrations.finalize': mutation(
    'B becomes the collection’s current version; A’s vectors are deleted (confirm) or kept (keepPrevious); with golden queries, the quality gate runs first',
    z.object({ collection: CollectionNameSchema, confirm: z.boolean().default(false), keepPrevious: z.boolean().default(false), skipGate: z.boolean().default(false) }),
    MigrationSchema,
  ),
  'migrations.history': query(
    'Which version served the collection when, and why it changed (rollouts, gate decisions, rollbacks, finalize), oldest first',
    ByCollection,
    z.array(ServingEntrySchema),
  ),
  'migrations.rollback': mutation(
    'A serves 100 % at once; the job stops if it runs; B’s vectors are kept (default) or deleted',
    z.object({ collection: CollectionNameSchema, deleteVectors: z.boolean().default(false) }),
    MigrationSchema,
  ),
};
