import fs from 'node:fs';
import path from 'node:path';
import { HttpClient } from './http-get';
import { transferSegmented, type SegmentState } from './segmented-transfer';
import { transferSingle } from './single-stream-transfer';
import { RangesUnsupported, sizeOf, SplitIntoSegments } from './transfer-attempt';
import { DEFAULT_SEGMENTS, segmentBytesFor, type TransferOptions } from './transfer-options';

export { DEFAULT_SEGMENTS, type SegmentOptions, type TransferOptions } from './transfer-options';

/**
 * Fetches one file into a partial file, resuming with Range after a dropped connection or a pause, retrying
 * timeouts, network errors and 5xx with backoff, then verifies the checksum the Hub listed (if any) and only then renames
 * it into place. A mismatch deletes the partial file and fails naming both hashes. Large files go over several
 * ranged connections at once.
 */
export async function transferFile(o: TransferOptions): Promise<void> {
  const existing = await fs.promises.stat(o.dest).catch(() => undefined);
  if (existing?.size === o.size) {
    o.onProgress(o.size);
    return;
  }
  await fs.promises.mkdir(path.dirname(o.dest), { recursive: true });
  const seg = o.segments ?? DEFAULT_SEGMENTS;
  const client = new HttpClient();
  try {
    // A segmented partial file from an earlier run continues as segments whatever the settings say now.
    const resumeSegments = await fs.promises.stat(`${o.dest}.parts.json`).then(() => true, () => false);
    const splittable = o.size >= seg.minFileBytes && seg.connections > 1 && o.size > segmentBytesFor(o.size, seg);
    if (!resumeSegments && !(splittable && !seg.adaptive)) {
      try {
        // Adaptive: one stream first, split into segments only if it proves slow.
        await transferSingle(o, client, splittable ? seg : undefined);
        return;
      } catch (err) {
        if (!(err instanceof SplitIntoSegments)) throw err;
      }
    }
    try {
      await transferSegmented(o, seg, client);
      return;
    } catch (err) {
      if (!(err instanceof RangesUnsupported)) throw err;
      // The server sends only whole files: what the segments hold cannot be continued by one stream.
      await fs.promises.rm(`${o.dest}.parts.incomplete`, { force: true });
      await fs.promises.rm(`${o.dest}.parts.json`, { force: true });
    }
    await transferSingle(o, client);
  } finally {
    client.close();
  }
}

/** The partial files a transfer to `dest` keeps between runs (one stream's, or the segments' and their checkpoint). */
export function partialFilesOf(dest: string): string[] {
  return [`${dest}.incomplete`, `${dest}.parts.incomplete`, `${dest}.parts.json`, `${dest}.parts.json.tmp`];
}

/** Deletes the files (those that exist); resolves with the bytes freed. */
export async function removeFiles(files: string[]): Promise<number> {
  let freed = 0;
  for (const f of files) {
    freed += await sizeOf(f);
    await fs.promises.rm(f, { force: true });
  }
  return freed;
}

/** Deletes the partial files of a transfer to `dest`; resolves with the bytes freed. */
export function removePartialFiles(dest: string): Promise<number> {
  return removeFiles(partialFilesOf(dest));
}

/** Bytes of a file already on disk in its partial file(s): what a resumed download will not fetch again. */
export async function partialBytes(dest: string, size: number): Promise<number> {
  try {
    const st = JSON.parse(await fs.promises.readFile(`${dest}.parts.json`, 'utf8')) as Partial<SegmentState>;
    if (st.size === size && Array.isArray(st.have)) return Math.min(size, st.have.reduce((a: number, b) => a + (Number(b) || 0), 0));
  } catch {
    // Not segmented.
  }
  return Math.min(await sizeOf(`${dest}.incomplete`), size);
}
