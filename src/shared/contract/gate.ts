import { z } from 'zod';
import { CollectionNameSchema, MAX_QUERY_CHARS } from './collections';
import { mutation, query } from './define';

/** Where a golden query came from: typed by a person, imported from a file, or sampled from the collection and frozen. */
export const GOLDEN_ORIGINS = ['typed', 'imported', 'sampled'] as const;

const QueryText = z
  .string()
  .max(MAX_QUERY_CHARS)
  .refine((q) => q.trim().length > 0, 'must not be empty');
const ChunkIds = z.array(z.number().int().positive()).max(100);

export const GoldenQuerySchema = z.object({
  id: z.number().int(),
  query: z.string(),
  /** Chunks a good answer contains (recall@k and MRR are computed over the queries that have some). */
  expected: z.array(z.number().int()),
  /** Expected chunks no longer in the collection (their document was re-imported or deleted). */
  missing: z.array(z.number().int()),
  origin: z.enum(GOLDEN_ORIGINS),
  createdAt: z.string(),
});
export type GoldenQueryDTO = z.infer<typeof GoldenQuerySchema>;

/** The admin's thresholds. B passes when every check holds; `null` turns a check off. */
export const GateSettingsSchema = z.object({
  k: z.number().int().min(1).max(100),
  /** B's recall@k must be at least A's minus this (queries with expected chunks only). */
  maxRecallDrop: z.number().min(0).max(1).nullable(),
  /** B's MRR must be at least A's minus this (queries with expected chunks only). */
  maxMrrDrop: z.number().min(0).max(1).nullable(),
  /** Mean overlap@k of A's and B's top k must be at least this. */
  minOverlap: z.number().min(0).max(1).nullable(),
  /** B's p95 search latency must be at most this many times A's… */
  maxP95Ratio: z.number().min(1).max(100).nullable(),
  /** …unless it is within this many milliseconds of A's (below that, the difference is timer noise). */
  p95SlackMs: z.number().min(0).max(10_000),
  /** While rollout is above 0 %, re-run this often (minutes; 0 = only on rollout steps and by hand). */
  intervalMinutes: z.number().min(0).max(7 * 24 * 60),
  /** Roll back to A at once when a re-run fails (else: report only). */
  autoRollback: z.boolean(),
});
export type GateSettingsDTO = z.infer<typeof GateSettingsSchema>;

export const DEFAULT_GATE_SETTINGS: GateSettingsDTO = {
  k: 10,
  maxRecallDrop: 0.02,
  maxMrrDrop: 0.05,
  minOverlap: null,
  maxP95Ratio: 1.5,
  p95SlackMs: 5,
  intervalMinutes: 15,
  autoRollback: true,
};

const VersionMetrics = z.object({
  version: z.string(),
  /** Mean recall@k and MRR over the queries with expected chunks (null: none has). */
  recall: z.number().nullable(),
  mrr: z.number().nullable(),
  p50Ms: z.number(),
  p95Ms: z.number(),
});

export const GateCheckSchema = z.object({
  /** `answers`: B could not answer a query at all (its files gone, a load failure): a failure whatever the numbers. */
  name: z.enum(['recall', 'mrr', 'overlap', 'p95', 'answers']),
  ok: z.boolean(),
  /** What was measured on A and B (overlap: B only, against A), and the limit B had to meet. */
  a: z.number().nullable(),
  b: z.number().nullable(),
  limit: z.number(),
  detail: z.string(),
});
export type GateCheckDTO = z.infer<typeof GateCheckSchema>;

export const GATE_TRIGGERS = ['manual', 'rollout-step', 'schedule'] as const;
export const GATE_ACTIONS = ['none', 'refused-rollout', 'rolled-back'] as const;

export const GateRunSchema = z.object({
  id: z.number().int(),
  collection: z.string(),
  migrationId: z.number().int().nullable(),
  at: z.string(),
  trigger: z.enum(GATE_TRIGGERS),
  /** The rollout when the gate ran (a rollout step: the percentage asked for). */
  rolloutPercent: z.number(),
  queries: z.number().int(),
  /** Queries with expected chunks (recall@k and MRR come from these). */
  withExpected: z.number().int(),
  k: z.number().int(),
  a: VersionMetrics,
  b: VersionMetrics,
  meanOverlap: z.number(),
  checks: z.array(GateCheckSchema),
  passed: z.boolean(),
  action: z.enum(GATE_ACTIONS),
  /** One line: what failed, with the numbers, and what the gate did. */
  summary: z.string(),
});
export type GateRunDTO = z.infer<typeof GateRunSchema>;

export const GateSchema = z.object({
  collection: z.string(),
  queries: z.array(GoldenQuerySchema),
  settings: GateSettingsSchema,
  /** Newest first. */
  runs: z.array(GateRunSchema),
  /** Whether rollout steps and the schedule run the gate (a golden set exists). */
  armed: z.boolean(),
});
export type GateDTO = z.infer<typeof GateSchema>;

const ByCollection = z.object({ collection: CollectionNameSchema });

/** A golden query set file: .jsonl (`{"query": …, "expected": [ids]}`), .csv (query[,expected ids]) or .txt (one per line). */
export const MAX_GOLDEN_FILE_CHARS = 5_000_000;

export const gateContract = {
  'gate.get': query('The collection’s golden query set, quality-gate thresholds and recent gate runs', ByCollection, GateSchema),
  'gate.addQueries': mutation(
    'Add golden queries typed by hand, each with optional expected chunk ids',
    z.object({ collection: CollectionNameSchema, queries: z.array(z.object({ query: QueryText, expected: ChunkIds.default([]) })).min(1).max(1000) }),
    GateSchema,
  ),
  'gate.importQueries': mutation(
    'Import golden queries from a file’s text (.jsonl, .csv or .txt); a malformed line refuses the whole file, naming the line',
    z.object({ collection: CollectionNameSchema, fileName: z.string().min(1).max(300), content: z.string().max(MAX_GOLDEN_FILE_CHARS) }),
    GateSchema,
  ),
  'gate.sampleQueries': mutation(
    'Sample queries from the collection’s own chunks and freeze them, each expecting the chunk it came from',
    z.object({ collection: CollectionNameSchema, count: z.number().int().min(1).max(1000).default(50) }),
    GateSchema,
  ),
  'gate.removeQueries': mutation(
    'Remove golden queries by id (none given: all of them)',
    z.object({ collection: CollectionNameSchema, ids: z.array(z.number().int()).max(10_000).optional() }),
    GateSchema,
  ),
  'gate.setSettings': mutation(
    'Change the quality gate’s thresholds, schedule and auto-rollback',
    z.object({ collection: CollectionNameSchema, settings: GateSettingsSchema.partial() }),
    GateSchema,
  ),
  'gate.run': mutation(
    'Run the golden set against A and B now: recall@k, MRR, overlap@k, p95 latency; a failure while rollout is above 0 % rolls back',
    ByCollection,
    GateRunSchema,
  ),
};
