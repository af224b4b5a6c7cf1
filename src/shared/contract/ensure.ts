import { z } from 'zod';
import { mutation, query } from './define';
import { OllamaNameSchema } from './detect';
import { RepoIdSchema, RevisionSchema } from './hub';
import { parseVoskRef } from './vosk';

/** A model this machine must have: `ollama:gemma2:2b`, `vosk:<zip url or catalogue name>`, `hf:org/name[@rev]`. */
export type RequiredRef =
  | { kind: 'ollama'; ref: string; name: string }
  | { kind: 'vosk'; ref: string; url: string | null; name: string }
  | { kind: 'hf'; ref: string; repo: string; revision: string };

/** Parses one ref; returns an error message (naming the entry) instead of throwing. */
export function parseRequiredRef(text: string): RequiredRef | string {
  const ref = text.trim();
  const colon = ref.indexOf(':');
  const hint = 'expected ollama:<name[:tag]>, vosk:<zip URL or name> or hf:<org/name>[@revision]';
  if (colon <= 0) return `"${ref}" has no source prefix; ${hint}`;
  const kind = ref.slice(0, colon);
  const rest = ref.slice(colon + 1).trim();
  if (kind === 'ollama') {
    const r = OllamaNameSchema.safeParse(rest);
    return r.success ? { kind, ref, name: r.data } : `"${ref}": ${r.error.issues[0]?.message ?? 'bad Ollama name'}`;
  }
  if (kind === 'vosk') {
    const r = parseVoskRef(rest);
    return typeof r === 'string' ? `"${ref}": ${r}` : { kind, ref, ...r };
  }
  if (kind === 'hf') {
    const at = rest.indexOf('@');
    const repo = at >= 0 ? rest.slice(0, at) : rest;
    const rev = at >= 0 ? rest.slice(at + 1) : 'main';
    const r = RepoIdSchema.safeParse(repo);
    if (!r.success) return `"${ref}": ${r.error.issues[0]?.message ?? 'bad repo id'}`;
    const v = RevisionSchema.safeParse(rev);
    if (!v.success) return `"${ref}": revision ${v.error.issues[0]?.message ?? 'is invalid'}`;
    return { kind, ref, repo: r.data, revision: v.data };
  }
  return `"${ref}": unknown source "${kind}"; ${hint}`;
}

export const RequiredRefSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .superRefine((s, ctx) => {
    const r = parseRequiredRef(s);
    if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
  });

export const RequiredModelsSchema = z.array(RequiredRefSchema).max(200);

export const EnsureItemSchema = z.object({
  ref: z.string(),
  present: z.boolean(),
  action: z.enum(['none', 'started', 'failed']),
  jobId: z.number().int().optional(),
  error: z.string().optional(),
});
export type EnsureItemDTO = z.infer<typeof EnsureItemSchema>;

export const EnsureResultSchema = z.object({
  dryRun: z.boolean(),
  items: z.array(EnsureItemSchema),
});
export type EnsureResultDTO = z.infer<typeof EnsureResultSchema>;

export const ensureContract = {
  'models.ensure': mutation(
    'Make sure every required model (setting requiredModels, or the refs given) is on this machine: start a job for each missing one',
    z.object({ refs: RequiredModelsSchema.optional(), dryRun: z.boolean().default(false) }),
    EnsureResultSchema,
  ),
};

export const RECOMMENDED_KINDS = ['embedding', 'llm', 'stt'] as const;

/** One entry of resources/recommended-models.json; sizes are approximate. */
export const RecommendedEntrySchema = z.object({
  kind: z.enum(RECOMMENDED_KINDS),
  ref: RequiredRefSchema,
  title: z.string().min(1),
  diskMB: z.number().positive(),
  ramGB: z.number().positive(),
  /** Memory wanted on a GPU to run there; null when the model runs well on the CPU. */
  vramGB: z.number().positive().nullable(),
});
export const RecommendedCatalogueSchema = z.object({ note: z.string(), models: z.array(RecommendedEntrySchema).min(1) });

export const MachineSchema = z.object({
  totalRamBytes: z.number().int().nonnegative(),
  /** Free space where models are stored (the Hub cache folder, or its nearest existing parent). */
  diskPath: z.string(),
  freeDiskBytes: z.number().int().nonnegative().nullable(),
  /** Best effort through nvidia-smi; empty when none was found. */
  gpus: z.array(z.object({ name: z.string(), memoryBytes: z.number().int().nonnegative() })),
  /** Where each kind of model is installed, and the free space there (each is checked against its own disk). */
  installDirs: z.array(z.object({ kind: z.enum(['huggingface', 'ollama', 'vosk']), path: z.string(), freeDiskBytes: z.number().nullable() })),
});
export type MachineDTO = z.infer<typeof MachineSchema>;

