import { StoreConfigInputSchema, type StoreConfigDTO } from '../../../shared/contract';
import type { z } from 'zod';
import { AppError } from '../../../shared/errors';
import type { Db } from '../db/open-database';
import type { Env } from '../paths';
import type { SecretStore } from '../secrets/secret-store';

/** Kept in the settings table under its own key (the settings domain ignores keys it does not know). */
const SETTINGS_KEY = 'store.s3';
export const S3_ACCESS_KEY_SECRET = 's3_access_key_id';
export const S3_SECRET_KEY_SECRET = 's3_secret_access_key';

interface StoreSettings {
  endpoint: string;
  bucket: string;
  region: string;
  prefix: string;
  forcePathStyle: boolean;
}

const DEFAULTS: StoreSettings = { endpoint: '', bucket: '', region: 'us-east-1', prefix: '', forcePathStyle: true };

/** Everything a client needs, keys included: for the S3 client only, never returned or logged. */
export interface ResolvedStore extends StoreSettings {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Seed 001's variables (S3_ENDPOINT, MODELS_BUCKET, S3_ACCESS_KEY, S3_SECRET_KEY) win over what is stored, like HF_ENDPOINT does. */
function fromEnv(env: Env): Partial<StoreSettings> {
  const out: Partial<StoreSettings> = {};
  const endpoint = env.S3_ENDPOINT?.trim();
  if (endpoint && /^https?:\/\//.test(endpoint)) out.endpoint = endpoint.replace(/\/+$/, '');
  const bucket = (env.MODELS_BUCKET ?? env.S3_BUCKET)?.trim();
  if (bucket) out.bucket = bucket;
  const region = env.S3_REGION?.trim();
  if (region) out.region = region;
  return out;
}

function envKeys(env: Env): { accessKeyId: string; secretAccessKey: string } | undefined {
  const accessKeyId = env.S3_ACCESS_KEY?.trim();
  const secretAccessKey = env.S3_SECRET_KEY?.trim();
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
}

/** The S3-compatible model store's settings: plain values in SQLite, keys in the secret store. */
export class StoreConfig {
  constructor(
    private readonly db: Db,
    private readonly env: Env,
    private readonly secrets: SecretStore,
  ) {}

  private stored(): Partial<StoreSettings> {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(SETTINGS_KEY) as { value: string } | undefined;
    if (!row) return {};
    try {
      const parsed = StoreConfigInputSchema.pick({ endpoint: true, bucket: true, region: true, prefix: true, forcePathStyle: true }).safeParse(JSON.parse(row.value));
      return parsed.success ? (Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) as Partial<StoreSettings>) : {};
    } catch {
      return {};
    }
  }

  private values(): StoreSettings {
    return { ...DEFAULTS, ...this.stored(), ...fromEnv(this.env) };
  }

  private keys(): { accessKeyId: string; secretAccessKey: string; source: 'env' | 'stored' } | undefined {
    const env = envKeys(this.env);
    if (env) return { ...env, source: 'env' };
    const accessKeyId = this.secrets.get(S3_ACCESS_KEY_SECRET);
    const secretAccessKey = this.secrets.get(S3_SECRET_KEY_SECRET);
    return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, source: 'stored' } : undefined;
  }

  view(): StoreConfigDTO {
    const values = this.values();
    const stored = this.stored();
    const env = fromEnv(this.env);
    const keys = this.keys();
    const sources = Object.fromEntries(
      (Object.keys(DEFAULTS) as (keyof StoreSettings)[]).map((k) => [k, k in env ? 'env' : k in stored ? 'stored' : 'default'] as const),
    );
    return { ...values, configured: Boolean(values.bucket && keys), keys: { present: Boolean(keys), source: keys?.source ?? null }, sources };
  }

  update(input: z.infer<typeof StoreConfigInputSchema>): StoreConfigDTO {
    const { accessKeyId, secretAccessKey, clearKeys, ...plain } = input;
    if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
      throw new AppError('INVALID_INPUT', 'Give both the access key id and the secret access key.', {
        issues: [{ path: accessKeyId === undefined ? 'accessKeyId' : 'secretAccessKey', message: 'required with the other key' }],
      });
    }
    const next = { ...this.stored(), ...Object.fromEntries(Object.entries(plain).filter(([, v]) => v !== undefined)) };
    if (typeof next.prefix === 'string') next.prefix = next.prefix.replace(/^\/+|\/+$/g, '');
    this.db
      .prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
      .run(SETTINGS_KEY, JSON.stringify(next), new Date().toISOString());
    if (clearKeys) {
      this.secrets.delete(S3_ACCESS_KEY_SECRET);
      this.secrets.delete(S3_SECRET_KEY_SECRET);
    }
    if (accessKeyId && secretAccessKey) {
      this.secrets.set(S3_ACCESS_KEY_SECRET, accessKeyId);
      this.secrets.set(S3_SECRET_KEY_SECRET, secretAccessKey);
    }
    return this.view();
  }

  /** The settings with the keys, or STORE_NOT_CONFIGURED saying what is missing. */
  resolve(): ResolvedStore {
    const values = this.values();
    const keys = this.keys();
    if (!values.bucket || !keys) {
      const missing = [!values.bucket && 'a bucket', !keys && 'access keys'].filter(Boolean).join(' and ');
      throw new AppError('STORE_NOT_CONFIGURED', `The model store is not set up yet: it needs ${missing}.`, {
        hint: 'Set them with `model-center store configure --endpoint URL --bucket NAME --access-key-id ID --secret-access-key KEY` (or S3_ENDPOINT, MODELS_BUCKET, S3_ACCESS_KEY, S3_SECRET_KEY), or on the Models page.',
      });
    }
    return { ...values, accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey };
  }
}
