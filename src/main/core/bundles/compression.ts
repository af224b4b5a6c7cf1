import zlib from 'node:zlib';
import type { Duplex } from 'node:stream';
import { BUNDLE_EXTENSIONS, type Compression } from '../../../shared/contract';
import { zstdCompressor, zstdCompressorReady, zstdDecompressor } from './zstd-stream';

/** The compression a file name asks for: `.tar.gz`/`.tgz` gzip, `.tar` none, `.tar.zst`/`.tzst` zstd; else gzip. */
export function compressionFor(file: string, asked: Compression | 'auto'): Compression {
  if (asked !== 'auto') return asked;
  const lower = file.toLowerCase();
  if (lower.endsWith('.tar')) return 'none';
  if (lower.endsWith('.zst') || lower.endsWith('.tzst')) return 'zstd';
  return 'gzip';
}

export function extensionFor(c: Compression): string {
  return BUNDLE_EXTENSIONS[c];
}

/** Refuses now, before any work, a compression whose encoder cannot be loaded. */
export async function assertCompressionAvailable(c: Compression): Promise<void> {
  if (c === 'zstd') await zstdCompressorReady();
}

export function compressor(c: Compression): Duplex | undefined {
  if (c === 'none') return undefined;
  if (c === 'gzip') return zlib.createGzip({ level: 6 });
  return zstdCompressor();
}

/**
 * The compression of a file from its first bytes, whatever its name: gzip 1f 8b; zstd 28 b5 2f fd, or a skippable
 * frame (50–5f 2a 4d 18) before it; else a plain tar.
 */
export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && (head.readUInt32LE(0) === 0xfd2fb528 || (head.readUInt32LE(0) & 0xfffffff0) >>> 0 === 0x184d2a50)) return 'zstd';
  return 'none';
}

export function decompressor(c: Compression): Duplex | undefined {
  if (c === 'none') return undefined;
  if (c === 'gzip') return zlib.createGunzip();
  return zstdDecompressor();
}
