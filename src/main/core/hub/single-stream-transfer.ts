import fs from 'node:fs';
import type { FollowingHash } from './file-hash';
import type { HttpClient } from './http-get';
import { WriteQueue } from './slab-file-writer';
import { Attempt, checkStatus, contentRange, hashFor, openForWrite, RangeRestart, RetryableError, sizeOf, SplitIntoSegments, streamBody, tooLarge, verifyAndPlace, withRetries } from './transfer-attempt';
import { segmentBytesFor, type SegmentOptions, type TransferOptions } from './transfer-options';

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

export async function transferSingle(o: TransferOptions, client: HttpClient, split?: SegmentOptions): Promise<void> {
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
          hash ??= hashFor(o, incomplete);
          hash.advance(o.size);
          return;
        }
        // Started before the request: a hash worker takes ~50 ms to boot, which the round trip then hides.
        hash ??= hashFor(o, incomplete);
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
          hash ??= hashFor(o, incomplete);
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
