import fs from 'node:fs';
import type { FollowingHash } from './file-hash';
import type { HttpClient, HttpResponse } from './http-get';
import { WriteQueue } from './slab-file-writer';
import { Attempt, checkStatus, contentRange, hashFor, openForWrite, RangeRestart, RangesUnsupported, RetryableError, sizeOf, streamBody, tooLarge, verifyAndPlace, withRetries } from './transfer-attempt';
import { segmentBytesFor, type SegmentOptions, type TransferOptions } from './transfer-options';

// Segments: `<dest>.parts.incomplete` holds them at their offsets (with holes until done), `<dest>.parts.json`
// how much of each is written. A separate name, because a tool that resumes `<dest>.incomplete` by its size
// (huggingface_hub does) would take a file with holes for a prefix and keep zeros.

export interface SegmentState {
  size: number;
  segmentBytes: number;
  /** Bytes written from the start of each segment. */
  have: number[];
}

function segmentCount(size: number, segmentBytes: number): number {
  return Math.max(1, Math.ceil(size / segmentBytes));
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

export async function transferSegmented(o: TransferOptions, seg: SegmentOptions, client: HttpClient): Promise<void> {
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
        hash ??= hashFor(o, data);
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
