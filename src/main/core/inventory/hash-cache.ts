import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Db } from '../db/open-database';

/** The part of a file's stat the cache and the re-checks before linking compare. */
export interface FileStamp {
  size: number;
  mtimeNs: string;
  dev: string;
  ino: string;
}

export async function stampOf(file: string, follow = true): Promise<FileStamp & { nlink: number; atimeMs: number; mtimeMs: number; isFile: boolean }> {
  const st = follow ? await fs.promises.stat(file, { bigint: true }) : await fs.promises.lstat(file, { bigint: true });
  return {
    size: Number(st.size),
    mtimeNs: st.mtimeNs.toString(),
    dev: st.dev.toString(),
    ino: st.ino.toString(),
    nlink: Number(st.nlink),
    atimeMs: Number(st.atimeMs),
    mtimeMs: Number(st.mtimeMs),
    isFile: st.isFile(),
  };
}

export function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.dev === b.dev && a.ino === b.ino;
}

/**
 * Opens for reading without touching the access time where the OS allows it (Linux O_NOATIME, for files this user
 * owns): the inventory orders models by last use from atime, and hashing them must not make every file look used.
 */
async function openQuietly(file: string): Promise<fs.promises.FileHandle> {
  const noatime = fs.constants.O_NOATIME;
  if (noatime) {
    try {
      return await fs.promises.open(file, fs.constants.O_RDONLY | noatime);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    }
  }
  return fs.promises.open(file, 'r');
}

const CHUNK = 1024 * 1024;

/** sha256 of a file's content, read in 1 MiB chunks; `onBytes` sees each chunk's length (progress), `signal` stops it. */
export async function sha256File(file: string, signal?: AbortSignal, onBytes?: (n: number) => void): Promise<string> {
  const h = createHash('sha256');
  const handle = await openQuietly(file);
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      onBytes?.(bytesRead);
    }
  } finally {
    await handle.close();
  }
  return h.digest('hex');
}

/** sha256 by (path, size, mtime): a file is hashed once until it changes. */
export class HashCache {
  constructor(private readonly db: Db) {}

  get(path: string, stamp: Pick<FileStamp, 'size' | 'mtimeNs'>): string | null {
    const row = this.db.prepare('SELECT sha256 FROM inventory_hashes WHERE path = ? AND size = ? AND mtime_ns = ?').get(path, stamp.size, stamp.mtimeNs) as
      | { sha256: string }
      | undefined;
    return row?.sha256 ?? null;
  }

  put(path: string, stamp: Pick<FileStamp, 'size' | 'mtimeNs'>, sha256: string): void {
    this.db
      .prepare(
        `INSERT INTO inventory_hashes (path, size, mtime_ns, sha256, hashed_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256, hashed_at = excluded.hashed_at`,
      )
      .run(path, stamp.size, stamp.mtimeNs, sha256, new Date().toISOString());
  }
}
