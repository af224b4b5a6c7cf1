import fs from 'node:fs/promises';
import path from 'node:path';

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.stat(p);
    return true;
  } catch {
    return false;
  }
}

export async function isDir(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Bytes under a folder, counting each file once and never following symlinks (a link must not count twice). */
export async function dirSize(dir: string): Promise<{ bytes: number; newestMtime: Date | null }> {
  let bytes = 0;
  let newest: Date | null = null;
  const stack = [dir];
  while (stack.length > 0) {
    const cur = stack.pop() as string;
    let entries;
    try {
      entries = await fs.readdir(cur, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const full = path.join(cur, e.name);
      if (e.isDirectory()) stack.push(full);
      else if (e.isFile()) {
        try {
          const st = await fs.stat(full);
          bytes += st.size;
          if (!newest || st.mtime > newest) newest = st.mtime;
        } catch {
          // Vanished while scanning: not ours to report.
        }
      }
    }
  }
  return { bytes, newestMtime: newest };
}

export async function listDirs(dir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

export function uniquePaths(paths: string[]): string[] {
  return [...new Set(paths.map((p) => path.resolve(p)))];
}
