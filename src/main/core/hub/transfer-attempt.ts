import fs from 'node:fs';
import { AppError } from '../../../shared/errors';
import { abortableSleep } from '../jobs/abortable-sleep';
import { followFileHash, skipFileHash, type FollowingHash } from './file-hash';
import type { HttpResponse } from './http-get';
import { authHint } from './hub-client';
import { SlabFileWriter, type WriteQueue } from './slab-file-writer';
import type { TransferOptions } from './transfer-options';

// What every transfer of a file shares, whether one stream or segments: the errors that decide retry or
// restart, one attempt's watchdog, the body streamed into slabs, retries with backoff, and verify-then-rename.

export class RetryableError extends Error {}


/** The partial file does not fit what the server has: start the file over. */
export class RangeRestart extends RetryableError {}

/** The server answered a Range request with the whole file: segments are impossible, one stream it is. */
export class RangesUnsupported extends Error {}

/** One stream proved slow: what it wrote becomes the first segments' bytes, and segments fetch the rest. */
export class SplitIntoSegments extends Error {}

export async function sizeOf(file: string): Promise<number> {
  try {
    return (await fs.promises.stat(file)).size;
  } catch {
    return 0;
  }
}

/** Parses `Content-Range: bytes a-b/total`. */
export function contentRange(v: string | undefined): { start: number; total: number | undefined } | undefined {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(v?.trim() ?? '');
  return m ? { start: Number(m[1]), total: m[2] === '*' ? undefined : Number(m[2]) } : undefined;
}

/**
 * Maps an answer that carries no file bytes to the error it means; returns for 200 and 206. `viaCdnUrl`: the
 * request went straight to a URL a redirect gave earlier, whose signature may have expired since — a 401/403
 * there is retried from the Hub URL rather than reported as a gated repo.
 */
export function checkStatus(o: TransferOptions, res: HttpResponse, viaCdnUrl = false): void {
  const s = res.status;
  if (s === 200 || s === 206) return;
  res.close();
  if ((s === 401 || s === 403) && viaCdnUrl) throw new RetryableError(`HTTP ${s} from the CDN`);
  if (s === 416) throw new RangeRestart('range not satisfiable; restarting the file');
  if (s >= 500 || s === 429 || s === 408) throw new RetryableError(`HTTP ${s}`);
  if (o.plainUrl) {
    // Not a Hub repo: no token or licence to point at, only the URL.
    if (s === 404 || s === 410) throw new AppError('NOT_FOUND', `There is no longer a file at ${o.url} (HTTP ${s}).`, { hint: 'Check the URL: the file may have moved.' });
    throw new AppError('DOWNLOAD_FAILED', `${o.url} answered HTTP ${s} instead of the file.`, { hint: 'Check the URL, or download the file by hand.' });
  }
  if (s === 401 || s === 403) {
    throw new AppError('HUB_AUTH', `${o.repo} refused the download of ${o.label} (HTTP ${s}): the model is gated or private.`, {
      hint: authHint(o.repo, o.hubUrl),
    });
  }
  if (s === 404) throw new AppError('HUB_NOT_FOUND', `The Hub has no ${o.label} in ${o.repo} (HTTP 404).`);
  throw new AppError('HUB_UNAVAILABLE', `The Hub answered HTTP ${s} for ${o.label} of ${o.repo}.`);
}

/** The hash that verifies `file` as it is written: none where no digest is expected. */
export function hashFor(o: TransferOptions, file: string): FollowingHash {
  return o.expected === undefined ? skipFileHash() : followFileHash(file, o.algorithm, o.size);
}

export function tooLarge(o: TransferOptions, bytes: number): AppError {
  return new AppError('INTEGRITY', `${o.label} of ${o.repo} is ${bytes} bytes on the server, larger than the ${o.size} bytes announced for it (the file list or the server's Content-Length).`);
}

/** Aborts an attempt that receives nothing for `stallMs`, and lets the attempt's requests be cut at once. */
export class Attempt {
  readonly controller = new AbortController();
  readonly signal: AbortSignal;
  lastData = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(o: TransferOptions) {
    this.signal = AbortSignal.any([o.signal, this.controller.signal]);
    const stallMs = o.stallMs ?? 30_000;
    // One watchdog per attempt rather than a timer re-armed per read (thousands a second on loopback).
    this.timer = setInterval(() => {
      if (Date.now() - this.lastData >= stallMs) this.abort(new RetryableError(`no data for ${stallMs} ms`));
    }, Math.min(1000, stallMs / 2));
  }

