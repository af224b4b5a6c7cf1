import type { DetectGroupDTO, DetectResultDTO, DetectSource, DetectedModelDTO } from '../../../shared/contract';
import type { CoreServices } from '../core-services';
import type { Env } from '../paths';
import { ollamaStoreRoots, sentenceTransformersRoot, voskRoots } from './detect-roots';
import { exists, uniquePaths } from './fs-walk';
import { scanHfCache } from './hf-cache-scan';
import { detectOllama } from './ollama-detect';
import { linkRegistry, registrySources } from './registry-links';
import { scanSentenceTransformers } from './st-legacy-scan';
import { scanVoskRoot } from './vosk-scan';

/** What detection needs to know: the environment plus the settings that name folders. */
export interface DetectConfig {
  env: Env;
  dataDir: string;
  /** Setting voskDirs (MODEL_CENTER_VOSK_DIRS wins over it, resolved by the settings store). */
  voskDirs: string[];
  /** Setting hubCacheDir (HF_HUB_CACHE / HF_HOME win over it), so detect, downloads and cleanup agree on one cache. */
  hubCacheDir: string;
}

export function detectConfig(core: Pick<CoreServices, 'env' | 'dataDir' | 'settings'>): DetectConfig {
  const s = core.settings.values();
  return { env: core.env, dataDir: core.dataDir, voskDirs: s.voskDirs, hubCacheDir: s.hubCacheDir };
}

/** The folders looked at for one source, in the order they are searched (first wins for a name found twice). */
export function rootsFor(config: DetectConfig, source: DetectSource): string[] {
  if (source === 'ollama') return uniquePaths(ollamaStoreRoots(config.env));
  if (source === 'vosk') return uniquePaths(voskRoots(config.voskDirs, config.env, config.dataDir));
  if (source === 'huggingface') return uniquePaths([config.hubCacheDir]);
  return uniquePaths([sentenceTransformersRoot(config.env)]);
}

async function group(source: DetectSource, roots: string[], scan: (root: string, warnings: string[]) => Promise<DetectedModelDTO[]>): Promise<DetectGroupDTO> {
  const warnings: string[] = [];
  const models: DetectedModelDTO[] = [];
  const seen = new Set<string>();
  const rootInfo = [];
  for (const root of uniquePaths(roots)) {
    rootInfo.push({ path: root, exists: await exists(root) });
    try {
      for (const m of await scan(root, warnings)) {
        if (seen.has(m.location)) continue;
        seen.add(m.location);
        models.push(m);
      }
    } catch (err) {
      // One unreadable root must not hide what the others hold.
      warnings.push(`Could not scan ${root}: ${(err as Error).message}`);
    }
  }
  return { source, roots: rootInfo, models, totalBytes: models.reduce((s, m) => s + m.sizeBytes, 0), warnings };
}

/** The folder-based sources, one at a time (delete and cleanup need only the one they act on). */
export function detectFolders(config: DetectConfig, source: Exclude<DetectSource, 'ollama'>): Promise<DetectGroupDTO> {
  const roots = rootsFor(config, source);
  if (source === 'vosk') return group('vosk', roots, (root) => scanVoskRoot(root));
  if (source === 'huggingface') return group('huggingface', roots, scanHfCache);
  return group('sentence-transformers', roots, (root) => scanSentenceTransformers(root));
}

/**
 * Every model already on this machine, grouped by where it was found. Reads only; changes nothing. With the
 * registry's database, each model found is linked to the registry model whose source it is.
 */
export async function detectModels(config: DetectConfig, registry?: Parameters<typeof registrySources>[0]): Promise<DetectResultDTO> {
  const [ollama, vosk, hf, st] = await Promise.all([
    detectOllama(config.env),
    detectFolders(config, 'vosk'),
    detectFolders(config, 'huggingface'),
    detectFolders(config, 'sentence-transformers'),
  ]);
  const groups = [ollama.group, vosk, hf, st];
  if (registry) linkRegistry(groups, registrySources(registry));
  return { ollama: ollama.server, groups, scannedAt: new Date().toISOString() };
}
