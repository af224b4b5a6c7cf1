import fs from 'node:fs';
import type { BodySink } from './http-get';

/** Below this much free room a slab is written out: a socket read rarely brings more than 64 KiB. */
const MIN_ROOM = 64 * 1024;

/**
 * Writes to one file one at a time. Concurrent buffered writes to one file contend for its inode lock, and the
 * kernel spins on it: with several connections writing, CPU per MiB rose by half. One writer thread keeps up
 * (~1 ms per MiB slab, faster than the network), while the sockets go on filling other slabs.
 */
export class WriteQueue {
  private readonly waiting: Array<() => void> = [];
  private busy = false;

  write(fd: number, buf: Buffer, len: number, position: number, cb: (err: NodeJS.ErrnoException | null, written: number) => void): void {
    const run = (): void => {
      this.busy = true;
      fs.write(fd, buf, 0, len, position, (err, written) => {
        this.busy = false;
        const next = this.waiting.shift();
        if (next) next();
        cb(err, written);
      });
    };
    if (this.busy) this.waiting.push(run);
    else run();
  }
}

export interface SlabWriterOptions {
  fd: number;
  /** File offset of the first byte this writer receives. */
  position: number;
  /** Slab size; every write but the last is about this big. */
  slabBytes?: number;
  /** Slabs being written or hashed before the socket is paused (memory: slabBytes × (this + 1)). */
  maxInFlight?: number;
  /** Every byte before `end` (exclusive) from `position` on is now written, in order. */
  onWritten(end: number): void;
  /** Reading may go on again after a pause. */
  onDrain(): void;
  /** A write failed (disk full…): the body should be abandoned; `finish` rejects with this error. */
  onError(err: unknown): void;
  /**
   * Each full slab, as it goes to be written, with its file offset: a hash may read it from memory rather than
   * from the file later. A promise keeps the slab from reuse until it settles.
   */
  onSlab?(bytes: Uint8Array, position: number): Promise<void> | undefined;
  /** Slabs in shared memory, for an `onSlab` that hands them to another thread. */
  shared?: boolean;
  /** Slabs to reuse, and where they go back when done: one connection's writers share theirs. */
  pool?: Buffer[];
  /** The file's write queue, shared by every writer of the file. */
  queue: WriteQueue;
}

interface Flushed {
  end: number;
  written: boolean;
  /** Writing, and hashing if the slab was taken: the slab is reused when both are over. */
  holds: number;
  slab: Buffer;
}

/**
 * Receives a body into big slabs and writes each full slab with one positional write: one write per ~1 MiB
 * rather than one per 64 KiB socket read (a write stream's per-chunk round trip to the thread pool measured at
 * half of curl's speed). The socket reads straight into the slab, so bytes are never copied in memory.
 */
export class SlabFileWriter implements BodySink {
  private readonly slabBytes: number;
  private readonly maxInFlight: number;
  private readonly spare: Buffer[];
  private slab: Buffer;
  private fill = 0;
  /** Start of the current slab in the file. */
  private position: number;
  /** Slabs not yet written, in file order (for onWritten). */
  private readonly unwritten: Flushed[] = [];
  /** Slabs still being written or hashed (for backpressure and finish). */
  private busy = 0;
  private error: unknown;
  private idle: (() => void) | undefined;
  private paused = false;

  constructor(private readonly o: SlabWriterOptions) {
    this.slabBytes = o.slabBytes ?? 1024 * 1024;
    this.maxInFlight = o.maxInFlight ?? 3;
    this.position = o.position;
    this.spare = o.pool ?? [];
    this.slab = this.takeSlab();
  }

  space(): Uint8Array {
    return this.slab.subarray(this.fill);
  }

  commit(n: number): boolean {
    this.fill += n;
    if (this.slabBytes - this.fill < MIN_ROOM) this.flush();
    this.paused = this.busy >= this.maxInFlight || this.error !== undefined;
    return !this.paused;
  }

  /** Writes what is buffered and waits for every write (and hash); rejects with the first write error. */
  async finish(): Promise<void> {
    this.flush();
    if (this.busy > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    this.giveBack(this.slab);
    if (this.error !== undefined) throw this.error;
  }

  private takeSlab(): Buffer {
    const s = this.spare.pop();
    if (s && s.length === this.slabBytes && s.buffer instanceof SharedArrayBuffer === Boolean(this.o.shared)) return s;
    return this.o.shared ? Buffer.from(new SharedArrayBuffer(this.slabBytes)) : Buffer.allocUnsafe(this.slabBytes);
  }

  private giveBack(slab: Buffer): void {
    if (this.spare.length <= this.maxInFlight && !this.spare.includes(slab)) this.spare.push(slab);
  }

  private release(entry: Flushed): void {
    if (--entry.holds > 0) return;
    this.busy--;
    this.giveBack(entry.slab);
    if (this.busy === 0 && this.idle) {
      const idle = this.idle;
      this.idle = undefined;
      idle();
    }
    if (this.paused && this.busy < this.maxInFlight && this.error === undefined) {
      this.paused = false;
      this.o.onDrain();
    }
  }

  private flush(): void {
    if (this.fill === 0 || this.error !== undefined) return;
    const slab = this.slab;
    const len = this.fill;
    const at = this.position;
    const entry: Flushed = { end: at + len, written: false, holds: 1, slab };
    this.unwritten.push(entry);
    this.busy++;
    this.position += len;
    this.fill = 0;
    this.slab = this.takeSlab();
    const hashing = this.o.onSlab?.(slab.subarray(0, len), at);
    if (hashing) {
      entry.holds++;
      // A hash that fails reports through its own digest; here it only frees the slab.
      void hashing.catch(() => undefined).finally(() => this.release(entry));
    }
    this.o.queue.write(this.o.fd, slab, len, at, (err, written) => {
      const failure = err ?? (written !== len ? new Error(`short write (${written} of ${len} bytes)`) : undefined);
      if (failure && this.error === undefined) {
        this.error = failure;
        this.o.onError(failure);
      }
      entry.written = true;
      // Writes may finish out of order on the thread pool: report only the prefix that is fully written.
      let end = -1;
      while (this.unwritten[0]?.written) end = this.unwritten.shift()!.end;
      if (end >= 0 && this.error === undefined) this.o.onWritten(end);
      this.release(entry);
    });
  }
}
