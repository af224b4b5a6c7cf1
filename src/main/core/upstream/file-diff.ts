import type { UpstreamModelDTO } from '../../../shared/contract';

type Changes = UpstreamModelDTO['changes'];

/** What a file listing gained, lost and changed between two commits: by path, then size and content hash. */
export function diffFiles(before: Array<{ path: string; size: number; blob: string }>, after: Array<{ path: string; size: number; blob: string }>): Changes {
  const old = new Map(before.map((f) => [f.path, f]));
  const now = new Map(after.map((f) => [f.path, f]));
  const changes: Changes = { added: [], removed: [], changed: [] };
  for (const f of after) {
    const o = old.get(f.path);
    if (!o) changes.added.push({ path: f.path, size: f.size, hash: f.blob });
    else if (o.blob !== f.blob || o.size !== f.size) changes.changed.push({ path: f.path, oldSize: o.size, newSize: f.size, oldHash: o.blob, newHash: f.blob });
  }
  for (const f of before) if (!now.has(f.path)) changes.removed.push({ path: f.path, size: f.size, hash: f.blob });
  // Code-point order, as git lists paths.
  for (const list of [changes.added, changes.removed, changes.changed]) list.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return changes;
}

export function describeChanges(c: Changes): string {
  const parts = [c.changed.length && `${c.changed.length} changed`, c.added.length && `${c.added.length} added`, c.removed.length && `${c.removed.length} removed`].filter(Boolean);
  return parts.length ? parts.join(', ') : 'no file changes';
}
