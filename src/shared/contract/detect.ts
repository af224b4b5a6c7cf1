import { z } from 'zod';
import { mutation, query } from './define';
import { JobSchema } from './jobs';
import { MODEL_NAME_RE, ModelNameSchema, ModelSchema, VersionSchema, VersionTextSchema } from './registry';

/** Where a model on this machine was found. Legacy sentence-transformers folders are listed apart from the HF cache. */
export const DETECT_SOURCES = ['ollama', 'vosk', 'huggingface', 'sentence-transformers'] as const;
export const DetectSourceSchema = z.enum(DETECT_SOURCES);
export type DetectSource = z.infer<typeof DetectSourceSchema>;

export const DetectedRevisionSchema = z.object({
  commit: z.string(),
  refs: z.array(z.string()),
  /** No ref points at it any more: an old snapshot that only takes disk space. */
  detached: z.boolean(),
  sizeBytes: z.number().int().nonnegative(),
  files: z.number().int().nonnegative(),
  lastModified: z.string().nullable(),
});

export const DetectedModelSchema = z.object({
  source: DetectSourceSchema,
  name: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  location: z.string(),
  /** Ollama: manifest digest (the short id `ollama list` shows); HF: the commit `main` points at. */
  revision: z.string().nullable(),
  complete: z.boolean(),
  /** What is missing or left over, in words a person can act on (empty when complete). */
  missing: z.array(z.string()),
  lastUsed: z.string().nullable(),
  /** Source-specific remarks: "server not running", "running (in memory)", "guessed language: ru"… */
  notes: z.array(z.string()),
  language: z.string().nullable(),
  running: z.boolean(),
  revisions: z.array(DetectedRevisionSchema),
  /** The registry model whose source is this one (hub repo, Ollama tag or folder), when one is registered. */
  registryModel: z.string().nullable(),
});
export type DetectedModelDTO = z.infer<typeof DetectedModelSchema>;

export const DetectGroupSchema = z.object({
  source: DetectSourceSchema,
  /** The folders that were looked at, existing or not, so a person sees where nothing was found. */
  roots: z.array(z.object({ path: z.string(), exists: z.boolean() })),
  models: z.array(DetectedModelSchema),
  totalBytes: z.number().int().nonnegative(),
  warnings: z.array(z.string()),
});
export type DetectGroupDTO = z.infer<typeof DetectGroupSchema>;

export const OllamaServerSchema = z.object({
  host: z.string(),
  running: z.boolean(),
  version: z.string().nullable(),
  error: z.string().nullable(),
});

export const DetectResultSchema = z.object({
  ollama: OllamaServerSchema,
  groups: z.array(DetectGroupSchema),
  scannedAt: z.string(),
});
export type DetectResultDTO = z.infer<typeof DetectResultSchema>;

/** An Ollama model name as `ollama pull` accepts it: `llama3`, `llama3:8b`, `user/model:tag`, `host/ns/model:tag`. */
export const OllamaNameSchema = z
  .string()
  .trim()
  .regex(/^[\w.-]+(\/[\w.-]+){0,2}(:[\w.-]+)?$/, 'must be an Ollama model name such as llama3 or llama3:8b');

export const OllamaShowSchema = z.object({
  name: z.string(),
  license: z.string().nullable(),
  modelfile: z.string().nullable(),
  parameters: z.string().nullable(),
  template: z.string().nullable(),
  /** Bytes on disk as the server's list says (null when it does not list the model). */
  sizeBytes: z.number().nullable(),
  /** details.quantization_level, e.g. Q4_K_M. */
  quantization: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  modelInfo: z.record(z.string(), z.unknown()),
  capabilities: z.array(z.string()),
  modifiedAt: z.string().nullable(),
});
export type OllamaShowDTO = z.infer<typeof OllamaShowSchema>;

const OllamaName = z.object({ name: OllamaNameSchema });

