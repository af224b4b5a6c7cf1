import { Transform, type Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { AppError } from '../../../shared/errors';
import { ZstdFrameDecoder, type FrameDecoding } from './zstd-frame-decoder';
import { ZstdDataError } from './zstd-frames';

type ZstdZlib = typeof zlib & { createZstdCompress?: () => Duplex; createZstdDecompress?: () => Duplex };
const nodeZlib = zlib as ZstdZlib;

/**
 * Who does the zstd work: Node's zlib (22.15 / 23.8 on, so the Electron app), else packages the app ships —
 * @bokuweb/zstd-wasm (the zstd C library built to wasm) to compress, fzstd (pure JS) to decompress. Neither needs
 * a native build, so both work in a packaged app as in a plain Node 20 CLI.
 */
export type ZstdEngine = 'zlib' | 'wasm';

export function zstdEngine(): ZstdEngine {
  return typeof nodeZlib.createZstdCompress === 'function' && typeof nodeZlib.createZstdDecompress === 'function' ? 'zlib' : 'wasm';
}

/** zstd's own default level, the one Node's zlib uses too. */
const LEVEL = 3;
/** The wasm build compresses whole buffers: its stream is independent frames of this much input each (zstd's
 * level 3 looks back 2 MiB at most, so little is lost at the cuts). */
export const WASM_FRAME_BYTES = 4 * 1024 * 1024;

function unavailable(what: string, err: unknown): AppError {
  return new AppError('COMPRESSION_UNAVAILABLE', `zstd could not be loaded: ${what} (${(err as Error).message}).`, {
    hint: 'Reinstall Model Center (npm ci in a checkout), or use gzip (a .tar.gz name, or --compression gzip).',
  });
}

type WasmZstd = typeof import('@bokuweb/zstd-wasm');
let wasm: Promise<WasmZstd> | undefined;
function loadWasm(): Promise<WasmZstd> {
  wasm ??= import('@bokuweb/zstd-wasm')
    .then(async (m) => {
      await m.init();
      return m;
    })
    .catch((err: unknown) => {
      wasm = undefined;
      throw unavailable('@bokuweb/zstd-wasm', err);
    });
  return wasm;
}

function loadFzstd(): Promise<typeof import('fzstd')> {
  return import('fzstd').catch((err: unknown) => {
    throw unavailable('fzstd', err);
  });
}

/** Loads what the encoder needs now, so an export is refused before it hashes gigabytes rather than after. */
export async function zstdCompressorReady(engine = zstdEngine()): Promise<void> {
  if (engine === 'wasm') await loadWasm();
}

const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** The wasm encoder: input gathered into WASM_FRAME_BYTES and written as one frame each (`zstd -d` reads them as one stream). */
class WasmZstdEncoder extends Transform {
  private compress: WasmZstd['compress'] | undefined;
  private frame = Buffer.alloc(0);
  private filled = 0;
  private frames = 0;

  private ready(then: () => void, done: (err?: Error | null) => void): void {
    if (this.compress) then();
    else
      loadWasm().then((m) => {
        this.compress = m.compress;
        this.frame = Buffer.allocUnsafe(WASM_FRAME_BYTES);
        then();
      }, done);
  }

  private writeFrame(bytes: Buffer): void {
    this.push(asBuffer(this.compress!(bytes, LEVEL)));
    this.frames += 1;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.ready(() => {
      try {
        for (let at = 0; at < chunk.length; ) {
          const n = chunk.copy(this.frame, this.filled, at);
          this.filled += n;
          at += n;
          if (this.filled === this.frame.length) {
            this.writeFrame(this.frame);
            this.filled = 0;
          }
        }
        done();
      } catch (err) {
        done(err as Error);
      }
    }, done);
  }

  override _flush(done: (err?: Error | null) => void): void {
    this.ready(() => {
      try {
        // An empty input still makes a valid zstd stream: one empty frame.
        if (this.filled > 0 || this.frames === 0) this.writeFrame(this.frame.subarray(0, this.filled));
        done();
      } catch (err) {
        done(err as Error);
      }
    }, done);
  }
}

/** One frame through fzstd (written a block at a time by ZstdFrameDecoder). */
function fzstdFrame(Decompress: typeof import('fzstd').Decompress): Duplex {
  const decoder = new Decompress();
  const push = (stream: Transform, bytes: Uint8Array, final: boolean, done: (err?: Error | null) => void): void => {
    decoder.ondata = (data) => {
      if (data.length) stream.push(asBuffer(data));
    };
    try {
      decoder.push(bytes, final);
      done();
    } catch (err) {
      done(new ZstdDataError((err as Error).message));
    }
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      push(this, chunk, false, done);
    },
    flush(done) {
      push(this, new Uint8Array(0), true, done);
    },
  });
}

/** A zstd encoder: Node's own, else the wasm build's. */
export function zstdCompressor(engine = zstdEngine()): Duplex {
  return engine === 'zlib' ? nodeZlib.createZstdCompress!() : new WasmZstdEncoder();
}

/** A zstd decoder (Node's own, else fzstd) that reads every frame of a stream, not only the first. */
export function zstdDecompressor(engine = zstdEngine()): Duplex {
  return new ZstdFrameDecoder(async (): Promise<FrameDecoding> => {
    if (engine === 'zlib') return { open: () => nodeZlib.createZstdDecompress!(), blockWrites: false };
    const { Decompress } = await loadFzstd();
    return { open: () => fzstdFrame(Decompress), blockWrites: true };
  });
}
