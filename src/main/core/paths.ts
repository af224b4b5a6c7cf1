import os from 'node:os';
import path from 'node:path';

export type Env = Record<string, string | undefined>;

/** The data dir: `$MODEL_CENTER_HOME`, else the caller's default (Electron's userData), else ~/.model-center. */
export function resolveDataDir(env: Env, fallback?: string): string {
  const fromEnv = env.MODEL_CENTER_HOME?.trim();
  if (fromEnv) return path.resolve(fromEnv);
  return fallback ?? path.join(os.homedir(), '.model-center');
}

/** The Hugging Face hub cache as huggingface_hub resolves it: HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub. */
export function resolveEnvHubCache(env: Env): string | undefined {
  if (env.HF_HUB_CACHE?.trim()) return path.resolve(env.HF_HUB_CACHE.trim());
  if (env.HF_HOME?.trim()) return path.join(path.resolve(env.HF_HOME.trim()), 'hub');
  return undefined;
}

export function defaultHubCache(env: Env): string {
  const xdg = env.XDG_CACHE_HOME?.trim();
  return path.join(xdg ? path.resolve(xdg) : path.join(os.homedir(), '.cache'), 'huggingface', 'hub');
}

export function isOffline(env: Env): boolean {
  const v = env.HF_HUB_OFFLINE?.trim().toLowerCase();
  return v === '1' || v === 'true' || v === 'yes' || v === 'on';
}
