import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import type { HashAlgorithm } from './hub-client';

/** A running hash of a file's content as the Hub names it: sha256, or git's blob id over a known size. */
export function createContentHash(algorithm: HashAlgorithm, size: number): Hash {
  return algorithm === 'sha256' ? createHash('sha256') : createHash('sha1').update(`blob ${size}\0`);
}

/** sha256 of the content (LFS files), or the git blob id sha1("blob <len>\0" + content) (regular files). */
export async function hashFile(file: string, algorithm: HashAlgorithm, signal?: AbortSignal): Promise<string> {
  const size = (await fs.promises.stat(file)).size;
  const h = createContentHash(algorithm, size);
  const stream = fs.createReadStream(file, { highWaterMark: 1024 * 1024, signal });
  for await (const chunk of stream) h.update(chunk as Buffer);
  return h.digest('hex');
}

export function algorithmOf(blob: string): HashAlgorithm {
  return blob.length === 64 ? 'sha256' : 'git-sha1';
}
