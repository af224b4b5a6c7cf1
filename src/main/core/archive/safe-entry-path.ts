import path from 'node:path';

/**
 * Where an archive entry named `name` would land under `root`, or the reason it must not be extracted: an
 * absolute path, a drive letter, a `..` segment, or anything else that resolves outside `root` (zip-slip /
 * tar path traversal). Backslashes count as separators, as Windows tools write them.
 */
export function resolveEntryPath(root: string, name: string): { target: string } | { refused: string } {
  const base = path.resolve(root);
  const normal = name.replace(/\\/g, '/');
  if (normal.startsWith('/') || /^[A-Za-z]:/.test(normal) || path.isAbsolute(name)) return { refused: `entry "${name}" is an absolute path` };
  if (normal.split('/').includes('..')) return { refused: `entry "${name}" would land outside the target folder` };
  const target = path.resolve(base, normal);
  if (target !== base && !target.startsWith(base + path.sep)) return { refused: `entry "${name}" would land outside the target folder` };
  return { target };
}
