import fs from 'node:fs';
import { hashFile } from './file-hash';
import { blobFile, fileSize, type RepoCache } from './hf-cache';
import type { RemoteFile } from './hub-client';
import { partialBytes, removePartialFiles } from './resumable-transfer';

export interface DamagedBlob {
  file: RemoteFile;
  actual: string;
}

export interface RecheckProgress {
  file: RemoteFile;
  bytesDone: number;
  bytesTotal: number;
}

/**
 * Hashes blobs that are already in the cache with the right size but that this download did not verify (an
 * earlier run, huggingface_hub, a disk that rotted): a damaged one and any partial files beside it are deleted so
 * the download fetches it again. A blob two paths share is hashed once. Resolves with the files whose blob was
 * damaged.
 */
async function recheckBlobs(
  cache: RepoCache,
  files: RemoteFile[],
  signal: AbortSignal,
  onProgress: (p: RecheckProgress) => void,
): Promise<DamagedBlob[]> {
  const byBlob = new Map<string, RemoteFile[]>();
  for (const f of files) byBlob.set(f.blob, [...(byBlob.get(f.blob) ?? []), f]);
  const bytesTotal = [...byBlob.values()].reduce((s, [f]) => s + f!.size, 0);
  let before = 0;
  const damaged: DamagedBlob[] = [];
  for (const [blob, sharing] of byBlob) {
    const first = sharing[0]!;
    const dest = blobFile(cache, blob);
    const actual = await hashFile(dest, first.algorithm, signal, (n) => onProgress({ file: first, bytesDone: before + n, bytesTotal }));
    before += first.size;
    if (actual === blob) continue;
    await fs.promises.rm(dest, { force: true });
    await removePartialFiles(dest);
    for (const f of sharing) damaged.push({ file: f, actual });
  }
  return damaged;
}

export interface CachedFiles {
  /** Files whose blob was in the cache and hashed right: nothing to fetch. */
  intact: RemoteFile[];
  /** Files whose blob was in the cache with the right size but the wrong bytes: deleted, to be fetched again. */
  damaged: DamagedBlob[];
  /** Bytes still to fetch, the damaged files' included and the partial files' excluded. */
  remaining: number;
}

/** Sorts the files of a download not yet verified (`done`) by what the cache holds of them. */
export async function sortCachedFiles(
  cache: RepoCache,
  files: RemoteFile[],
  done: ReadonlySet<string>,
  signal: AbortSignal,
  onProgress: (p: RecheckProgress) => void,
): Promise<CachedFiles> {
  const sized: RemoteFile[] = [];
  let remaining = 0;
  for (const f of files) {
    if (done.has(f.path)) continue;
    if ((await fileSize(blobFile(cache, f.blob))) === f.size) sized.push(f);
    else remaining += f.size - (await partialBytes(blobFile(cache, f.blob), f.size));
  }
  const damaged = await recheckBlobs(cache, sized, signal, onProgress);
  const bad = new Set(damaged.map((d) => d.file.path));
  remaining += damaged.reduce((s, d) => s + d.file.size, 0);
  return { intact: sized.filter((f) => !bad.has(f.path)), damaged, remaining };
}
