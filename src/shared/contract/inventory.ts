import { z } from 'zod';
import { mutation, query } from './define';
import { JobSchema } from './jobs';

/** The tools whose model folders the inventory reads. */
export const INVENTORY_TOOLS = ['huggingface', 'sentence-transformers', 'ollama', 'vosk', 'lmstudio', 'jan'] as const;
export const InventoryToolSchema = z.enum(INVENTORY_TOOLS);
export type InventoryTool = z.infer<typeof InventoryToolSchema>;

export const INVENTORY_TOOL_TITLES: Record<InventoryTool, string> = {
  huggingface: 'Hugging Face cache',
  'sentence-transformers': 'Legacy sentence-transformers',
  ollama: 'Ollama',
  vosk: 'Vosk',
  lmstudio: 'LM Studio',
  jan: 'Jan',
};

/**
 * Where a file's sha256 came from. `computed`: hashed in this scan; `cache`: hashed by an earlier scan and the
 * file's path, size and mtime have not changed since; `name-verified`: a content-addressed name checked by the
 * tool that wrote it (Ollama blobs; Hub cache blobs Model Center downloaded); `name`: a content-addressed name
 * nobody checked (huggingface_hub does not verify what it downloads), trusted for the inventory only.
 */
export const HASH_SOURCES = ['computed', 'cache', 'name-verified', 'name'] as const;
export const HashSourceSchema = z.enum(HASH_SOURCES);

export const InventoryFileSchema = z.object({
  /** The file itself (links followed): the same file reached through two links is listed once. */
  path: z.string(),
  tool: InventoryToolSchema,
  /** What the tool calls it: the repo path for a Hub blob, the layer type for an Ollama blob, the path in the model folder. */
  label: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  /** Null only in a scan without hashing (the retention plan) or for a file that vanished while it was read. */
  sha256: z.string().nullable(),
  hashSource: HashSourceSchema.nullable(),
  /** st_dev and st_ino: two paths with the same pair are one file on disk (already hardlinked). */
  device: z.string(),
  inode: z.string(),
  links: z.number().int(),
  modifiedAt: z.string(),
  /** In a content-addressed store no tool rewrites in place (HF cache blobs/, Ollama blobs/): safe to hardlink. */
  immutable: z.boolean(),
  /** Ids of the models that use it. */
  models: z.array(z.string()),
});
export type InventoryFileDTO = z.infer<typeof InventoryFileSchema>;

export const InventoryModelSchema = z.object({
  /** `<tool>:<name>`, unique in one inventory. */
  id: z.string(),
  tool: InventoryToolSchema,
  name: z.string(),
  /** The model's folder, or for Ollama its manifest file. */
  location: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  files: z.number().int().nonnegative(),
  /** Bytes deleting it would give back: its files no other model uses and that have no other link. */
  freeableBytes: z.number().int().nonnegative(),
  /**
   * Access time of its largest file, the weights, which only loading the model reads (relatime: updated about once a
   * day); hashing does not touch it (O_NOATIME where the OS allows).
   */
  lastUsed: z.string().nullable(),
  lastModified: z.string().nullable(),
  /** True only when no staging/production/current/previous registry version, no active job and no collection or migration uses it. */
  safeToDelete: z.boolean(),
  /** Why it is not safe to delete, one line per user. */
  usedBy: z.array(z.string()),
  notes: z.array(z.string()),
});
export type InventoryModelDTO = z.infer<typeof InventoryModelSchema>;

export const DuplicateCopySchema = z.object({
  path: z.string(),
  tool: InventoryToolSchema,
  models: z.array(z.string()),
  device: z.string(),
  inode: z.string(),
  immutable: z.boolean(),
});

export const DuplicateGroupSchema = z.object({
  sha256: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  /** One entry per distinct file (inode); paths already hardlinked together count once. */
  copies: z.array(DuplicateCopySchema),
  /** Disk used by the extra copies. */
  wastedBytes: z.number().int().nonnegative(),
  /** What hardlinking every copy on the same filesystem would save (copies on other filesystems cannot be linked). */
  linkableBytes: z.number().int().nonnegative(),
  /** What `dedupe` saves: only copies in immutable stores are linked. */
  dedupeBytes: z.number().int().nonnegative(),
  /** Copies `dedupe` leaves alone, with the reason. */
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
});
export type DuplicateGroupDTO = z.infer<typeof DuplicateGroupSchema>;

export const InventoryRootSchema = z.object({ tool: InventoryToolSchema, path: z.string(), exists: z.boolean() });

export const InventoryToolUsageSchema = z.object({
  tool: InventoryToolSchema,
  models: z.number().int(),
  files: z.number().int(),
  /** Bytes on disk, each file (inode) counted once; a file hardlinked into several tools counts for the first of them. */
  sizeBytes: z.number().int().nonnegative(),
  /** Bytes of this tool's files that are hardlinks of files counted under another tool (no extra disk). */
  sharedBytes: z.number().int().nonnegative(),
});

