import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AppError } from '../../../shared/errors';
import { createContentHash, hashFile } from './file-hash';
import { authHint, type HashAlgorithm } from './hub-client';
import { abortableSleep } from '../jobs/abortable-sleep';

export interface TransferOptions {
  url: string;
  /** Sent on every request (Authorization); fetch drops it on a redirect to another origin. */
  headers: Record<string, string>;
  /** The final blob path; bytes go to `<dest>.incomplete` until verified. */
  dest: string;
  size: number;
  algorithm: HashAlgorithm;
  expected: string;
  /** Names the file and repo in errors. */
  label: string;
  repo: string;
  hubUrl: string;
  signal: AbortSignal;
  /** Bytes of this file on disk so far (may go down when a server ignores Range and the file restarts). */
  onProgress(bytes: number): void;
  fetch?: typeof fetch;
  retries?: number;
  backoffMs?: number;
  /** An attempt with no bytes for this long is abandoned and retried. */
  stallMs?: number;
}

class RetryableError extends Error {}


async function sizeOf(file: string): Promise<number> {
  try {
    return (await fs.promises.stat(file)).size;
  } catch {
    return 0;
  }
}

/** One request: appends to the partial file from `have` (Range) or rewrites it when the server sends it whole. */
async function attempt(o: TransferOptions, incomplete: string, have: number): Promise<string> {
  const stall = new AbortController();
  const signal = AbortSignal.any([o.signal, stall.signal]);
  const stallMs = o.stallMs ?? 30_000;
  // One watchdog per attempt rather than a timer re-armed per chunk (tens of thousands a second on loopback).
  let lastData = Date.now();
  const stallTimer = setInterval(() => {
    if (Date.now() - lastData >= stallMs) stall.abort(new RetryableError(`no data for ${stallMs} ms`));
  }, Math.min(1000, stallMs / 2));
  try {
    const res = await (o.fetch ?? fetch)(o.url, {
      headers: { ...o.headers, ...(have > 0 ? { Range: `bytes=${have}-` } : {}) },
      redirect: 'follow',
      signal,
    });
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new AppError('HUB_AUTH', `${o.repo} refused the download of ${o.label} (HTTP ${res.status}): the model is gated or private.`, {
        hint: authHint(o.repo, o.hubUrl),
      });
    }
    if (res.status === 404) {
      await res.body?.cancel();
      throw new AppError('HUB_NOT_FOUND', `The Hub has no ${o.label} in ${o.repo} (HTTP 404).`);
    }
    if (res.status === 416) {
      // Our partial file does not fit the server's: start it over.
      await res.body?.cancel();
      await fs.promises.rm(incomplete, { force: true });
      o.onProgress(0);
      throw new RetryableError('range not satisfiable; restarting the file');
    }
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      await res.body?.cancel();
      throw new RetryableError(`HTTP ${res.status}`);
    }
    if (res.status !== 200 && res.status !== 206) {
      await res.body?.cancel();
      throw new AppError('HUB_UNAVAILABLE', `The Hub answered HTTP ${res.status} for ${o.label} of ${o.repo}.`);
    }
    let offset = 0;
    if (res.status === 206) {
      const m = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
      offset = m ? Number(m[1]) : have;
      if (offset !== have) {
        await res.body?.cancel();
        await fs.promises.rm(incomplete, { force: true });
        o.onProgress(0);
        throw new RetryableError(`server resumed at ${offset}, not ${have}`);
      }
    }
    if (!res.body) throw new RetryableError('empty body');
    let done = offset;
    o.onProgress(done);
    // Hash while the bytes stream by (the prefix of a resumed file first), so verifying needs no second read.
    const hash = createContentHash(o.algorithm, o.size);
    if (offset > 0) {
      for await (const chunk of fs.createReadStream(incomplete, { end: offset - 1, highWaterMark: 1024 * 1024, signal })) hash.update(chunk as Buffer);
    }
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        lastData = Date.now();
        hash.update(chunk);
        done += chunk.length;
        if (done > o.size) return cb(new AppError('INTEGRITY', `${o.label} of ${o.repo} is larger than the ${o.size} bytes the Hub listed.`));
        o.onProgress(done);
        cb(null, chunk);
      },
    });
    await pipeline(
      Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>),
      counter,
      fs.createWriteStream(incomplete, { flags: offset > 0 ? 'a' : 'w' }),
      { signal },
    );
    if (done < o.size) throw new RetryableError(`connection closed at ${done} of ${o.size} bytes`);
    return hash.digest('hex');
  } finally {
    clearInterval(stallTimer);
  }
}

/**
 * Fetches one file into `<dest>.incomplete`, resuming with Range after a dropped connection or a pause,
 * retrying timeouts, network errors and 5xx with backoff, then verifies the checksum the Hub listed and only
 * then renames it into place. A mismatch deletes the partial file and fails naming both hashes.
 */
export async function transferFile(o: TransferOptions): Promise<void> {
  const existing = await fs.promises.stat(o.dest).catch(() => undefined);
  if (existing?.size === o.size) {
    o.onProgress(o.size);
    return;
  }
  await fs.promises.mkdir(path.dirname(o.dest), { recursive: true });
  const incomplete = `${o.dest}.incomplete`;
  const retries = o.retries ?? 5;
  const backoff = o.backoffMs ?? 500;
  let streamed: string | undefined;
  for (let failures = 0; ; ) {
    o.signal.throwIfAborted();
    let have = await sizeOf(incomplete);
    if (have > o.size) {
      await fs.promises.rm(incomplete, { force: true });
      have = 0;
    }
    o.onProgress(have);
    if (have === o.size) break;
    try {
      streamed = await attempt(o, incomplete, have);
      break;
    } catch (err) {
      if (o.signal.aborted) throw o.signal.reason;
      if (err instanceof AppError) throw err;
      failures++;
      const why = err instanceof Error ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}` : String(err);
      if (failures > retries) {
        throw new AppError('HUB_UNAVAILABLE', `Downloading ${o.label} of ${o.repo} failed after ${retries} retries: ${why}.`, {
          hint: 'The partial file is kept; run the download again (or resume the job) to continue where it stopped.',
        });
      }
      await abortableSleep(Math.min(backoff * 2 ** (failures - 1), 30_000), o.signal);
    }
  }
  // A file already complete on disk (left by an earlier run) was not streamed: hash it from disk.
  const actual = streamed ?? (await hashFile(incomplete, o.algorithm, o.signal));
  if (actual !== o.expected) {
    await fs.promises.rm(incomplete, { force: true });
    o.onProgress(0);
    throw new AppError(
      'INTEGRITY',
      `${o.label} of ${o.repo} failed verification: expected ${o.algorithm} ${o.expected}, got ${actual}. The downloaded bytes were deleted.`,
      { hint: 'Run the download again; if it fails the same way, the Hub or mirror at HF_ENDPOINT serves damaged files.' },
    );
  }
  await fs.promises.rename(incomplete, o.dest);
}
