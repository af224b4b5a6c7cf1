import { Duplex } from 'node:stream';
import { ZstdDataError, ZstdFrameScanner, type FramePiece } from './zstd-frames';

/** How to decode one frame: a fresh decoder, and whether to write it one block at a time. */
export interface FrameDecoding {
  open(): Duplex;
  /** For a decoder that decodes each write at once (fzstd): a highly compressed write could grow to gigabytes. */
  blockWrites: boolean;
}

/**
 * A zstd decoder that hands each frame of the stream to a decoder of its own (see ZstdFrameScanner for why), in
 * order, with backpressure both ways: a frame decoder is paused while this stream's reader is behind, and a write
 * is acknowledged only once the frame decoder took it. Input that stops inside a frame is refused as truncated.
 */
export class ZstdFrameDecoder extends Duplex {
  /** Set on the first write, with the scanner that suits it. */
  private decoding: FrameDecoding | undefined;
  private scanner = new ZstdFrameScanner();
  /** The current frame's decoder; kept until all its output is out, so frames never interleave. */
  private frame: Duplex | undefined;

  /** `prepare` runs before the first write (loading a decoder package takes a moment). */
  constructor(private readonly prepare: () => Promise<FrameDecoding>) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    if (!this.decoding) {
      this.prepare().then((d) => {
        this.decoding = d;
        this.scanner = new ZstdFrameScanner({ cutBlocks: d.blockWrites });
        this._write(chunk, _encoding, done);
      }, done);
      return;
    }
    let pieces: FramePiece[];
    try {
      pieces = this.scanner.split(chunk);
    } catch (err) {
      done(err as Error);
      return;
    }
    this.feed(pieces, 0, done);
  }

  /** Writes pieces[i] to its frame's decoder, then the pieces after it, each once the decoder took the one before. */
  private feed(pieces: FramePiece[], i: number, done: (err?: Error | null) => void): void {
    const piece = pieces[i];
    if (!piece) {
      done();
      return;
    }
    const frame = (this.frame ??= this.openFrame());
    if (!piece.frameEnd) {
      frame.write(piece.bytes, (err) => (err ? done(err) : this.feed(pieces, i + 1, done)));
      return;
    }
    frame.once('end', () => {
      this.frame = undefined;
      this.feed(pieces, i + 1, done);
    });
    frame.end(piece.bytes);
  }

  private openFrame(): Duplex {
    const frame = this.decoding!.open();
    frame.on('data', (out: Buffer) => {
      if (!this.push(out)) frame.pause();
    });
    frame.on('error', (err) => this.destroy(err));
    return frame;
  }

  override _read(): void {
    this.frame?.resume();
  }

  override _final(done: (err?: Error | null) => void): void {
    // "unexpected end of file" is also what zlib says of a gzip stream cut short.
    if (!this.scanner.atFrameBoundary) {
      done(new ZstdDataError('unexpected end of file inside a frame'));
      return;
    }
    this.push(null);
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.frame?.destroy();
    done(err);
  }
}
