import type { DetectGroupDTO, DetectResultDTO, DetectSource, DetectedModelDTO } from '../../../shared/contract';
import type { Env } from '../paths';
import { hubCacheRoot, sentenceTransformersRoot, voskRoots } from './detect-roots';
import { exists, uniquePaths } from './fs-walk';
import { scanHfCache } from './hf-cache-scan';
import { detectOllama } from './ollama-detect';
import { scanSentenceTransformers } from './st-legacy-scan';
import { scanVoskRoot } from './vosk-scan';

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

/** Every model already on this machine, grouped by where it was found. Reads only; changes nothing. */
export async function detectModels(env: Env, dataDir: string): Promise<DetectResultDTO> {
  const [ollama, vosk, hf, st] = await Promise.all([
    detectOllama(env),
    group('vosk', voskRoots(env, dataDir), (root) => scanVoskRoot(root)),
    group('huggingface', [hubCacheRoot(env)], scanHfCache),
    group('sentence-transformers', [sentenceTransformersRoot(env)], (root) => scanSentenceTransformers(root)),
  ]);
  return { ollama: ollama.server, groups: [ollama.group, vosk, hf, st], scannedAt: new Date().toISOString() };
}
