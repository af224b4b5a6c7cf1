import fs from 'node:fs/promises';
import path from 'node:path';
import { scanCacheDir } from '@huggingface/hub';
import type { DetectedModelDTO } from '../../../shared/contract';
import { isDir } from './fs-walk';

/** Partial downloads left in `blobs/` (`<etag>.incomplete`): disk used by nothing usable. */
async function incompleteBlobs(repoPath: string): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  try {
    for (const name of await fs.readdir(path.join(repoPath, 'blobs'))) {
      if (!name.endsWith('.incomplete')) continue;
      count++;
      try {
        bytes += (await fs.stat(path.join(repoPath, 'blobs', name))).size;
      } catch {
        // Finished or removed while we looked.
      }
    }
  } catch {
    // No blobs folder: nothing partial.
  }
  return { count, bytes };
}

/** Repos in a Hugging Face hub cache, read by @huggingface/hub's own scanner so we agree with `hf cache scan`. */
export async function scanHfCache(root: string, warnings: string[]): Promise<DetectedModelDTO[]> {
  if (!(await isDir(root))) return [];
  const info = await scanCacheDir(root);
  for (const w of info.warnings) warnings.push(w.message);
  const out: DetectedModelDTO[] = [];
  for (const repo of info.repos) {
    const partial = await incompleteBlobs(repo.path);
    const revisions = repo.revisions
      .map((r) => ({
        commit: r.commitOid,
        refs: [...r.refs].sort(),
        detached: r.refs.length === 0,
        sizeBytes: r.size,
        files: r.files.length,
        lastModified: r.lastModifiedAt.toISOString(),
      }))
      .sort((a, b) => (b.lastModified ?? '').localeCompare(a.lastModified ?? ''));
    const main = revisions.find((r) => r.refs.includes('main')) ?? revisions.find((r) => !r.detached) ?? revisions[0];
    const missing: string[] = [];
    if (revisions.length === 0) missing.push('no snapshot: nothing downloaded yet');
    if (partial.count > 0) missing.push(`${partial.count} partial download(s) in blobs/ (.incomplete, ${partial.bytes} bytes)`);
    const detached = revisions.filter((r) => r.detached).length;
    const prefix = repo.id.type === 'model' ? '' : `${repo.id.type}s/`;
    out.push({
      source: 'huggingface',
      name: `${prefix}${repo.id.name}`,
      sizeBytes: repo.size + partial.bytes,
      location: repo.path,
      revision: main?.commit ?? null,
      complete: missing.length === 0,
      missing,
      lastUsed: repo.lastAccessedAt.toISOString(),
      notes: [
        `${revisions.length} revision(s)`,
        ...(detached > 0 ? [`${detached} detached revision(s) no ref points at (safe to clean up)`] : []),
      ],
      language: null,
      running: false,
      revisions,
      registryModel: null,
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
