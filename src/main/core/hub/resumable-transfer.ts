import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { followFileHash, type FollowingHash } from './file-hash';
import { httpGet, type HttpResponse } from './http-get';
import { SlabFileWriter } from './slab-file-writer';
import { authHint, type HashAlgorithm } from './hub-client';
import { abortableSleep } from '../jobs/abortable-sleep';

export interface TransferOptions {
  url: string;
  /** Sent on every request (Authorization); dropped on a redirect to another origin. */
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

/** Parses `Content-Range: bytes a-b/total`. */
function contentRange(v: string | undefined): { start: number; total: number | undefined } | undefined {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(v?.trim() ?? '');
  return m ? { start: Number(m[1]), total: m[2] === '*' ? undefined : Number(m[2]) } : undefined;
}

/** Maps an answer that carries no file bytes to the error it means; returns for 200 and 206. */
function checkStatus(o: TransferOptions, res: HttpResponse): void {
  const s = res.status;
  if (s === 200 || s === 206) return;
  res.close();
  if (s === 401 || s === 403) {
    throw new AppError('HUB_AUTH', `${o.repo} refused the download of ${o.label} (HTTP ${s}): the model is gated or private.`, {
      hint: authHint(o.repo, o.hubUrl),
    });
  }
  if (s === 404) throw new AppError('HUB_NOT_FOUND', `The Hub has no ${o.label} in ${o.repo} (HTTP 404).`);
  if (s === 416) throw new RangeRestart('range not satisfiable; restarting the file');
  if (s >= 500 || s === 429 || s === 408) throw new RetryableError(`HTTP ${s}`);
  throw new AppError('HUB_UNAVAILABLE', `The Hub answered HTTP ${s} for ${o.label} of ${o.repo}.`);
}

/** The partial file does not fit what the server has: start the file over. */
class RangeRestart extends RetryableError {}

/** The hash following the partial file; replaced whenever the file starts over. */
interface HashSlot {
  hash: FollowingHash | undefined;
}

/**
 * One request: continues the partial file from `have` (Range), or rewrites it when the server sends it whole.
 * Bytes go from the socket into slabs written at their offsets; the hash follows the written prefix.
 */
async function attempt(o: TransferOptions, incomplete: string, have: number, slot: HashSlot): Promise<void> {
  const stall = new AbortController();
  const signal = AbortSignal.any([o.signal, stall.signal]);
  const stallMs = o.stallMs ?? 30_000;
  // One watchdog per attempt rather than a timer re-armed per read (thousands a second on loopback).
  let lastData = Date.now();
  const stallTimer = setInterval(() => {
    if (Date.now() - lastData >= stallMs) stall.abort(new RetryableError(`no data for ${stallMs} ms`));
  }, Math.min(1000, stallMs / 2));
  let fh: fs.promises.FileHandle | undefined;
  let writer: SlabFileWriter | undefined;
  try {
    const res = await httpGet(new URL(o.url), { headers: { ...o.headers, ...(have > 0 ? { Range: `bytes=${have}-` } : {}) }, signal });
    checkStatus(o, res);
    let offset = 0;
    if (res.status === 206) {
      const range = contentRange(res.headers.get('content-range'));
      offset = range?.start ?? have;
      if (offset !== have) {
        res.close();
        throw new RangeRestart(`server resumed at ${offset}, not ${have}`);
      }
    }
    if (res.length >= 0 && offset + res.length > o.size) {
      res.close();
      throw new AppError('INTEGRITY', `${o.label} of ${o.repo} is larger than the ${o.size} bytes the Hub listed.`);
    }
    if (offset === 0) {
      // A whole file (first attempt, or a server that ignored Range): the hash starts over with it.
      slot.hash?.close();
      slot.hash = undefined;
    }
    fh = await fs.promises.open(incomplete, offset > 0 ? 'r+' : 'w');
    slot.hash ??= followFileHash(incomplete, o.algorithm, o.size);
    const hash = slot.hash;
    let received = offset;
    o.onProgress(received);
    const w = new SlabFileWriter({
      fd: fh.fd,
      position: offset,
      onWritten: (end) => hash.advance(end),
      onDrain: () => res.resume(),
      onError: (err) => res.close(err),
    });
    writer = w;
    await res.readBody({
      space: () => w.space(),
      commit: (n) => {
        lastData = Date.now();
        received += n;
        o.onProgress(received);
        return w.commit(n);
      },
    });
    await w.finish();
    if (received < o.size) throw new RetryableError(`connection closed at ${received} of ${o.size} bytes`);
  } catch (err) {
    // A cancel or stall surfaces as the signal's reason; anything else is the request's own failure.
    throw signal.aborted && !o.signal.aborted ? stall.signal.reason : err;
  } finally {
    clearInterval(stallTimer);
    // Bytes already received are good: write them out (and wait for writes in flight) before the file closes.
    await writer?.finish().catch(() => undefined);
    await fh?.close();
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
  const slot: HashSlot = { hash: undefined };
  try {
    for (let failures = 0; ; ) {
      o.signal.throwIfAborted();
      let have = await sizeOf(incomplete);
      if (have > o.size) {
        await fs.promises.rm(incomplete, { force: true });
        have = 0;
      }
      o.onProgress(have);
      if (have === o.size) {
        // Complete on disk (left by an earlier run, or the last attempt ended exactly at the end).
        slot.hash ??= followFileHash(incomplete, o.algorithm, o.size);
        slot.hash.advance(o.size);
        break;
      }
      try {
        await attempt(o, incomplete, have, slot);
        break;
      } catch (err) {
        if (o.signal.aborted) throw o.signal.reason;
        if (err instanceof AppError) throw err;
        if (err instanceof RangeRestart) {
          slot.hash?.close();
          slot.hash = undefined;
          await fs.promises.rm(incomplete, { force: true });
          o.onProgress(0);
        }
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
    const actual = await abortable(slot.hash!.digest(), o.signal);
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
  } finally {
    slot.hash?.close();
  }
}

/** Waits for `p`, or rejects with the signal's reason as soon as it aborts. */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
