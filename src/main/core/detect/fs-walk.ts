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

/**
 * Every file under a folder as `{abs, rel}` (rel with `/`), links to files included, links to folders not
 * followed (a link loop must not hang a scan). Unreadable folders are skipped.
 */
export async function listFiles(dir: string): Promise<Array<{ abs: string; rel: string }>> {
  const out: Array<{ abs: string; rel: string }> = [];
  const walk = async (d: string, prefix: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const abs = path.join(d, e.name);
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(abs, rel);
      else if (e.isFile()) out.push({ abs, rel });
      else if (e.isSymbolicLink() && (await fs.stat(abs).then((s) => s.isFile(), () => false))) out.push({ abs, rel });
    }
  };
  await walk(dir, '');
  return out;
}

/**
 * When the files a runtime must read to load a model were last read: their latest access time, as
 * huggingface_hub's cache scan reports `last_accessed`. Coarse where the disk is mounted relatime (updated at
 * most daily) and meaningless with noatime, where it stays at the download; null when none of them exists.
 */
export async function lastReadAt(files: string[]): Promise<string | null> {
  let latest = 0;
  for (const f of files) latest = Math.max(latest, await fs.stat(f).then((s) => s.atimeMs, () => 0));
  return latest > 0 ? new Date(latest).toISOString() : null;
}
