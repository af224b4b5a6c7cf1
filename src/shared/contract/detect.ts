import { z } from 'zod';
import { mutation, query } from './define';
import { JobSchema } from './jobs';

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
  details: z.record(z.string(), z.unknown()),
  modelInfo: z.record(z.string(), z.unknown()),
  capabilities: z.array(z.string()),
  modifiedAt: z.string().nullable(),
});
export type OllamaShowDTO = z.infer<typeof OllamaShowSchema>;

const OllamaName = z.object({ name: OllamaNameSchema });

export const detectContract = {
  detect: query('Find models already on this machine: Ollama, Vosk, Hugging Face cache, legacy sentence-transformers', z.object({}), DetectResultSchema),
  'ollama.pull': mutation('Pull an Ollama model through the Ollama server, as a job with progress', OllamaName, JobSchema),
  'ollama.delete': mutation('Delete an Ollama model through the Ollama server', OllamaName, z.object({ deleted: z.string() })),
  'ollama.show': query('Show an Ollama model (details, parameters, template, license)', OllamaName, OllamaShowSchema),
  'vosk.install': mutation(
    'Download a Vosk model zip and unpack it safely into the data folder, as a job',
    z.object({ url: z.string().trim().url('must be the URL of a Vosk model zip') }),
    JobSchema,
  ),
  'vosk.recommended': query(
    'Official small Vosk models to start with',
    z.object({}),
    z.array(z.object({ name: z.string(), language: z.string(), sizeMB: z.number(), url: z.string() })),
  ),
};