  abort(reason: unknown): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** The error to report: the user's cancel, the watchdog's or another request's reason, else the error itself. */
  reason(err: unknown): unknown {
    if (this.signal.aborted) return this.signal.reason;
    return err;
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/**
 * Streams a response body into `fd` from `position`: socket reads land in slabs written at their offsets, so the
 * body is neither copied nor written in small pieces. Resolves with the bytes received once all are written; the
 * received bytes are written even when the connection fails (they are good), before the error is passed on.
 */
export async function streamBody(
  res: HttpResponse,
  fd: number,
  position: number,
  attempt: Attempt,
  onReceived: (n: number) => void,
  onWritten: (end: number) => void,
  queue: WriteQueue,
  hash: FollowingHash,
  pool?: Buffer[],
): Promise<number> {
  const w = new SlabFileWriter({
    fd,
    position,
    onWritten,
    onDrain: () => res.resume(),
    onError: (err) => res.close(err),
    // Slabs at the hash's frontier are hashed from memory, sparing the hash a read back from the file.
    onSlab: (bytes, at) => hash.offer(bytes, at),
    shared: hash.wantsShared,
    pool,
    queue,
  });
  let received = 0;
  try {
    await res.readBody({
      space: () => w.space(),
      commit: (n) => {
        attempt.lastData = Date.now();
        received += n;
        onReceived(n);
        return w.commit(n);
      },
    });
  } finally {
    await w.finish();
  }
  return received;
}

/** Runs attempts until one succeeds, retrying RetryableErrors with backoff; attempts that made progress reset the count. */
export async function withRetries(o: TransferOptions, progress: () => number, run: () => Promise<void>, onRetry: (err: unknown) => Promise<void>): Promise<void> {
  const retries = o.retries ?? 5;
  const backoff = o.backoffMs ?? 500;
  for (let failures = 0; ; ) {
    o.signal.throwIfAborted();
    const before = progress();
    try {
      await run();
      return;
    } catch (err) {
      if (o.signal.aborted) throw o.signal.reason;
      if (err instanceof AppError || err instanceof RangesUnsupported || err instanceof SplitIntoSegments) throw err;
      await onRetry(err);
      // A long download may see several drops; only failures with nothing gained in between count against it.
      failures = progress() > before ? 1 : failures + 1;
      const why = err instanceof Error ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}` : String(err);
      if (failures > retries) {
        throw new AppError('HUB_UNAVAILABLE', `Downloading ${o.label} of ${o.repo} failed after ${retries} retries: ${why}.`, {
          hint: 'The partial file is kept; run the download again (or resume the job) to continue where it stopped.',
        });
      }
      await abortableSleep(Math.min(backoff * 2 ** (failures - 1), 30_000), o.signal);
    }
  }
}

/** Opens for positional writes, creating the file if needed (never O_APPEND: Linux ignores positions with it). */
export function openForWrite(file: string): Promise<fs.promises.FileHandle> {
  return fs.promises.open(file, fs.constants.O_RDWR | fs.constants.O_CREAT);
}

/** Waits for `p`, or rejects with the signal's reason as soon as it aborts. */
export function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Checks the digest (when one is expected); on a match renames the partial file into place, else deletes it and fails naming both hashes. */
export async function verifyAndPlace(o: TransferOptions, hash: FollowingHash, partial: string, extra: string[] = []): Promise<void> {
  const actual = o.expected === undefined ? undefined : await abortable(hash.digest(), o.signal);
  if (actual !== o.expected) {
    await fs.promises.rm(partial, { force: true });
    for (const f of extra) await fs.promises.rm(f, { force: true });
    o.onProgress(0);
    throw new AppError(
      'INTEGRITY',
      `${o.label} of ${o.repo} failed verification: expected ${o.algorithm} ${o.expected}, got ${actual}. The downloaded bytes were deleted.`,
      { hint: 'Run the download again; if it fails the same way, the Hub or mirror at HF_ENDPOINT serves damaged files.' },
    );
  }
  await fs.promises.rename(partial, o.dest);
  for (const f of extra) await fs.promises.rm(f, { force: true });
}