export const RecommendedResultSchema = z.object({
  note: z.string(),
  machine: MachineSchema,
  models: z.array(
    RecommendedEntrySchema.extend({
      fits: z.boolean(),
      /** Why it does not fit (too big), or remarks such as "no GPU: runs on the CPU, slower". */
      reasons: z.array(z.string()),
      /** Already complete on this machine (as `ensure` would find it). */
      installed: z.boolean(),
    }),
  ),
});
export type RecommendedResultDTO = z.infer<typeof RecommendedResultSchema>;

export const recommendedContract = {
  'models.recommended': query(
    'A curated list of embedding, LLM and speech models with approximate size and memory needs, marked fits / too big for this machine',
    z.object({}),
    RecommendedResultSchema,
  ),
};

export const CleanupRevisionSchema = z.object({
  commit: z.string(),
  /** When it was downloaded (our hub table) or, failing that, the snapshot folder's mtime. */
  at: z.string().nullable(),
  /** Why it stays: "among the N most recent", "pinned by registry model X (production)", … */
  reason: z.string().optional(),
  /** Bytes its removal frees: blobs shared with a kept revision are not counted. */
  bytes: z.number().int().nonnegative().optional(),
});

/** One thing cleanup looked at outside the HF cache: a registry version, an Ollama tag or a Vosk folder. */
export const CleanupItemSchema = z.object({
  /** Registry: the version; Ollama: the full tag (`llama3:8b`); Vosk: the folder name. */
  id: z.string(),
  /** Ollama: when it was pulled; Vosk: when its files last changed; registry: when the version was registered. */
  at: z.string().nullable(),
  /** Why it stays, or for a listed Ollama tag why it is only listed. */
  reason: z.string().optional(),
  bytes: z.number().int().nonnegative().optional(),
  location: z.string().optional(),
  /** Registry: the status the version had (it moves to archived). */
  status: z.string().optional(),
});

/** One model (registry), family (Ollama `llama3`, Vosk `vosk-model-small-ru`) and what stays or goes. */
export const CleanupGroupSchema = z.object({
  model: z.string(),
  kept: z.array(CleanupItemSchema),
  /** Registry: archived; Ollama and Vosk: deleted. */
  removed: z.array(CleanupItemSchema),
  /** Ollama tags beyond N of a family no required model names: shown, never deleted by cleanup. */
  listed: z.array(CleanupItemSchema),
  /** Set when the whole group was left alone (a job uses it, the Ollama server is down…). */
  skipped: z.string().nullable(),
});
export type CleanupGroupDTO = z.infer<typeof CleanupGroupSchema>;

export const CLEANUP_SOURCES = ['huggingface', 'registry', 'ollama', 'vosk'] as const;
export const CleanupSourceSchema = z.enum(CLEANUP_SOURCES);
export type CleanupSource = z.infer<typeof CleanupSourceSchema>;

export const CleanupResultSchema = z.object({
  dryRun: z.boolean(),
  keep: z.number().int(),
  sources: z.array(CleanupSourceSchema),
  allOllamaFamilies: z.boolean(),
  repos: z.array(
    z.object({
      repo: z.string(),
      kept: z.array(CleanupRevisionSchema),
      removed: z.array(CleanupRevisionSchema),
      /** Set when the whole repo was left alone (an active download job uses it). */
      skipped: z.string().nullable(),
    }),
  ),
  /** Registry versions beyond N that are not current, production, staging, stamped on chunks or used by a job: archived. */
  registry: z.array(CleanupGroupSchema),
  /** Older tags of an Ollama model family; deleted only for families named in requiredModels, unless allOllamaFamilies. */
  ollama: z.array(CleanupGroupSchema),
  /** Older versions of a Vosk model family (`vosk-model-small-ru-0.4` next to `-0.22`). */
  vosk: z.array(CleanupGroupSchema),
  /** Bytes freed (or that would be) over every source; archiving a registry version frees none. */
  bytesFreed: z.number().int().nonnegative(),
  /** Problems that did not stop the rest (one deletion failed, the Ollama server went away…). */
  warnings: z.array(z.string()),
});
export type CleanupResultDTO = z.infer<typeof CleanupResultSchema>;

export const cleanupContract = {
  'models.cleanup': mutation(
    'Keep the N most recent of each model and remove the rest: HF cache revisions, registry versions (archived), older Ollama tags of required families, older Vosk versions; never what is current, production, pinned or used by a job (dryRun lists them)',
    z.object({
      keep: z.number().int().min(1, 'must keep at least 1 revision').max(100),
      dryRun: z.boolean().default(false),
      /** Which sources to clean; all by default. */
      sources: z.array(CleanupSourceSchema).min(1, 'name at least one source').optional(),
      /** Ollama: older tags of every family go, not only of those requiredModels names (a tag may be another size). */
      allOllamaFamilies: z.boolean().default(false),
    }),
    CleanupResultSchema,
  ),
};
