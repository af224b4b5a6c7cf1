import path from 'node:path';
import {
  EditableSettingsSchema,
  type EditableSettings,
  type SettingKey,
  type SettingsView,
} from '../../../shared/contract';
import type { Db } from '../db/open-database';
import { defaultHubCache, resolveEnvHubCache, type Env } from '../paths';
import type { SecretStore } from '../secrets/secret-store';

export const HF_TOKEN_SECRET = 'hf_token';

type Source = 'default' | 'stored' | 'env';

function defaults(env: Env): EditableSettings {
  return {
    hubEndpoint: 'https://huggingface.co',
    hubCacheDir: defaultHubCache(env),
    theme: 'system',
    downloadConcurrency: 2,
    mlflowTrackingUri: '',
    requiredModels: [],
    executionProvider: 'cpu',
    inferenceThreads: 0,
    modelIdleUnloadSeconds: 300,
    embeddingCacheMb: 256,
    defaultEmbeddingModel: '',
    upstreamCheckHours: 0,
    voskDirs: [],
  };
}

/** Environment variables that override a stored setting, as the Hugging Face tools honour them. */
function fromEnv(env: Env): Partial<EditableSettings> {
  const out: Partial<EditableSettings> = {};
  const endpoint = env.HF_ENDPOINT?.trim();
  if (endpoint) out.hubEndpoint = endpoint.replace(/\/+$/, '');
  const cache = resolveEnvHubCache(env);
  if (cache) out.hubCacheDir = cache;
  // MLflow's own clients read MLFLOW_TRACKING_URI; honouring it keeps one place to point every tool at a server.
  const mlflow = env.MLFLOW_TRACKING_URI?.trim();
  // Only an http(s) URL is taken: anything else would fail validation on the way out and break settings.get.
  if (mlflow && /^https?:\/\//.test(mlflow)) out.mlflowTrackingUri = mlflow.replace(/\/+$/, '');
  // Kept for scripts written before the setting existed: a path list (`:` or `;` separated) wins over the setting.
  const vosk = voskDirsFromEnv(env);
  if (vosk) out.voskDirs = vosk;
  return out;
}

/** MODEL_CENTER_VOSK_DIRS as absolute folders, or undefined when unset or empty. */
export function voskDirsFromEnv(env: Env): string[] | undefined {
  const dirs = (env.MODEL_CENTER_VOSK_DIRS ?? '')
    .split(path.delimiter)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => path.resolve(p));
  return dirs.length > 0 ? [...new Set(dirs)] : undefined;
}

/** Settings persisted in SQLite, each validated on the way in and on the way out. */
export class SettingsStore {
  constructor(
    private readonly db: Db,
    private readonly env: Env,
    private readonly secrets: SecretStore,
    private readonly dataDir: string,
  ) {}

  private stored(): Partial<EditableSettings> {
    const rows = this.db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[];
    const out: Record<string, unknown> = {};
    const shape = EditableSettingsSchema.shape;
    for (const row of rows) {
      if (!(row.key in shape)) continue;
      try {
        const parsed = shape[row.key as SettingKey].safeParse(JSON.parse(row.value));
        // A value that no longer validates (edited by hand, older app) falls back to the default.
        if (parsed.success) out[row.key] = parsed.data;
      } catch {
        /* unreadable JSON: ignored like an invalid value */
      }
    }
    return out as Partial<EditableSettings>;
  }

  values(): EditableSettings {
    return { ...defaults(this.env), ...this.stored(), ...fromEnv(this.env) };
  }

  view(): SettingsView {
    const stored = this.stored();
    const envValues = fromEnv(this.env);
    const sources: Record<string, Source> = {};
    for (const key of Object.keys(EditableSettingsSchema.shape) as SettingKey[]) {
      sources[key] = key in envValues ? 'env' : key in stored ? 'stored' : 'default';
    }
    const envToken = Boolean(this.env.HF_TOKEN?.trim() || this.env.HUGGING_FACE_HUB_TOKEN?.trim());
    const storedToken = Boolean(this.secrets.get(HF_TOKEN_SECRET));
    return {
      values: this.values(),
      sources,
      dataDir: this.dataDir,
      hfToken: { present: envToken || storedToken, source: envToken ? 'env' : storedToken ? 'stored' : null },
    };
  }

  update(patch: Partial<EditableSettings>): SettingsView {
    const now = new Date().toISOString();
    const put = this.db.prepare(
      'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    );
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(patch)) {
        if (value !== undefined) put.run(key, JSON.stringify(value), now);
      }
    })();
    return this.view();
  }

  reset(keys?: SettingKey[]): SettingsView {
    if (!keys) this.db.prepare('DELETE FROM settings').run();
    else {
      const del = this.db.prepare('DELETE FROM settings WHERE key = ?');
      this.db.transaction(() => keys.forEach((k) => del.run(k)))();
    }
    return this.view();
  }

  /** The token to send to the Hub: the environment's wins, as in huggingface_hub. Never logged. */
  hfToken(): string | undefined {
    return this.env.HF_TOKEN?.trim() || this.env.HUGGING_FACE_HUB_TOKEN?.trim() || this.secrets.get(HF_TOKEN_SECRET);
  }

  setHfToken(token: string): SettingsView {
    this.secrets.set(HF_TOKEN_SECRET, token);
    return this.view();
  }

  clearHfToken(): SettingsView {
    this.secrets.delete(HF_TOKEN_SECRET);
    return this.view();
  }
}
