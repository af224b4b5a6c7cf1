import zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import type { Compression } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';

type ZstdZlib = typeof zlib & { createZstdCompress?: () => Transform; createZstdDecompress?: () => Transform };

/** zstd is in Node's zlib from 22.15 / 23.8 on; Node 20 (and the Electron builds on it) has gzip only. */
export function zstdAvailable(): boolean {
  return typeof (zlib as ZstdZlib).createZstdCompress === 'function';
}

function zstdUnavailable(): AppError {
  return new AppError('COMPRESSION_UNAVAILABLE', `zstd is not available in this runtime (Node ${process.versions.node} has no zstd in zlib).`, {
    hint: 'Use gzip (a .tar.gz name, or --compression gzip) or a plain .tar; zstd needs Node 22.15 or newer.',
  });
}

/** The compression a file name asks for: `.tar.gz`/`.tgz` gzip, `.tar` none, `.tar.zst`/`.tzst` zstd; else gzip. */
export function compressionFor(file: string, asked: Compression | 'auto'): Compression {
  if (asked !== 'auto') return asked;
  const lower = file.toLowerCase();
  if (lower.endsWith('.tar')) return 'none';
  if (lower.endsWith('.zst') || lower.endsWith('.tzst')) return 'zstd';
  return 'gzip';
}

export function extensionFor(c: Compression): string {
  return c === 'gzip' ? '.tar.gz' : c === 'zstd' ? '.tar.zst' : '.tar';
}

/** Refuses now, before any work, a compression this runtime cannot write or read. */
export function assertCompressionAvailable(c: Compression): void {
  if (c === 'zstd' && !zstdAvailable()) throw zstdUnavailable();
}

export function compressor(c: Compression): Transform | undefined {
  if (c === 'none') return undefined;
  if (c === 'gzip') return zlib.createGzip({ level: 6 });
  const z = zlib as ZstdZlib;
  if (!z.createZstdCompress) throw zstdUnavailable();
  return z.createZstdCompress();
}

/** The compression of a file from its first bytes (gzip 1f 8b, zstd 28 b5 2f fd), else a plain tar. */
export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

export function decompressor(c: Compression): Transform | undefined {
  if (c === 'none') return undefined;
  if (c === 'gzip') return zlib.createGunzip();
  const z = zlib as ZstdZlib;
  if (!z.createZstdDecompress) throw zstdUnavailable();
  return z.createZstdDecompress();
}
