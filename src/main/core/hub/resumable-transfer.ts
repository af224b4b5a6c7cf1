import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { abortableSleep } from '../jobs/abortable-sleep';
import { followFileHash, type FollowingHash } from './file-hash';
import { HttpClient, type HttpResponse } from './http-get';
import { authHint, type HashAlgorithm } from './hub-client';
import { SlabFileWriter, WriteQueue } from './slab-file-writer';

/** How a large file is split over several ranged connections. */
export interface SegmentOptions {
  /** Files at least this big are fetched in segments; smaller ones over one connection. */
  minFileBytes: number;
  segmentBytes: number;
  /** Most connections at once, each taking the next segment in file order. */
  connections: number;
  /** Bytes per second per connection above which another connection is not opened. */
  fastConnection: number;
  /** false: open all `connections` at once (tests, and a known capped server). */
  adaptive: boolean;
}

/**
 * The Hub's CDN caps one connection (~500 Mbit/s); clients reach line rate with several ranged connections per
 * file (hf_xet: 16 range GETs per file, adaptive). Segments are taken in file order, so the written prefix —
 * which the hash follows — trails the newest bytes by at most `connections × segmentBytes`: the hash finishes
 * right after the last byte. Adaptive: a file starts as one stream, split into segments only when that stream
 * carries less than `fastConnection` after its first second; then connections double every half second while
 * each is slow and the last ones added raised the total. On loopback or a fast mirror one stream runs to the end
 * (segments measured slower there: a request and a drained pipeline per segment, and the CPU is the limit); on
 * a capped CDN the connections multiply.
 */
export const DEFAULT_SEGMENTS: SegmentOptions = {
  minFileBytes: 64 * 1024 * 1024,
  segmentBytes: 16 * 1024 * 1024,
  connections: 8,
  fastConnection: 100 * 1024 * 1024,
  adaptive: true,
};

export interface TransferOptions {
  url: string;
  /** Sent on every request (Authorization); dropped on a redirect to another origin. */
  headers: Record<string, string>;
  /** The final blob path; bytes go to `<dest>.incomplete` (or the segmented `<dest>.parts.incomplete`) until verified. */
  dest: string;
  /** The file's size; the download is refused when the server has more bytes and is retried when it sent fewer. */
  size: number;
  algorithm: HashAlgorithm;
  /** The digest the file must have; undefined where no one publishes one (a Vosk zip): then size alone is checked. */
  expected: string | undefined;
  /** Names the file and repo in errors. */
  label: string;
  repo: string;
  hubUrl: string;
  signal: AbortSignal;
  /** Bytes of this file received so far (may go down when a server ignores Range and the file restarts). */
  onProgress(bytes: number): void;
  retries?: number;
  backoffMs?: number;
  /** An attempt with no bytes for this long is abandoned and retried. */
  stallMs?: number;
  segments?: SegmentOptions;
}

class RetryableError extends Error {}


/** The partial file does not fit what the server has: start the file over. */
class RangeRestart extends RetryableError {}

/** The server answered a Range request with the whole file: segments are impossible, one stream it is. */
class RangesUnsupported extends Error {}

/** One stream proved slow: what it wrote becomes the first segments' bytes, and segments fetch the rest. */
class SplitIntoSegments extends Error {}

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

/**
 * Maps an answer that carries no file bytes to the error it means; returns for 200 and 206. `viaCdnUrl`: the
 * request went straight to a URL a redirect gave earlier, whose signature may have expired since — a 401/403
 * there is retried from the Hub URL rather than reported as a gated repo.
 */
