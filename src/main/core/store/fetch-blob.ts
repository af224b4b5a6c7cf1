import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../../shared/errors';
import { abortableSleep } from '../jobs/abortable-sleep';
import type { ObjectStore } from './object-store';

export interface FetchBlobOptions {
  store: ObjectStore;
  key: string;
  /** Verified bytes end up here; they collect in `<dest>.incomplete` until then. */
  dest: string;
  size: number;
  sha256: string;
  /** The cache's blob name when it is a git blob id, checked too. */
  gitBlob?: string;
  label: string;
  signal: AbortSignal;
  /** Bytes of this blob on disk so far. */
  onProgress(bytes: number): void;
  retries?: number;
  backoffMs?: number;
}

async function hashPrefix(file: string, end: number, sha: ReturnType<typeof createHash>, git: ReturnType<typeof createHash> | undefined, signal: AbortSignal): Promise<void> {
  if (end <= 0) return;
  for await (const chunk of fs.createReadStream(file, { end: end - 1, highWaterMark: 1024 * 1024, signal })) {
    sha.update(chunk as Buffer);
    git?.update(chunk as Buffer);
  }
}

/**
 * Downloads one blob from the store into `<dest>.incomplete`, continuing a partial file with a Range request
 * (after a dropped connection, a pause or a crash), retrying with backoff; verifies sha256 (and the git blob
 * id) before renaming it to `dest`. A mismatch deletes the bytes and fails naming the file and both hashes.
 */
export async function fetchBlob(o: FetchBlobOptions): Promise<void> {
  const incomplete = `${o.dest}.incomplete`;
  const retries = o.retries ?? 5;
  for (let failures = 0; ; ) {
    o.signal.throwIfAborted();
    let have = await fs.promises.stat(incomplete).then((s) => s.size, () => 0);
    if (have > o.size) {
      await fs.promises.rm(incomplete, { force: true });
      have = 0;
    }
    o.onProgress(have);
    const sha = createHash('sha256');
    const git = o.gitBlob ? createHash('sha1').update(`blob ${o.size}\0`) : undefined;
    try {
      await hashPrefix(incomplete, have, sha, git, o.signal);
      let done = have;
      if (have < o.size) {
        const got = await o.store.getFrom(o.key, have, o.signal);
        if (got.size !== o.size) throw new AppError('INTEGRITY', `${o.label} is ${got.size} bytes in the store, the manifest says ${o.size}.`, { hint: 'Publish the model again.' });
        if (got.start !== have) {
          // The server ignored the Range: start the file over.
          got.stream.destroy();
          await fs.promises.rm(incomplete, { force: true });
          throw new Error(`the store resumed at ${got.start}, not ${have}`);
        }
        await pipeline(
          got.stream,
          new Transform({
            transform(chunk: Buffer, _e, cb) {
              done += chunk.length;
              if (done > o.size) return cb(new AppError('INTEGRITY', `${o.label} is larger in the store than the ${o.size} bytes listed.`));
              sha.update(chunk);
              git?.update(chunk);
              o.onProgress(done);
              cb(null, chunk);
            },
          }),
          fs.createWriteStream(incomplete, { flags: have > 0 ? 'a' : 'w' }),
          { signal: o.signal },
        );
      }
      if (done < o.size) throw new Error(`connection closed at ${done} of ${o.size} bytes`);
      const actual = sha.digest('hex');
      const gitActual = git?.digest('hex');
      if (actual !== o.sha256 || (o.gitBlob && gitActual !== o.gitBlob)) {
        await fs.promises.rm(incomplete, { force: true });
        throw new AppError('INTEGRITY', `${o.label} from the store failed verification: expected sha256 ${o.sha256}, got ${actual}. The downloaded bytes were deleted.`, {
          hint: 'The object in the store is damaged: publish the model again from a machine with a good copy.',
        });
      }
      await fs.promises.rename(incomplete, o.dest);
      return;
    } catch (err) {
      if (o.signal.aborted) throw o.signal.reason;
      if (err instanceof AppError && err.code !== 'STORE_UNAVAILABLE') throw err;
      failures++;
      if (failures > retries) {
        throw new AppError('STORE_UNAVAILABLE', `Downloading ${o.label} from the store failed after ${retries} retries: ${(err as Error).message}.`, {
          hint: 'The partial file is kept; pull again (or resume the job) to continue where it stopped.',
        });
      }
      await abortableSleep(Math.min((o.backoffMs ?? 300) * 2 ** (failures - 1), 10_000), o.signal);
    }
  }
}