/** An absolute folder path (POSIX, `C:\\…` or a UNC share); relative paths would depend on the server's cwd. */
export const AbsolutePathSchema = z
  .string()
  .trim()
  .min(1, 'must be a folder path')
  .max(4096)
  .regex(/^(\/|[A-Za-z]:[\\/]|\\\\)/, 'must be an absolute path');

/** Old sentence-transformers flattened `org/name` into `org_name`; the first `_` is the best guess back. */
export function legacyRepoGuess(folder: string): string {
  const i = folder.indexOf('_');
  return i > 0 ? `${folder.slice(0, i)}/${folder.slice(i + 1)}` : folder;
}

/** `sentence-transformers_All-MiniLM-L6-v2` → `all-minilm-l6-v2`: the registry name adopting a legacy folder proposes. */
export function adoptedName(folder: string): string | null {
  const guess = legacyRepoGuess(folder);
  const slug = (guess.split('/').pop() ?? guess)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 128);
  return MODEL_NAME_RE.test(slug) ? slug : null;
}

export const AdoptLegacyInputSchema = z.object({
  /** A sentence-transformers folder (modules.json + config.json + weights), usually in the legacy cache. */
  path: AbsolutePathSchema,
  /** Registry name; defaults to the model part of the folder name, as a slug (`org_All-MiniLM` → `all-minilm`). */
  name: ModelNameSchema.optional(),
  version: VersionTextSchema.default('1.0.0'),
});

export const AdoptLegacyResultSchema = z.object({
  model: ModelSchema,
  version: VersionSchema,
  /** What was read from the folder and what could not be, in words. */
  messages: z.array(z.string()),
});
export type AdoptLegacyResultDTO = z.infer<typeof AdoptLegacyResultSchema>;

export const DetectDeleteInputSchema = z.object({
  source: DetectSourceSchema,
  /** The name `detect` shows (Ollama tag, Vosk folder, HF repo id, legacy `org/name`). */
  name: z.string().trim().min(1).max(500),
  /** The location `detect` shows; needed when the same name was found in two folders. */
  location: z.string().trim().min(1).max(4096).optional(),
  /** Hugging Face only: delete this snapshot (commit sha) instead of the whole repo. */
  revision: z.string().trim().regex(/^[0-9a-f]{40}$/, 'must be a full commit sha from detect').optional(),
  /** Only say what would go and the bytes freed (what the confirmation dialog shows). */
  dryRun: z.boolean().default(false),
});

export const DetectDeleteResultSchema = z.object({
  source: DetectSourceSchema,
  name: z.string(),
  location: z.string(),
  revision: z.string().nullable(),
  dryRun: z.boolean(),
  /** Bytes the deletion frees (Ollama: blobs no other model shares; HF revision: blobs no other revision shares). */
  bytesFreed: z.number().int().nonnegative(),
  /** What goes, in words: folders, the Ollama model, a snapshot. */
  removes: z.array(z.string()),
});
export type DetectDeleteResultDTO = z.infer<typeof DetectDeleteResultSchema>;

export const detectContract = {
  detect: query('Find models already on this machine: Ollama, Vosk, Hugging Face cache, legacy sentence-transformers', z.object({}), DetectResultSchema),
  'ollama.pull': mutation('Pull an Ollama model through the Ollama server, as a job with progress', OllamaName, JobSchema),
  'ollama.delete': mutation('Delete an Ollama model through the Ollama server', OllamaName, z.object({ deleted: z.string() })),
  'ollama.show': query('Show an Ollama model (size, quantisation, details, parameters, template, license)', OllamaName, OllamaShowSchema),
  'detect.adoptLegacy': mutation(
    'Register a legacy sentence-transformers folder as a registry model (embedding, local, path source) with a first development version',
    AdoptLegacyInputSchema,
    AdoptLegacyResultSchema,
  ),
  'detect.delete': mutation(
    'Delete one detected model from disk (HF repo or revision, Ollama model through the server, Vosk or legacy folder); refused while a job or the registry uses it',
    DetectDeleteInputSchema,
    DetectDeleteResultSchema,
  ),
};