function checkStatus(o: TransferOptions, res: HttpResponse, viaCdnUrl = false): void {
  const s = res.status;
  if (s === 200 || s === 206) return;
  res.close();
  if ((s === 401 || s === 403) && viaCdnUrl) throw new RetryableError(`HTTP ${s} from the CDN`);
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

function tooLarge(o: TransferOptions, bytes: number): AppError {
  return new AppError('INTEGRITY', `${o.label} of ${o.repo} is ${bytes} bytes on the server, larger than the ${o.size} bytes announced for it (the file list or the server's Content-Length).`);
}

/** Aborts an attempt that receives nothing for `stallMs`, and lets the attempt's requests be cut at once. */
class Attempt {
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
async function streamBody(
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
async function withRetries(o: TransferOptions, progress: () => number, run: () => Promise<void>, onRetry: (err: unknown) => Promise<void>): Promise<void> {
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
function openForWrite(file: string): Promise<fs.promises.FileHandle> {
  return fs.promises.open(file, fs.constants.O_RDWR | fs.constants.O_CREAT);
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

/** Checks the digest (when one is expected); on a match renames the partial file into place, else deletes it and fails naming both hashes. */
async function verifyAndPlace(o: TransferOptions, hash: FollowingHash, partial: string, extra: string[] = []): Promise<void> {
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

// ---------------------------------------------------------------------------------------------------------------
// One stream: `<dest>.incomplete` is always a prefix of the file, as huggingface_hub keeps it (either can resume
// the other's partial file).

/**
 * Watches one stream and stops it (SplitIntoSegments) once it proves slower than `fastConnection` with enough of
 * the file left to share out; a fast one (loopback, a LAN mirror, an uncapped link) runs alone to the end, with no
 * request per segment and no pause between them.
 */
function watchForSplit(attempt: Attempt, seg: SegmentOptions, size: number, received: () => number): () => void {
  let last = received();
  let lastTime = Date.now();
  // The first tick covers the request and TCP's slow start: judged from the second on, as added connections are.
  let warming = 1;
  const timer = setInterval(() => {
    const now = Date.now();
    const rate = ((received() - last) * 1000) / Math.max(1, now - lastTime);
    last = received();
    lastTime = now;
    if (warming-- > 0) return;
    if (rate < seg.fastConnection && size - last >= 2 * segmentBytesFor(size, seg)) attempt.abort(new SplitIntoSegments());
  }, 500);
  return () => clearInterval(timer);
}

async function transferSingle(o: TransferOptions, client: HttpClient, split?: SegmentOptions): Promise<void> {
  const incomplete = `${o.dest}.incomplete`;
  let hash: FollowingHash | undefined;
  let received = 0;
  const restart = async (): Promise<void> => {
    hash?.close();
    hash = undefined;
    await fs.promises.rm(incomplete, { force: true });
    received = 0;
    o.onProgress(0);
  };
  try {
    await withRetries(
      o,
      () => received,
      async () => {
        let have = await sizeOf(incomplete);
        if (have > o.size) {
          await restart();
          have = 0;
        }
        received = have;
        o.onProgress(have);
        if (have === o.size) {
          // Complete on disk (left by an earlier run): only the hash is missing.
          hash ??= followFileHash(incomplete, o.algorithm, o.size);
          hash.advance(o.size);
          return;
        }
        const attempt = new Attempt(o);
        let fh: fs.promises.FileHandle | undefined;
        try {
          const res = await client.get(new URL(o.url), { headers: { ...o.headers, ...(have > 0 ? { Range: `bytes=${have}-` } : {}) }, signal: attempt.signal });
          checkStatus(o, res);
          let offset = 0;
          if (res.status === 206) {
            const range = contentRange(res.headers.get('content-range'));
            offset = range?.start ?? have;
            if (offset !== have) {
              res.close();
              throw new RangeRestart(`server resumed at ${offset}, not ${have}`);
            }
            if (range?.total !== undefined && range.total > o.size) throw (res.close(), tooLarge(o, range.total));
          }
          if (res.length >= 0 && offset + res.length > o.size) throw (res.close(), tooLarge(o, offset + res.length));
          if (offset === 0 && have > 0) {
            // The server ignored Range and sends the whole file: it (and its hash) start over, in a new file
            // rather than a truncated one: ext4 flushes a file truncated to zero when it is closed (its
            // auto_da_alloc guard for rewritten files), which stalls the close ~0.4 s per GiB.
            hash?.close();
            hash = undefined;
            have = 0;
            await fs.promises.rm(incomplete, { force: true });
          }
          fh = await openForWrite(incomplete);
          hash ??= followFileHash(incomplete, o.algorithm, o.size);
          const h = hash;
          // The prefix on disk first, so that the new bytes can be hashed from memory as they arrive.
          h.advance(offset);
          received = offset;
          o.onProgress(received);
          // Only a server that honours ranges can take over in segments (else the bytes so far would be lost).
          const ranged = res.status === 206 || /\bbytes\b/i.test(res.headers.get('accept-ranges') ?? '');
          const unwatch = split && ranged ? watchForSplit(attempt, split, o.size, () => received) : undefined;
          try {
            await streamBody(
              res,
              fh.fd,
              offset,
              attempt,
              (n) => o.onProgress((received += n)),
              (end) => h.advance(end),
              new WriteQueue(),
              h,
            );
          } finally {
            unwatch?.();
          }
          if (received < o.size) throw new RetryableError(`connection closed at ${received} of ${o.size} bytes`);
        } catch (err) {
          throw attempt.reason(err);
        } finally {
          attempt.close();
          await fh?.close();
        }
      },
      async (err) => {
        if (err instanceof RangeRestart) await restart();
      },
    );
    await verifyAndPlace(o, hash!, incomplete);
  } finally {
    hash?.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Segments: `<dest>.parts.incomplete` holds them at their offsets (with holes until done), `<dest>.parts.json`
// how much of each is written. A separate name, because a tool that resumes `<dest>.incomplete` by its size
// (huggingface_hub does) would take a file with holes for a prefix and keep zeros.

interface SegmentState {
  size: number;
  segmentBytes: number;
  /** Bytes written from the start of each segment. */
  have: number[];
}

function segmentCount(size: number, segmentBytes: number): number {
  return Math.max(1, Math.ceil(size / segmentBytes));
}

/**
 * Segments of `segmentBytes`, but at least four per connection, down to 4 MiB: with too few, the connections
 * added as they prove useful find nothing left to take, and the last segment runs alone (a 128 MiB file in
 * 16 MiB segments from a capped server measured 2.5× one connection, not 8×). Smaller than 4 MiB, each request's
 * round trip would cost a real CDN connection too much of its time.
 */
function segmentBytesFor(size: number, seg: SegmentOptions): number {
  const MiB = 1024 * 1024;
  const spread = Math.ceil(size / (seg.connections * 4) / MiB) * MiB;
  return Math.min(seg.segmentBytes, Math.max(4 * MiB, spread));
}

function segmentLength(st: SegmentState, i: number): number {
  return Math.min(st.segmentBytes, st.size - i * st.segmentBytes);
}

/** The state of a segmented partial file: its checkpoint, one made from a prefix `.incomplete`, or a new one. */
async function loadSegments(o: TransferOptions, seg: SegmentOptions, data: string, meta: string, incomplete: string): Promise<SegmentState> {
  try {
    const raw = JSON.parse(await fs.promises.readFile(meta, 'utf8')) as Partial<SegmentState>;
    const ok =
      raw.size === o.size &&
      typeof raw.segmentBytes === 'number' &&
      raw.segmentBytes > 0 &&
      Array.isArray(raw.have) &&
      raw.have.length === segmentCount(o.size, raw.segmentBytes) &&
      (await fs.promises.stat(data).then(() => true, () => false));
    if (ok) {
      const st: SegmentState = { size: o.size, segmentBytes: raw.segmentBytes!, have: [] };
      st.have = raw.have!.map((h, i) => (Number.isSafeInteger(h) ? Math.max(0, Math.min(Number(h), segmentLength(st, i))) : 0));
      return st;
    }
  } catch {
    // No checkpoint, or an unreadable one: the data file cannot be trusted without it.
  }
  await fs.promises.rm(data, { force: true });
  const bytes = segmentBytesFor(o.size, seg);
  const st: SegmentState = { size: o.size, segmentBytes: bytes, have: new Array<number>(segmentCount(o.size, bytes)).fill(0) };
  // A prefix left by one stream (an earlier run, or huggingface_hub) becomes the first segments' bytes.
  const prefix = await sizeOf(incomplete);
  if (prefix > 0 && prefix <= o.size) {
    await fs.promises.rename(incomplete, data);
    for (let i = 0; i < st.have.length; i++) st.have[i] = Math.max(0, Math.min(prefix - i * st.segmentBytes, segmentLength(st, i)));
  } else {
    await fs.promises.rm(incomplete, { force: true });
  }
  await saveSegments(meta, st);
  return st;
}

async function saveSegments(meta: string, st: SegmentState): Promise<void> {
  const tmp = `${meta}.tmp`;
  await fs.promises.writeFile(tmp, JSON.stringify(st));
  await fs.promises.rename(tmp, meta);
}

async function transferSegmented(o: TransferOptions, seg: SegmentOptions, client: HttpClient): Promise<void> {
  const data = `${o.dest}.parts.incomplete`;
  const meta = `${o.dest}.parts.json`;
  const incomplete = `${o.dest}.incomplete`;
  let st = await loadSegments(o, seg, data, meta, incomplete);
  const written = (): number => st.have.reduce((a, b) => a + b, 0);
  let hash: FollowingHash | undefined;
  let saving: Promise<void> | undefined;
  let dirty = false;
  let lastSave = 0;
  let saveTimer: NodeJS.Timeout | undefined;
  /** Writes the checkpoint; a call while one is being written has it written again after, with what is new. */
  const save = (): Promise<void> => {
    clearTimeout(saveTimer);
    saveTimer = undefined;
    dirty = true;
    saving ??= (async () => {
      try {
        while (dirty) {
          dirty = false;
          lastSave = Date.now();
          await saveSegments(meta, { ...st, have: [...st.have] });
        }
      } finally {
        saving = undefined;
      }
    })();
    return saving;
  };
  /** At most one checkpoint a second while bytes are being written (a killed process loses at most that). */
  const saveSoon = (): void => {
    saveTimer ??= setTimeout(() => void save().catch(() => undefined), Math.max(0, lastSave + 1000 - Date.now()));
  };
  try {
    await withRetries(
      o,
      written,
      async () => {
        hash ??= followFileHash(data, o.algorithm, o.size);
        const h = hash;
        // The hash follows the written prefix: segments complete from the first on.
        let first = 0;
        const advanceHash = (): void => {
          while (first < st.have.length && st.have[first] === segmentLength(st, first)) first++;
          h.advance(first < st.have.length ? first * st.segmentBytes + st.have[first]! : o.size);
        };
        let received = written();
        o.onProgress(received);
        advanceHash();
        const queue = st.have.map((_, i) => i).filter((i) => st.have[i]! < segmentLength(st, i));
        if (queue.length === 0) return;
        const attempt = new Attempt(o);
        const fh = await openForWrite(data);
        const writes = new WriteQueue();
        try {
          const range = (i: number): string => `bytes=${i * st.segmentBytes + st.have[i]!}-${i * st.segmentBytes + segmentLength(st, i) - 1}`;
          const fetchSegment = async (i: number, res: HttpResponse, pool: Buffer[]): Promise<void> => {
            const start = i * st.segmentBytes + st.have[i]!;
            const cr = contentRange(res.headers.get('content-range'));
            if (res.status !== 206) throw (res.close(), new RangesUnsupported());
            if (cr?.total !== undefined && cr.total !== o.size) throw (res.close(), cr.total > o.size ? tooLarge(o, cr.total) : new RangeRestart(`the server has ${cr.total} bytes, not ${o.size}`));
            if (cr && cr.start !== start) throw (res.close(), new RetryableError(`server sent bytes from ${cr.start}, not ${start}`));
            const want = segmentLength(st, i) - st.have[i]!;
            if (res.length >= 0 && res.length > want) throw (res.close(), new RetryableError(`server sent ${res.length} bytes for a range of ${want}`));
            const base = i * st.segmentBytes;
            const got = await streamBody(
              res,
              fh.fd,
              start,
              attempt,
              (n) => o.onProgress((received += n)),
              (end) => {
                st.have[i] = end - base;
                if (i === first) advanceHash();
                saveSoon();
              },
              writes,
              h,
              pool,
            );
            if (got < want) throw new RetryableError(`connection closed at ${start + got} of segment ${i} (${base}–${base + segmentLength(st, i)})`);
          };
          // The first request follows the Hub's redirect; the others go straight to where it led.
          const lead = queue.shift()!;
          const leadRes = await client.get(new URL(o.url), { headers: { ...o.headers, Range: range(lead) }, signal: attempt.signal });
          checkStatus(o, leadRes);
          const cdn = leadRes.url;
          const cdnHeaders = cdn.origin === new URL(o.url).origin ? o.headers : Object.fromEntries(Object.entries(o.headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
          // Connections are added while they help, as hf_xet adapts its concurrency: one already fast (loopback,
          // a LAN mirror) stays alone — more only add CPU and same-file write contention — while capped CDN
          // connections add up. Connections added that do not raise the total by a quarter of their share go
          // again, and the count stays (half a share was too strict: a capped server's 4th gave +15 %).
          let wanted = 1;
          let running = 0;
          const worker = async (firstJob?: { i: number; res: HttpResponse }): Promise<void> => {
            running++;
            // One connection's segments reuse its slabs.
            const pool: Buffer[] = [];
            try {
              if (firstJob) await fetchSegment(firstJob.i, firstJob.res, pool);
              for (;;) {
                if (running > wanted) return;
                const i = queue.shift();
                if (i === undefined) return;
                attempt.signal.throwIfAborted();
                const res = await client.get(cdn, { headers: { ...cdnHeaders, Range: range(i) }, signal: attempt.signal });
                checkStatus(o, res, cdn.href !== o.url);
                await fetchSegment(i, res, pool);
              }
            } finally {
              running--;
            }
          };
          // The first error stops the others at once; each still writes what it received before it settles.
          let firstError: unknown;
          const workers: Array<Promise<void>> = [];
          const start = (job?: { i: number; res: HttpResponse }): void => {
            workers.push(
              worker(job).catch((err: unknown) => {
                firstError ??= err;
                attempt.abort(err);
              }),
            );
          };
          start({ i: lead, res: leadRes });
          if (!seg.adaptive) {
            wanted = seg.connections;
            while (workers.length < Math.min(seg.connections, queue.length + 1)) start();
          }
          let lastBytes = received;
          let lastTime = Date.now();
          let rateBefore = 0;
          /** Connections the last step added, judged a tick later. */
          let added = 0;
          let settled = false;
          /** Ticks to let pass before judging the connection just added: it needs a request and a TCP slow start. */
          let warming = 0;
          const controller = setInterval(() => {
            const now = Date.now();
            const rate = ((received - lastBytes) * 1000) / Math.max(1, now - lastTime);
            lastBytes = received;
            lastTime = now;
            if (!seg.adaptive || settled || queue.length === 0 || attempt.signal.aborted) return;
            if (warming > 0) {
              warming--;
              return;
            }
            if (added > 0 && rate < rateBefore * (1 + (0.25 * added) / (running - added))) {
              wanted = running - added;
              settled = true;
              return;
            }
            if (running >= seg.connections || rate / running >= seg.fastConnection) return;
            // Doubling, as a slow start does: 1, 2, 4, 8 within a few seconds.
            added = Math.min(running, seg.connections - running);
            rateBefore = rate;
            wanted = running + added;
            warming = 1;
            for (let k = 0; k < added; k++) start();
          }, 500);
          try {
            for (let done = 0; done < workers.length; ) {
              const n = workers.length;
              await Promise.all(workers.slice(0, n));
              done = n;
            }
          } finally {
            clearInterval(controller);
          }
          if (firstError !== undefined) throw firstError;
        } catch (err) {
          throw attempt.reason(err);
        } finally {
          attempt.close();
          await fh.close();
          await save();
        }
      },
      async (err) => {
        if (err instanceof RangeRestart) {
          hash?.close();
          hash = undefined;
          await fs.promises.rm(data, { force: true });
          await fs.promises.rm(meta, { force: true });
          st = await loadSegments(o, seg, data, meta, incomplete);
          o.onProgress(0);
        }
      },
    );
    await verifyAndPlace(o, hash!, data, [meta]);
  } finally {
    hash?.close();
  }
}

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
