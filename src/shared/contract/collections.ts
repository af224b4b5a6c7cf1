import { z } from 'zod';
import { mutation, query } from './define';
import { JobSchema } from './jobs';

/** Collection names are slugs, like model names: they go unquoted into CLI arguments and URLs. */
export const COLLECTION_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const CollectionNameSchema = z
  .string()
  .trim()
  .regex(COLLECTION_NAME_RE, 'must be a slug: lowercase letters, digits, ".", "_" or "-", starting with a letter or digit (at most 64)');

/** File types an import reads; folders are searched for these extensions. */
export const IMPORT_EXTENSIONS = ['.txt', '.md', '.markdown', '.csv', '.tsv', '.jsonl', '.ndjson'] as const;

/** What to do with malformed lines: import the rest and report them, or import nothing at all. */
export const ON_ERROR = ['skip', 'refuse'] as const;
export const OnErrorSchema = z.enum(ON_ERROR);
export type OnError = z.infer<typeof OnErrorSchema>;

/** Seed 002's SEARCH_LIMIT default. */
export const DEFAULT_SEARCH_LIMIT = 15;
export const MAX_SEARCH_LIMIT = 200;
export const MAX_QUERY_CHARS = 10_000;

export const ImportInputSchema = z.object({
  name: CollectionNameSchema,
  /** Files or folders (absolute, or relative to the caller's working directory for the CLI). */
  paths: z.array(z.string().trim().min(1)).min(1, 'must name at least one file or folder').max(1000),
  /** Registry model `name[@version]` to bind a NEW collection to (default: the default embedding model, its current version). */
  model: z.string().trim().min(1).optional(),
  /** Chunk size in tokens of the model's own tokenizer (default: what the model reads, at most 256). */
  chunkSize: z.number().int().min(8).max(8192).optional(),
  /** Tokens shared by consecutive chunks, whole sentences only (default: an eighth of the chunk size). */
  chunkOverlap: z.number().int().min(0).max(4096).optional(),
  /** CSV/TSV: the column holding the text (name from the header, or a 1-based number). Default: text, content or body. */
  textColumn: z.string().trim().min(1).optional(),
  /** JSONL: the field holding the text (dotted path for nested objects). Default: text, content or body. */
  jsonField: z.string().trim().min(1).optional(),
  onError: OnErrorSchema.default('refuse'),
});
export type ImportInput = z.input<typeof ImportInputSchema>;

export const ImportIssueSchema = z.object({ file: z.string(), line: z.number().int().nullable(), message: z.string() });
export type ImportIssueDTO = z.infer<typeof ImportIssueSchema>;

/** What an import did, file by file: the import job's result. */
export const CollectionImportReportSchema = z.object({
  collection: z.string(),
  files: z.array(
    z.object({
      path: z.string(),
      outcome: z.enum(['added', 'replaced', 'unchanged', 'duplicate', 'skipped']),
      documents: z.number().int(),
      chunks: z.number().int(),
      note: z.string().nullable(),
    }),
  ),
  chunks: z.number().int(),
  tokens: z.number().int(),
  /** Malformed lines that were left out (skip mode). */
  skipped: z.array(ImportIssueSchema),
});
export type CollectionImportReportDTO = z.infer<typeof CollectionImportReportSchema>;

export const IndexRoleSchema = z.enum(['current', 'candidate', 'kept']);

export const CollectionSummarySchema = z.object({
  name: z.string(),
  /** The registry model and version that serves searches. */
  model: z.string(),
  version: z.string(),
  dimension: z.number().int().nullable(),
  chunks: z.number().int(),
  sources: z.number().int(),
  tokens: z.number().int(),
  chunkSize: z.number().int(),
  chunkOverlap: z.number().int(),
  /** The migration in progress or awaiting a decision (null: none). */
  migration: z
    .object({ id: z.number().int(), state: z.string(), to: z.string(), progress: z.number(), rolloutPercent: z.number() })
    .nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CollectionSummaryDTO = z.infer<typeof CollectionSummarySchema>;

export const CollectionDetailSchema = CollectionSummarySchema.extend({
  sources: z.array(
    z.object({
      id: z.number().int(),
      path: z.string(),
      format: z.string(),
      contentHash: z.string(),
      documents: z.number().int(),
      chunks: z.number().int(),
      bytes: z.number().int(),
      importedAt: z.string(),
    }),
  ),
  indexes: z.array(
    z.object({
      model: z.string(),
      version: z.string(),
      dimension: z.number().int().nullable(),
      vectors: z.number().int(),
      role: IndexRoleSchema,
      /** Vectors' size on disk, roughly (float32 plus row overhead). */
      bytes: z.number().int(),
    }),
  ),
});
export type CollectionDetailDTO = z.infer<typeof CollectionDetailSchema>;

/** `auto`: the rollout decides per query; `current` / `candidate`: force A or B (the playground's A/B switch). */
export const SEARCH_ROUTES = ['auto', 'current', 'candidate'] as const;

export const SearchInputSchema = z.object({
  collection: CollectionNameSchema,
  query: z.string().max(MAX_QUERY_CHARS).refine((q) => q.trim().length > 0, 'must not be empty'),
  k: z.number().int().min(1).max(MAX_SEARCH_LIMIT).default(DEFAULT_SEARCH_LIMIT),
  /** Seed 002's SIMILARITY_THRESHOLD: hits below this cosine similarity are left out (null: none). */
  threshold: z.number().min(-1).max(1).nullable().default(null),
  route: z.enum(SEARCH_ROUTES).default('auto'),
});

export const SearchHitSchema = z.object({
  chunkId: z.number().int(),
  /** Cosine similarity (1 = same direction). */
  score: z.number(),
  text: z.string(),
  source: z.string(),
  /** Character offsets of the chunk in its document, and the line of that document in a CSV/JSONL file. */
  start: z.number().int(),
  end: z.number().int(),
  line: z.number().int().nullable(),
});
export type SearchHitDTO = z.infer<typeof SearchHitSchema>;

export const SearchResultSchema = z.object({
  collection: z.string(),
  query: z.string(),
  served: z.object({
    model: z.string(),
    version: z.string(),
    role: z.enum(['current', 'candidate']),
    /** Why this version answered: no migration, the rollout bucket, the caller's choice, or B failed and A answered instead. */
    reason: z.enum(['no-migration', 'rollout', 'forced', 'fallback']),
  }),
  /** The query's rollout bucket (0–99) when a migration routes searches. */
  bucket: z.number().int().nullable(),
  hits: z.array(SearchHitSchema),
  timings: z.object({ embedMs: z.number(), searchMs: z.number(), totalMs: z.number() }),
});
export type SearchResultDTO = z.infer<typeof SearchResultSchema>;

const ByName = z.object({ name: CollectionNameSchema });

export const collectionsContract = {
  'collections.list': query('Collections with their serving model, counts and migration', z.object({}), z.array(CollectionSummarySchema)),
  'collections.get': query('One collection: sources, vector indexes per model version', ByName, CollectionDetailSchema),
  'collections.import': mutation(
    'Import .txt/.md/.csv/.jsonl files or folders into a collection (created on first import) as a job: chunk, embed, store',
    ImportInputSchema,
    JobSchema,
  ),
  'collections.delete': mutation('Delete a collection with its chunks, vectors and metadata', ByName, z.object({ deleted: z.string(), chunks: z.number().int() })),
  'collections.search': query('Top-k cosine search, routed between versions while a migration rolls out', SearchInputSchema, SearchResultSchema),
};
