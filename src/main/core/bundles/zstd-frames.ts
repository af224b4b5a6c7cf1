/** RFC 8878 §3.1.1 and §3.1.2. */
const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC = 0x184d2a50;
const SKIPPABLE_MASK = 0xfffffff0;
/** Block_Maximum_Size: no block header may announce more. */
const MAX_BLOCK = 128 * 1024;
const DICT_ID_BYTES = [0, 1, 2, 4];
const CONTENT_SIZE_BYTES = [0, 2, 4, 8];

/** What the bytes being collected are: a frame's magic, its descriptor, the rest of its header, a block header, … */
type Stage = 'magic' | 'descriptor' | 'header' | 'block' | 'checksum' | 'skippable-size';

export interface FramePiece {
  bytes: Buffer;
  /** The piece ends a frame (the next byte, if any, starts another). */
  frameEnd: boolean;
}

export interface ScanOptions {
  /** Also cut after each block, so a decoder that decodes what it is given at once makes one block (≤ 128 KiB) a write. */
  cutBlocks?: boolean;
}

/** A zstd stream that is not one (bad magic, reserved bits, impossible block sizes); `code` as zlib's errors carry one. */
export class ZstdDataError extends Error {
  readonly code = 'ZSTD_DATA';
  constructor(why: string) {
    super(`zstd: ${why}`);
    this.name = 'ZstdDataError';
  }
}

/**
 * Finds where the frames of a zstd stream end, from frame and block headers alone (nothing is decoded), so that
 * each frame can go to a decoder of its own and a stream cut inside a frame is known as such. A zstd stream is one
 * or more frames; Node's zlib decoder drops or fails on all but the first (nodejs/node#64741), and our fallback
 * encoder writes one frame per few MiB.
 */
export class ZstdFrameScanner {
  private stage: Stage = 'magic';
  private head: number[] = [];
  private need = 4;
  /** Bytes to pass unread: a block's body, or a skippable frame's content. */
  private skip = 0;
  private skipping: 'block' | 'skippable' = 'block';
  private lastBlock = false;
  private checksum = false;
  private ended = false;
  private blockEnded = false;

  constructor(private readonly options: ScanOptions = {}) {}

  /** Whether the bytes so far stop between two frames (true before the first byte). */
  get atFrameBoundary(): boolean {
    return this.stage === 'magic' && this.head.length === 0;
  }

  /** Cuts `chunk` after each frame (and block, if asked) that ends in it; the last piece carries on into the next chunk. */
  split(chunk: Buffer): FramePiece[] {
    const pieces: FramePiece[] = [];
    let start = 0;
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        if (this.skip === 0) this.skipped();
      } else {
        this.head.push(chunk[i]!);
        i += 1;
        if (this.head.length === this.need) this.readHeader(Buffer.from(this.head));
      }
      if (this.ended || (this.blockEnded && this.options.cutBlocks)) {
        pieces.push({ bytes: chunk.subarray(start, i), frameEnd: this.ended });
        start = i;
        this.ended = false;
      }
      this.blockEnded = false;
    }
    if (start < chunk.length) pieces.push({ bytes: chunk.subarray(start), frameEnd: false });
    return pieces;
  }

  private expect(stage: Stage, bytes: number): void {
    this.stage = stage;
    this.need = bytes;
    this.head = [];
  }

  private endFrame(): void {
    this.expect('magic', 4);
    this.ended = true;
  }

  private readHeader(h: Buffer): void {
    switch (this.stage) {
      case 'magic': {
        const magic = h.readUInt32LE(0);
        if (magic === ZSTD_MAGIC) this.expect('descriptor', 1);
        else if (((magic & SKIPPABLE_MASK) >>> 0) === SKIPPABLE_MAGIC) this.expect('skippable-size', 4);
        else throw new ZstdDataError(`unknown frame magic 0x${magic.toString(16).padStart(8, '0')} (not zstd data, or garbage after it)`);
        return;
      }
      case 'descriptor': {
        const fhd = h[0]!;
        if (fhd & 0x08) throw new ZstdDataError('a frame header sets its reserved bit');
        const singleSegment = (fhd >> 5) & 1;
        const fcsFlag = fhd >> 6;
        this.checksum = Boolean((fhd >> 2) & 1);
        const rest = (singleSegment ? 0 : 1) + DICT_ID_BYTES[fhd & 3]! + (fcsFlag === 0 ? singleSegment : CONTENT_SIZE_BYTES[fcsFlag]!);
        if (rest > 0) this.expect('header', rest);
        else this.expect('block', 3);
        return;
      }
      case 'header':
        this.expect('block', 3);
        return;
      case 'block': {
        const bh = h[0]! | (h[1]! << 8) | (h[2]! << 16);
        const type = (bh >> 1) & 3;
        const size = bh >>> 3;
        if (type === 3) throw new ZstdDataError('a block has the reserved type');
        if (size > MAX_BLOCK) throw new ZstdDataError(`a block header announces ${size} bytes, more than the ${MAX_BLOCK} a block may hold`);
        this.lastBlock = Boolean(bh & 1);
        this.skipping = 'block';
        this.skip = type === 1 ? 1 : size; // an RLE block's body is the one byte it repeats
        this.head = [];
        if (this.skip === 0) this.skipped();
        return;
      }
      case 'checksum':
        this.endFrame();
        return;
      case 'skippable-size':
        this.skipping = 'skippable';
        this.skip = h.readUInt32LE(0);
        this.head = [];
        if (this.skip === 0) this.skipped();
        return;
    }
  }

  private skipped(): void {
    if (this.skipping === 'skippable') {
      this.endFrame();
      return;
    }
    this.blockEnded = true;
    if (!this.lastBlock) this.expect('block', 3);
    else if (this.checksum) this.expect('checksum', 4);
    else this.endFrame();
  }
}
