import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
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

/** Hashes a file as it is being written, from its start up to where the writer says it is complete. */
export interface FollowingHash {
  /** Bytes [0, upTo) of the file are written: hash up to there (calls may only grow `upTo`). */
  advance(upTo: number): void;
  /** The digest once all `size` bytes are hashed; rejects if reading fails. */
  digest(): Promise<string>;
  /** Stops hashing and releases the file (and the worker). */
  close(): void;
}

/**
 * Files at least this big are hashed on a worker thread: sha256 takes ~1 ms of CPU per MiB, as much as receiving
 * and writing the bytes, so on the transfer's thread it halves the speed. Smaller files are not worth a thread.
 */
export const HASH_WORKER_MIN_BYTES = 16 * 1024 * 1024;

// Plain CommonJS evaluated in the worker, so it needs no separate bundle entry under electron-vite, tsx or vitest.
// It reads back what the transfer wrote (from the page cache) rather than receiving the bytes, which keeps the
// transfer's memory its own and lets one hash follow several ranged connections writing the same file.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const { file, algorithm, size } = workerData;
const hash = algorithm === 'sha256' ? createHash('sha256') : createHash('sha1').update('blob ' + size + '\\0');
const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
let fd = -1;
let pos = 0;
let finished = false;
parentPort.on('message', (upTo) => {
  if (finished) return;
  try {
    if (fd < 0) fd = fs.openSync(file, 'r');
    while (pos < upTo) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, upTo - pos), pos);
      if (n === 0) throw new Error('the file ended at ' + pos + ' bytes, before the ' + upTo + ' written');
      hash.update(buf.subarray(0, n));
      pos += n;
    }
    if (pos === size) {
      finished = true;
      fs.closeSync(fd);
      parentPort.postMessage({ digest: hash.digest('hex') });
    }
  } catch (err) {
    finished = true;
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
});
`;

type WorkerReply = { digest: string } | { error: string };

/** Follows the file on a worker thread (large files) or on this thread with async reads (small ones). */
export function followFileHash(file: string, algorithm: HashAlgorithm, size: number): FollowingHash {
  return size >= HASH_WORKER_MIN_BYTES ? workerHash(file, algorithm, size) : inThreadHash(file, algorithm, size);
}

function workerHash(file: string, algorithm: HashAlgorithm, size: number): FollowingHash {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, algorithm, size } });
  // A hash in progress must not keep the process alive on its own (a cancelled transfer closes it anyway).
  worker.unref();
  let sent = 0;
  const result = new Promise<string>((resolve, reject) => {
    worker.once('message', (m: WorkerReply) => ('digest' in m ? resolve(m.digest) : reject(new Error(`hashing ${file}: ${m.error}`))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the hash worker for ${file} exited (${code})`)));
  });
  // Closing before the digest is read is normal (cancel, retry from scratch): nobody awaits it then.
  result.catch(() => undefined);
  return {
    advance(upTo) {
      if (upTo <= sent) return;
      sent = upTo;
      worker.postMessage(upTo);
    },
    digest: () => result,
    close: () => void worker.terminate(),
  };
}

function inThreadHash(file: string, algorithm: HashAlgorithm, size: number): FollowingHash {
  const hash = createContentHash(algorithm, size);
  let target = 0;
  let pos = 0;
  let closed = false;
  let running: Promise<void> | undefined;
  let settle: { resolve(d: string): void; reject(e: unknown): void } | undefined;
  const result = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  result.catch(() => undefined);
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    settle!.resolve(hash.digest('hex'));
  };
  const pump = async (): Promise<void> => {
    const fh = await fs.promises.open(file, 'r');
    try {
      const buf = Buffer.allocUnsafe(Math.min(1024 * 1024, Math.max(1, size)));
      while (pos < target && !closed) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, target - pos), pos);
        if (bytesRead === 0) throw new Error(`${file} ended at ${pos} bytes, before the ${target} written`);
        hash.update(buf.subarray(0, bytesRead));
        pos += bytesRead;
      }
    } finally {
      await fh.close();
    }
  };
  const kick = (): void => {
    if (running || closed) return;
    running = pump()
      .then(() => {
        running = undefined;
        if (pos === size) finish();
        else if (pos < target) kick();
      })
      .catch((err: unknown) => {
        closed = true;
        settle!.reject(err);
      });
  };
  return {
    advance(upTo) {
      if (upTo <= target) return;
      target = upTo;
      kick();
    },
    digest: () => {
      // An empty file has nothing to follow.
      if (size === 0) finish();
      return result;
    },
    close: () => {
      closed = true;
    },
  };
}
