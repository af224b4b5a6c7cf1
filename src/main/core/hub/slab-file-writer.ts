import fs from 'node:fs';
import type { BodySink } from './http-get';

/** Below this much free room a slab is written out: a socket read rarely brings more than 64 KiB. */
const MIN_ROOM = 64 * 1024;

export interface SlabWriterOptions {
  fd: number;
  /** File offset of the first byte this writer receives. */
  position: number;
  /** Slab size; every write but the last is about this big. */
  slabBytes?: number;
  /** Writes in flight before the socket is paused (memory: slabBytes × (this + 1)). */
  maxInFlight?: number;
  /** Every byte before `end` (exclusive) from `position` on is now written, in order. */
  onWritten(end: number): void;
  /** Reading may go on again after a pause. */
  onDrain(): void;
  /** A write failed (disk full…): the body should be abandoned; `finish` rejects with this error. */
  onError(err: unknown): void;
}

/**
 * Receives a body into big slabs and writes each full slab with one positional write: one write per ~1 MiB
 * rather than one per 64 KiB socket read (a write stream's per-chunk round trip to the thread pool measured at
 * half of curl's speed). The socket reads straight into the slab, so bytes are never copied in memory.
 */
export class SlabFileWriter implements BodySink {
  private readonly slabBytes: number;
  private readonly maxInFlight: number;
  private readonly spare: Buffer[] = [];
  private slab: Buffer;
  private fill = 0;
  /** Start of the current slab in the file. */
  private position: number;
  private readonly inFlight: Array<{ end: number; done: boolean; slab: Buffer }> = [];
  private error: unknown;
  private idle: (() => void) | undefined;
  private paused = false;

  constructor(private readonly o: SlabWriterOptions) {
    this.slabBytes = o.slabBytes ?? 1024 * 1024;
    this.maxInFlight = o.maxInFlight ?? 3;
    this.position = o.position;
    this.slab = Buffer.allocUnsafe(this.slabBytes);
  }

  space(): Uint8Array {
    return this.slab.subarray(this.fill);
  }

  commit(n: number): boolean {
    this.fill += n;
    if (this.slabBytes - this.fill < MIN_ROOM) this.flush();
    this.paused = this.inFlight.length >= this.maxInFlight || this.error !== undefined;
    return !this.paused;
  }

  /** Writes what is buffered and waits for every write; rejects with the first write error. */
  async finish(): Promise<void> {
    this.flush();
    if (this.inFlight.length > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    if (this.error !== undefined) throw this.error;
  }

  private flush(): void {
    if (this.fill === 0 || this.error !== undefined) return;
    const slab = this.slab;
    const len = this.fill;
    const at = this.position;
    const entry = { end: at + len, done: false, slab };
    this.inFlight.push(entry);
    this.position += len;
    this.fill = 0;
    this.slab = this.spare.pop() ?? Buffer.allocUnsafe(this.slabBytes);
    fs.write(this.o.fd, slab, 0, len, at, (err, written) => {
      if (!err && written !== len) err = Object.assign(new Error(`short write (${written} of ${len} bytes)`), { code: 'EIO' });
      if (err && this.error === undefined) {
        this.error = err;
        this.o.onError(err);
      }
      entry.done = true;
      // Writes may finish out of order on the thread pool: report only the prefix that is fully written.
      let end = -1;
      while (this.inFlight[0]?.done) {
        const first = this.inFlight.shift()!;
        end = first.end;
        if (this.spare.length < this.maxInFlight) this.spare.push(first.slab);
      }
      if (end >= 0 && this.error === undefined) this.o.onWritten(end);
      if (this.inFlight.length === 0 && this.idle) {
        const idle = this.idle;
        this.idle = undefined;
        idle();
      }
      if (this.paused && this.inFlight.length < this.maxInFlight && this.error === undefined) {
        this.paused = false;
        this.o.onDrain();
      }
    });
  }
}
