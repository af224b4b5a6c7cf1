import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { InventoryTool } from '../../../shared/contract';
import type { CoreServices } from '../core-services';
import { detectConfig, rootsFor } from '../detect/detect-models';
import { homeDir } from '../detect/detect-roots';
import { uniquePaths } from '../detect/fs-walk';
import type { Env } from '../paths';

async function readText(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return null;
  }
}

async function isDirectory(p: string): Promise<boolean> {
  return fs.stat(p).then((s) => s.isDirectory(), () => false);
}

function pathList(value: string | undefined): string[] {
  return (value ?? '')
    .split(path.delimiter)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => path.resolve(p));
}

/**
 * LM Studio's home folder, found as its own CLI finds it (`findLMStudioHome` in lmstudio-js): the path written in
 * `~/.lmstudio-home-pointer`, else `~/.cache/lm-studio` when it exists (releases before 0.3), else `~/.lmstudio`.
 */
export async function lmStudioHome(env: Env): Promise<string> {
  const home = homeDir(env);
  const pointer = (await readText(path.join(home, '.lmstudio-home-pointer')))?.trim();
  if (pointer) return path.resolve(pointer);
  const legacy = path.join(home, '.cache', 'lm-studio');
  if (await isDirectory(legacy)) return legacy;
  return path.join(home, '.lmstudio');
}

const LmStudioSettings = z.object({ downloadsFolder: z.string().min(1).optional() });

/**
 * LM Studio's models folders. `LMSTUDIO_MODELS_DIR` (a path list; Model Center's own variable, LM Studio reads no
 * environment variable for this) replaces the rest. Otherwise: the "Models Directory" chosen in LM Studio
 * (`downloadsFolder` in `<home>/settings.json`), else `<home>/models`, plus `~/.lmstudio/models` and the pre-0.3
 * `~/.cache/lm-studio/models` when they exist (an upgrade leaves the old folder behind).
 */
export async function lmStudioModelRoots(env: Env): Promise<string[]> {
  const configured = pathList(env.LMSTUDIO_MODELS_DIR);
  if (configured.length) return uniquePaths(configured);
  const lmHome = await lmStudioHome(env);
  let models = path.join(lmHome, 'models');
  const raw = await readText(path.join(lmHome, 'settings.json'));
  if (raw) {
    try {
      const s = LmStudioSettings.safeParse(JSON.parse(raw));
      if (s.success && s.data.downloadsFolder) models = path.resolve(s.data.downloadsFolder);
    } catch {
      // A settings file LM Studio is writing right now, or not JSON: keep the default.
    }
  }
  const home = homeDir(env);
  return uniquePaths([models, path.join(home, '.lmstudio', 'models'), path.join(home, '.cache', 'lm-studio', 'models')]);
}

/** The per-user data folder Rust's `dirs::data_dir()` gives, which Jan builds its paths on. */
function platformDataDir(env: Env, platform: NodeJS.Platform): string {
  const home = homeDir(env);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support');
  if (platform === 'win32') return env.APPDATA?.trim() || path.join(home, 'AppData', 'Roaming');
  return env.XDG_DATA_HOME?.trim() || path.join(home, '.local', 'share');
}

const JanSettings = z.object({ data_folder: z.string().min(1) });

/**
 * Jan's data folders, resolved as Jan does (`resolve_jan_data_folder` in janhq/jan, src-tauri/src/core/app/commands.rs):
 * `JAN_DATA_FOLDER`, else `data_folder` in Jan's `settings.json` (`<data dir>/Jan/`, or the older `<data dir>/jan.ai.app/`
 * and, on Linux, `~/.config/Jan/`), else `<data dir>/Jan/data`, where the data dir is `~/.local/share` (or
 * `$XDG_DATA_HOME`) on Linux, `~/Library/Application Support` on macOS and `%APPDATA%` on Windows. The default folder
 * is scanned too when the setting moved the data elsewhere: Jan copies the data on a move and leaves the old copy.
 */
export async function janDataFolders(env: Env, platform: NodeJS.Platform = process.platform): Promise<string[]> {
  const fromEnv = env.JAN_DATA_FOLDER?.trim();
  if (fromEnv) return [path.resolve(fromEnv)];
  const base = platformDataDir(env, platform);
  const candidates = [path.join(base, 'Jan', 'settings.json'), path.join(base, 'jan.ai.app', 'settings.json')];
  if (platform === 'linux') candidates.push(path.join(env.XDG_CONFIG_HOME?.trim() || path.join(homeDir(env), '.config'), 'Jan', 'settings.json'));
  const folders: string[] = [];
  for (const file of candidates) {
    const raw = await readText(file);
    if (!raw) continue;
    try {
      const s = JanSettings.safeParse(JSON.parse(raw));
      if (s.success) {
        folders.push(path.resolve(s.data.data_folder));
        break;
      }
    } catch {
      // Not JSON: Jan itself falls back to the default then.
    }
  }
  folders.push(path.join(base, 'Jan', 'data'));
  return uniquePaths(folders);
}

/**
 * The folders scanned for each tool, in the order they are read: `detect`'s folders for the four sources it knows
 * (so both agree, settings included), LM Studio's and Jan's as those apps resolve them.
 */
export async function inventoryRoots(core: Pick<CoreServices, 'env' | 'dataDir' | 'settings'>, platform: NodeJS.Platform = process.platform): Promise<Record<InventoryTool, string[]>> {
  const config = detectConfig(core);
  return {
    huggingface: rootsFor(config, 'huggingface'),
    'sentence-transformers': rootsFor(config, 'sentence-transformers'),
    ollama: rootsFor(config, 'ollama'),
    vosk: rootsFor(config, 'vosk'),
    lmstudio: await lmStudioModelRoots(core.env),
    jan: (await janDataFolders(core.env, platform)).map((d) => path.join(d, 'llamacpp', 'models')),
  };
}
