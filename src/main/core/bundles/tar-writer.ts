import fs from 'node:fs';
import { Header, Pax } from 'tar';
import type { HeaderData } from 'tar';

const BLOCK = 512;
const MTIME = new Date('2020-01-01T00:00:00Z');

/** One entry to write: a regular file streamed from disk or from memory, a symbolic link, or a folder. */
export type TarEntry =
  | { type: 'file'; path: string; size: number; source: string | Buffer; mtime?: Date }
  | { type: 'symlink'; path: string; target: string; mtime?: Date };

function headerBlocks(data: HeaderData): Buffer[] {
  const block = Buffer.alloc(BLOCK);
  const header = new Header({ uid: 0, gid: 0, uname: '', gname: '', mtime: MTIME, ...data });
  // Paths past ustar's 100+155 characters (snapshot paths often are) go in a PAX extended header first.
  const needPax = header.encode(block);
  return needPax ? [new Pax({ path: data.path, linkpath: data.linkpath, mtime: data.mtime ?? MTIME, size: data.size }).encode(), block] : [block];
}

function padding(size: number): Buffer | undefined {
  const rest = size % BLOCK;
  return rest ? Buffer.alloc(BLOCK - rest) : undefined;
}

/**
 * A POSIX tar stream (ustar + PAX for long names), generated entry by entry: file bodies are read from disk in
 * chunks as the consumer pulls, so a bundle of any size never sits in memory. `onChunk` sees every body chunk
 * of a file entry (for hashing and progress) before it is written.
 */
export async function* tarStream(
  entries: AsyncIterable<TarEntry> | Iterable<TarEntry>,
  onChunk?: (entry: TarEntry, chunk: Buffer) => void,
  signal?: AbortSignal,
): AsyncGenerator<Buffer> {
  for await (const e of entries) {
    signal?.throwIfAborted();
    if (e.type === 'symlink') {
      yield* headerBlocks({ path: e.path, type: 'SymbolicLink', linkpath: e.target, mode: 0o777, size: 0, mtime: e.mtime });
      continue;
    }
    yield* headerBlocks({ path: e.path, type: 'File', mode: 0o644, size: e.size, mtime: e.mtime });
    let written = 0;
    if (Buffer.isBuffer(e.source)) {
      onChunk?.(e, e.source);
      written = e.source.length;
      yield e.source;
    } else {
      for await (const chunk of fs.createReadStream(e.source, { highWaterMark: 1024 * 1024, signal })) {
        const buf = chunk as Buffer;
        written += buf.length;
        if (written > e.size) throw new Error(`${e.path} grew while it was being written to the bundle`);
        onChunk?.(e, buf);
        yield buf;
      }
    }
    if (written !== e.size) throw new Error(`${e.path} is ${written} bytes, not the ${e.size} expected (changed while exporting?)`);
    const pad = padding(e.size);
    if (pad) yield pad;
  }
  // End of archive: two zero blocks.
  yield Buffer.alloc(BLOCK * 2);
}
