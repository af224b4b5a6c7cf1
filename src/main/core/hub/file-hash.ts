import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { HashAlgorithm } from './hub-client';

/** A running hash of a file's content as the Hub names it: sha256, or git's blob id over a known size. */
export function createContentHash(algorithm: HashAlgorithm, size: number): Hash {
  return algorithm === 'sha256' ? createHash('sha256') : createHash('sha1').update(`blob ${size}\0`);
}

/** sha256 of the content (LFS files), or the git blob id sha1("blob <len>\0" + content) (regular files). */
export async function hashFile(file: string, algorithm: HashAlgorithm, signal?: AbortSignal, onBytes?: (hashed: number) => void): Promise<string> {
  const size = (await fs.promises.stat(file)).size;
  const h = createContentHash(algorithm, size);
  const stream = fs.createReadStream(file, { highWaterMark: 1024 * 1024, signal });
  let hashed = 0;
  for await (const chunk of stream) {
    h.update(chunk as Buffer);
    hashed += (chunk as Buffer).length;
    onBytes?.(hashed);
  }
  return h.digest('hex');
}

export function algorithmOf(blob: string): HashAlgorithm {
  return blob.length === 64 ? 'sha256' : 'git-sha1';
}

/**
 * Hashes a file as it is being written, in order from its start. Bytes offered just before they are written at
 * the hash's frontier are hashed from memory; anything else is read back from the file once it is written.
 */
export interface FollowingHash {
  /** Bytes [0, upTo) of the file are written: hash up to there (calls may only grow `upTo`). */
  advance(upTo: number): void;
  /**
   * Bytes about to be written at `position`: hashed from memory if they continue what is hashed (else they are
   * read back later). A promise means the memory is in use until it settles.
   */
  offer(bytes: Uint8Array, position: number): Promise<void> | undefined;
  /** Offered memory must be shared (SharedArrayBuffer) to be hashed from memory. */
  readonly wantsShared: boolean;
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
// Messages, in file order: { upTo } — read the file back up to there; { mem, offset, length } — hash these
// bytes of shared memory next, then say so with { freed } so the slab can be reused.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const { file, algorithm, size } = workerData;
const hash = algorithm === 'sha256' ? createHash('sha256') : createHash('sha1').update('blob ' + size + '\\0');
let buf;
let fd = -1;
let pos = 0;
let finished = false;
parentPort.on('message', (m) => {
  if (finished) return;
  try {
    if (m.mem) {
      hash.update(new Uint8Array(m.mem, m.offset, m.length));
      pos += m.length;
      parentPort.postMessage({ freed: true });
    } else {
      if (fd < 0) fd = fs.openSync(file, 'r');
      buf = buf || Buffer.allocUnsafe(4 * 1024 * 1024);
      while (pos < m.upTo) {
        const n = fs.readSync(fd, buf, 0, Math.min(buf.length, m.upTo - pos), pos);
        if (n === 0) throw new Error('the file ended at ' + pos + ' bytes, before the ' + m.upTo + ' written');
        hash.update(buf.subarray(0, n));
        pos += n;
      }
    }
    if (pos === size) {
      finished = true;
      if (fd >= 0) fs.closeSync(fd);
      parentPort.postMessage({ digest: hash.digest('hex') });
    }
  } catch (err) {
    finished = true;
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
});
`;

type WorkerReply = { digest: string } | { error: string } | { freed: true };

/** For a file no one publishes a digest of (a Vosk zip): nothing to compute, so nothing is hashed. */
export function skipFileHash(): FollowingHash {
  return { wantsShared: false, advance: () => undefined, offer: () => undefined, digest: () => Promise.resolve(''), close: () => undefined };
}

/** Follows the file on a worker thread (large files) or on this thread (small ones). */
export function followFileHash(file: string, algorithm: HashAlgorithm, size: number): FollowingHash {
  return size >= HASH_WORKER_MIN_BYTES ? workerHash(file, algorithm, size) : inThreadHash(file, algorithm, size);
}

function workerHash(file: string, algorithm: HashAlgorithm, size: number): FollowingHash {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, algorithm, size } });
  // A hash in progress must not keep the process alive on its own (a cancelled transfer closes it anyway).
  worker.unref();
  /** Where the worker's hash will stand once it has done what it was sent. */
  let sent = 0;
  /** Offered slabs in the order sent; the worker frees them in that order. */
  const freeing: Array<() => void> = [];
  let settle: { resolve(d: string): void; reject(e: unknown): void } | undefined;
  const result = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  // Closing before the digest is read is normal (cancel, retry from scratch): nobody awaits it then.
  result.catch(() => undefined);
  const stop = (err: unknown): void => {
    settle!.reject(err);
    for (const free of freeing.splice(0)) free();
  };
  worker.on('message', (m: WorkerReply) => {
    if ('freed' in m) freeing.shift()?.();
    else if ('digest' in m) settle!.resolve(m.digest);
    else stop(new Error(`hashing ${file}: ${m.error}`));
  });
  worker.once('error', stop);
  worker.once('exit', (code) => stop(new Error(`the hash worker for ${file} exited (${code})`)));
  return {
    wantsShared: true,
    advance(upTo) {
      if (upTo <= sent) return;
      sent = upTo;
      worker.postMessage({ upTo });
    },
    offer(bytes, position) {
      if (position !== sent || !(bytes.buffer instanceof SharedArrayBuffer)) return undefined;
      sent += bytes.length;
      worker.postMessage({ mem: bytes.buffer, offset: bytes.byteOffset, length: bytes.length });
      return new Promise<void>((resolve) => freeing.push(resolve));
    },
    digest: () => result,
    close: () => void worker.terminate(),
  };
}

function inThreadHash(file: string, algorithm: HashAlgorithm, size: number): FollowingHash {
  const hash = createContentHash(algorithm, size);
  /** Hashed so far, and how far the file is known to be written. */
  let pos = 0;
  let target = 0;
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
    wantsShared: false,
    advance(upTo) {
      if (upTo <= target) return;
      target = upTo;
      kick();
    },
    offer(bytes, position) {
      // Only when nothing is waiting to be read back: the bytes then continue the hash exactly.
      if (running || closed || position !== pos || pos !== target) return undefined;
      hash.update(bytes);
      pos += bytes.length;
      target = pos;
      if (pos === size) finish();
      return undefined;
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
