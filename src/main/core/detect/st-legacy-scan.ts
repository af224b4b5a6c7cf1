import fs from 'node:fs/promises';
import path from 'node:path';
import { legacyRepoGuess, type DetectedModelDTO } from '../../../shared/contract';
import { dirSize, exists, isDir, lastReadAt, listDirs } from './fs-walk';

export const LEGACY_WEIGHTS = ['model.safetensors', 'pytorch_model.bin', 'onnx/model.onnx', 'model.onnx', 'tf_model.h5'];


async function stVersion(dir: string): Promise<string | null> {
  try {
    const raw = JSON.parse(await fs.readFile(path.join(dir, 'config_sentence_transformers.json'), 'utf8')) as { __version__?: { sentence_transformers?: unknown } };
    const v = raw.__version__?.sentence_transformers;
    return typeof v === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** Folders of the pre-2.3 sentence-transformers cache: each a model saved whole, not in the hub layout. */
export async function scanSentenceTransformers(root: string): Promise<DetectedModelDTO[]> {
  if (!(await isDir(root))) return [];
  const out: DetectedModelDTO[] = [];
  for (const folder of await listDirs(root)) {
    const dir = path.join(root, folder);
    const hasModules = await exists(path.join(dir, 'modules.json'));
    const hasConfig = await exists(path.join(dir, 'config.json'));
    if (!hasModules && !hasConfig) continue;
    const missing: string[] = [];
    if (!hasModules) missing.push('modules.json (pooling and normalisation unknown)');
    if (!hasConfig) missing.push('config.json');
    let hasWeights = false;
    for (const w of LEGACY_WEIGHTS) if (await exists(path.join(dir, w))) hasWeights = true;
    if (!hasWeights) missing.push(`weights (${LEGACY_WEIGHTS.join(' or ')})`);
    const { bytes, newestMtime } = await dirSize(dir);
    const version = await stVersion(dir);
    out.push({
      source: 'sentence-transformers',
      name: legacyRepoGuess(folder),
      sizeBytes: bytes,
      location: dir,
      revision: null,
      complete: missing.length === 0,
      missing,
      lastUsed: await lastReadAt(LEGACY_WEIGHTS.map((w) => path.join(dir, w))),
      notes: [
        'legacy sentence-transformers cache (pre-2.3), not the hub layout',
        ...(version ? [`saved by sentence-transformers ${version}`] : []),
        ...(newestMtime ? [`files last changed ${newestMtime.toISOString()}`] : []),
      ],
      language: null,
      running: false,
      revisions: [],
      registryModel: null,
    });
  }
  return out;
}