export const InventoryReportSchema = z.object({
  scannedAt: z.string(),
  hashed: z.boolean(),
  roots: z.array(InventoryRootSchema),
  tools: z.array(InventoryToolUsageSchema),
  models: z.array(InventoryModelSchema),
  files: z.array(InventoryFileSchema),
  duplicates: z.array(DuplicateGroupSchema),
  totals: z.object({
    sizeBytes: z.number().int().nonnegative(),
    files: z.number().int(),
    wastedBytes: z.number().int().nonnegative(),
    linkableBytes: z.number().int().nonnegative(),
    dedupeBytes: z.number().int().nonnegative(),
  }),
  /** How the hashes were had: hashed now, from the cache, from content-addressed names. */
  stats: z.object({
    filesHashed: z.number().int(),
    bytesHashed: z.number().int(),
    fromCache: z.number().int(),
    fromName: z.number().int(),
  }),
  /** Tables consulted for "safe to delete", and expected ones not (yet) in this database. */
  usage: z.object({ tables: z.array(z.string()), missing: z.array(z.string()) }),
  warnings: z.array(z.string()),
});
export type InventoryReportDTO = z.infer<typeof InventoryReportSchema>;

export const DedupeLinkSchema = z.object({
  sha256: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  /** The file that stays; the others become hardlinks to it. */
  keep: z.string(),
  link: z.array(z.string()),
});

export const DedupeResultSchema = z.object({
  dryRun: z.boolean(),
  /** What would be (dry run) or will be (the job) linked. */
  links: z.array(DedupeLinkSchema),
  skipped: z.array(z.object({ sha256: z.string(), path: z.string(), reason: z.string() })),
  bytesSaved: z.number().int().nonnegative(),
  /** The job that links them (not on a dry run, nor when there is nothing to link). */
  job: JobSchema.nullable(),
  scannedAt: z.string(),
});
export type DedupeResultDTO = z.infer<typeof DedupeResultSchema>;

/** What the dedupe job did: its result. */
export const DedupeOutcomeSchema = z.object({
  linked: z.array(z.object({ path: z.string(), keep: z.string(), sizeBytes: z.number().int() })),
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
  bytesSaved: z.number().int().nonnegative(),
});
export type DedupeOutcomeDTO = z.infer<typeof DedupeOutcomeSchema>;

export const RetentionItemSchema = z.object({
  id: z.string(),
  tool: InventoryToolSchema,
  name: z.string(),
  location: z.string(),
  freeableBytes: z.number().int().nonnegative(),
  lastUsed: z.string().nullable(),
  /** Removed (or would be); otherwise why it stays. */
  reason: z.string(),
});

export const RetentionResultSchema = z.object({
  dryRun: z.boolean(),
  budgetBytes: z.number().int().nonnegative(),
  /** On disk now, each file once, over every tool. */
  totalBytes: z.number().int().nonnegative(),
  /** After removing what `remove` lists. */
  afterBytes: z.number().int().nonnegative(),
  /** Least recently used first. */
  remove: z.array(RetentionItemSchema),
  /** Models that could not go (in use), with why. */
  protected: z.array(RetentionItemSchema),
  /** False when even removing every model that is safe to delete stays over the budget. */
  reachable: z.boolean(),
  bytesFreed: z.number().int().nonnegative(),
  /** Problems while removing (a server that was down, a folder that vanished). */
  warnings: z.array(z.string()),
});
export type RetentionResultDTO = z.infer<typeof RetentionResultSchema>;

export const inventoryContract = {
  'inventory.scan': mutation(
    'Scan every model store on this disk (HF cache, legacy sentence-transformers, Ollama, Vosk, LM Studio, Jan): per file size and sha256 (cached by path, size and mtime), duplicates, safe-to-delete marks; a job',
    z.object({
      /** Also hash files whose content-addressed name was not checked by the tool that wrote them. */
      verifyNames: z.boolean().default(false),
    }),
    JobSchema,
  ),
  'inventory.get': query('The last inventory scan (null before the first)', z.object({}), InventoryReportSchema.nullable()),
  'inventory.dedupe': mutation(
    'Replace duplicate files in immutable stores (HF cache blobs, Ollama blobs) by hardlinks, same filesystem only, re-verified right before linking; dryRun lists them',
    z.object({
      dryRun: z.boolean().default(true),
      /** The scan the confirmed preview came from: refused when a newer scan replaced it (confirm what you saw). */
      scannedAt: z.string().optional(),
    }),
    DedupeResultSchema,
  ),
  'inventory.retention': mutation(
    'Keep the models on disk under a budget: remove models that are safe to delete, least recently used first, until the total is at most maxBytes; dryRun lists them',
    z.object({
      maxBytes: z.number().int().nonnegative(),
      dryRun: z.boolean().default(true),
      /** Remove only these model ids (the confirmed preview's), and only those the plan made now still lists. */
      only: z.array(z.string()).max(10_000).optional(),
    }),
    RetentionResultSchema,
  ),
};
