import { z } from 'zod';
import { mutation, query } from './define';
import { AbsolutePathSchema } from './detect';
import { RequiredModelsSchema } from './ensure';
import { ExecutionProviderSchema, InferenceModelRefSchema, InferenceStatusSchema } from './inference';
import { JOB_STATES } from './jobs';
import { MlflowStatusSchema } from './registry';

export const THEMES = ['system', 'light', 'dark'] as const;

/** Settings a person can edit. Each key is validated here, at the edge, before it reaches SQLite. */
export const EditableSettingsSchema = z.object({
  hubEndpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  hubCacheDir: z.string().trim().min(1, 'must be a folder path'),
  theme: z.enum(THEMES),
  downloadConcurrency: z.number().int().min(1).max(16),
  /** MLflow tracking server for automatic logging; '' means off (MLflow is optional, the registry never needs it). */
  mlflowTrackingUri: z.union([z.literal(''), z.url({ protocol: /^https?$/, error: "must be an http(s) URL such as http://localhost:5000, or '' for off" })]),
  /** Models this machine must have (`model-center ensure`): ollama:<name>, vosk:<url|name>, hf:<org/name>[@rev]. */
  requiredModels: RequiredModelsSchema,
  /** Where inference runs: `cpu` (default, predictable), a GPU provider, or `auto` (GPU when one works, else CPU). */
  executionProvider: ExecutionProviderSchema,
  /** Intra-op threads per session; 0 = the number of physical cores. */
  inferenceThreads: z.number().int().min(0).max(256),
  /** A session unused this long is unloaded to give its memory back. */
  modelIdleUnloadSeconds: z.number().int().min(5).max(86_400),
  /** Size cap of the embedding cache; least recently used vectors go first. 0 turns the cache off. */
  embeddingCacheMb: z.number().int().min(0).max(1_000_000),
  /** Used by `embed` when no model is named ('' = none: the caller must name one). */
  defaultEmbeddingModel: z.union([z.literal(''), InferenceModelRefSchema]),
  /** Check downloaded models against their upstream branch every N hours in the app and `serve`; 0 = off. */
  upstreamCheckHours: z.number().int().min(0).max(24 * 30),
  /** Extra folders searched for Vosk models (MODEL_CENTER_VOSK_DIRS, a path list, wins over this). */
  voskDirs: z.array(AbsolutePathSchema).max(50),
});
export type EditableSettings = z.infer<typeof EditableSettingsSchema>;
export type SettingKey = keyof EditableSettings;

export const SettingSourceSchema = z.enum(['default', 'stored', 'env']);

export const SettingsViewSchema = z.object({
  values: EditableSettingsSchema,
  /** Where each value comes from: an environment variable wins over what is stored, which wins over the default. */
  sources: z.record(z.string(), SettingSourceSchema),
  dataDir: z.string(),
  hfToken: z.object({ present: z.boolean(), source: z.enum(['env', 'stored']).nullable() }),
});
export type SettingsView = z.infer<typeof SettingsViewSchema>;

export const StatusSchema = z.object({
  app: z.object({ name: z.string(), version: z.string() }),
  dataDir: z.string(),
  dbPath: z.string(),
  schema: z.record(z.string(), z.number().int()),
  jobs: z.record(z.enum(JOB_STATES), z.number().int()),
  settings: SettingsViewSchema,
  runtime: z.object({
    node: z.string(),
    electron: z.string().nullable(),
    platform: z.string(),
    arch: z.string(),
    pid: z.number().int(),
    surface: z.enum(['electron', 'server', 'cli', 'test']),
  }),
  offline: z.boolean(),
  /** Automatic MLflow logging: off, or the last outcome recorded for the configured server. */
  mlflow: MlflowStatusSchema,
  /** Execution provider (and any fallback), loaded sessions, lanes and embedding-cache hits. */
  inference: InferenceStatusSchema,
});
export type StatusDTO = z.infer<typeof StatusSchema>;

export const systemContract = {
  'system.status': query('Data dir, schema versions, app version, jobs summary and settings', z.object({}), StatusSchema),
  'settings.get': query('Current settings with where each value comes from', z.object({}), SettingsViewSchema),
  'settings.update': mutation(
    'Change one or more settings; unknown keys are refused',
    EditableSettingsSchema.partial().strict(),
    SettingsViewSchema,
  ),
  'settings.reset': mutation(
    'Return settings to their defaults (all, or the keys named)',
    z.object({ keys: z.array(EditableSettingsSchema.keyof()).optional() }),
    SettingsViewSchema,
  ),
  'settings.setHfToken': mutation(
    'Store a Hugging Face access token (never logged, never returned)',
    z.object({ token: z.string().trim().regex(/^hf_[A-Za-z0-9]{8,}$/, 'must look like hf_… (an access token from huggingface.co/settings/tokens)') }),
    SettingsViewSchema,
  ),
  'settings.clearHfToken': mutation('Forget the stored Hugging Face token', z.object({}), SettingsViewSchema),
};
