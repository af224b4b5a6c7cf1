import fs from 'node:fs';
import path from 'node:path';
import { listSnapshotFiles, snapshotDir, snapshotFile, type RepoCache } from '../hub/hf-cache';

/** The cache layout of a repo folder found on disk (any repo type: models--, datasets--, spaces--). */
export function cacheAt(repoFolder: string): RepoCache {
  return { root: repoFolder, blobs: path.join(repoFolder, 'blobs'), snapshots: path.join(repoFolder, 'snapshots'), refs: path.join(repoFolder, 'refs') };
}

/** Blob names a snapshot's links point to. */
export async function revisionBlobs(cache: RepoCache, commit: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const rel of await listSnapshotFiles(snapshotDir(cache, commit))) {
    const target = await fs.promises.readlink(snapshotFile(cache, commit, rel)).catch(() => undefined);
    if (target) out.add(path.basename(target));
  }
  return out;
}

/**
 * Bytes each removed revision frees: its blobs that no kept revision links to, each blob counted once (for
 * the first removed revision that has it). Revisions of one repo share blobs whenever a file did not change.
 */
export async function bytesOnlyIn(cache: RepoCache, removed: string[], kept: string[]): Promise<Map<string, number>> {
  const keptBlobs = new Set<string>();
  for (const k of kept) for (const b of await revisionBlobs(cache, k)) keptBlobs.add(b);
  const counted = new Set<string>();
  const out = new Map<string, number>();
  for (const r of removed) {
    let bytes = 0;
    for (const b of await revisionBlobs(cache, r)) {
      if (keptBlobs.has(b) || counted.has(b)) continue;
      counted.add(b);
      bytes += await fs.promises.stat(path.join(cache.blobs, b)).then((s) => s.size, () => 0);
    }
    out.set(r, bytes);
  }
  return out;
}
