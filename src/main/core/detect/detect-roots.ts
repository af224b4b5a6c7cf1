import os from 'node:os';
import path from 'node:path';
import { defaultHubCache, resolveEnvHubCache, type Env } from '../paths';

/** Home as the caller's environment says (tests point HOME at a temp dir), else the OS account's. */
export function homeDir(env: Env): string {
  return env.HOME?.trim() || os.homedir();
}

/** Ollama's store: OLLAMA_MODELS, else ~/.ollama/models, plus the Linux service account's store when it exists. */
export function ollamaStoreRoots(env: Env): string[] {
  const fromEnv = env.OLLAMA_MODELS?.trim();
  if (fromEnv) return [path.resolve(fromEnv)];
  const roots = [path.join(homeDir(env), '.ollama', 'models')];
  // The official Linux installer runs `ollama serve` as the `ollama` user, whose store lives here. A HOME pointed
  // elsewhere than the account's own (tests, sandboxes) asks for that home's stores only.
  if (process.platform === 'linux' && path.resolve(homeDir(env)) === path.resolve(os.homedir())) roots.push('/usr/share/ollama/.ollama/models');
  return roots;
}

/** Where Vosk models usually live, after the configured folders (setting voskDirs, or MODEL_CENTER_VOSK_DIRS). */
export function voskRoots(configured: string[], env: Env, dataDir: string): string[] {
  const home = homeDir(env);
  // vosk-api's Python package downloads to ~/.cache/vosk; many guides unpack into ~/vosk-models or ./models.
  return [...configured.map((p) => path.resolve(p)), path.join(dataDir, 'vosk'), path.join(home, '.cache', 'vosk'), path.join(home, 'vosk-models')];
}

export function hubCacheRoot(env: Env): string {
  return resolveEnvHubCache(env) ?? defaultHubCache(env);
}

/** sentence-transformers < 2.3 kept its own cache: SENTENCE_TRANSFORMERS_HOME, else $TORCH_HOME/sentence_transformers. */
export function sentenceTransformersRoot(env: Env): string {
  const fromEnv = env.SENTENCE_TRANSFORMERS_HOME?.trim();
  if (fromEnv) return path.resolve(fromEnv);
  const torchHome = env.TORCH_HOME?.trim() || path.join(env.XDG_CACHE_HOME?.trim() || path.join(homeDir(env), '.cache'), 'torch');
  return path.join(path.resolve(torchHome), 'sentence_transformers');
}

/** OLLAMA_HOST as the Ollama CLI reads it: scheme and port optional (default http, 11434). */
export function ollamaHost(env: Env): string {
  const raw = env.OLLAMA_HOST?.trim() || '127.0.0.1:11434';
  const withScheme = /^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`;
  try {
    const u = new URL(withScheme);
    // 0.0.0.0 means "listen everywhere" on the server side; a client reaches it on loopback.
    if (u.hostname === '0.0.0.0') u.hostname = '127.0.0.1';
    if (!u.port && !/:\d+$/.test(raw.replace(/\/+$/, ''))) u.port = u.protocol === 'https:' ? '443' : '11434';
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return withScheme;
  }
}
