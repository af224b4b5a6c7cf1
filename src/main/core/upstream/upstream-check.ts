import type { UpstreamModelDTO, Variant } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { Db } from '../db/open-database';
import { authHint, listRepoFiles, resolveHead, type HubAccess } from '../hub/hub-client';
import { isCommitSha, readRef, repoCache } from '../hub/hf-cache';
import type { HubStore } from '../hub/hub-store';
import { selectFiles } from '../hub/select-files';
import { describeChanges, diffFiles } from './file-diff';
import { registrySources } from './registry-sources';

/** A repo branch this machine follows: what is pinned here, and which files of it were downloaded. */
export interface TrackedModel {
  repo: string;
  branch: string;
  pinnedCommit: string;
  variant: Variant;
  downloaded: Array<{ path: string; size: number; blob: string }>;
  registryModels: string[];
}

export const EMPTY = (): UpstreamModelDTO['changes'] => ({ added: [], removed: [], changed: [] });

/**
 * Everything followed: downloads made by the app (their branch, or `main` when a commit was asked for) and
 * registry models whose source is a Hub repo, merged per (repo, branch).
 */
export async function trackedModels(db: Db, hubStore: HubStore, hubCacheDir: string): Promise<TrackedModel[]> {
  const byKey = new Map<string, TrackedModel>();
  for (const r of hubStore.list()) {
    const branch = isCommitSha(r.revision) ? 'main' : r.revision;
    const key = `${r.repo}\0${branch}`;
    if (!byKey.has(key)) byKey.set(key, { repo: r.repo, branch, pinnedCommit: r.commit, variant: r.variant, downloaded: r.files, registryModels: [] });
  }
  for (const { name, source } of registrySources(db)) {
    if (source.kind !== 'hub') continue;
    const { repoId, revision } = source;
    const branch = revision && !isCommitSha(revision) ? revision : 'main';
    const key = `${repoId}\0${branch}`;
    let t = byKey.get(key);
    if (!t) {
      const pinned = revision && isCommitSha(revision) ? revision : await readRef(repoCache(hubCacheDir, repoId), branch);
      // Never downloaded and not pinned: nothing here to be out of date.
      if (!pinned) continue;
      t = { repo: repoId, branch, pinnedCommit: pinned, variant: 'fp32', downloaded: [], registryModels: [] };
      byKey.set(key, t);
    }
    if (!t.registryModels.includes(name)) t.registryModels.push(name);
  }
  return [...byKey.values()].sort((a, b) => a.repo.localeCompare(b.repo) || a.branch.localeCompare(b.branch));
}

function statusOf(err: unknown): { status: UpstreamModelDTO['status']; message: string } {
  if (err instanceof AppError) {
    if (err.code === 'HUB_AUTH') return { status: 'gated', message: `${err.message} ${err.hint ?? ''}`.trim() };
    if (err.code === 'HUB_NOT_FOUND') return { status: /revision/.test(err.message) ? 'revision-gone' : 'gone', message: err.message };
    return { status: 'unreachable', message: err.message };
  }
  return { status: 'unreachable', message: err instanceof Error ? err.message : String(err) };
}

/** One model against its upstream branch: two tree listings, no file downloads. Never throws: the state is the answer. */
export async function checkUpstream(access: HubAccess, t: TrackedModel, now = new Date().toISOString()): Promise<UpstreamModelDTO> {
  const base = { source: 'hf' as const, repo: t.repo, branch: t.branch, pinnedCommit: t.pinnedCommit, registryModels: t.registryModels, checkedAt: now };
  let head: string;
  try {
    const info = await resolveHead(access, t.repo, t.branch);
    head = info.commit;
    // Listing stays public on a gated repo; downloading does not. Without a token, that is the news.
    if (info.gated && !access.accessToken) {
      return { ...base, headCommit: head, status: 'gated', changes: EMPTY(), affectsDownloaded: false, message: `${t.repo} is gated: downloads need a token. ${authHint(t.repo, access.hubUrl)}` };
    }
  } catch (err) {
    const { status, message } = statusOf(err);
    return { ...base, headCommit: null, status, changes: EMPTY(), affectsDownloaded: false, message };
  }
  if (head === t.pinnedCommit) {
    return { ...base, headCommit: head, status: 'up-to-date', changes: EMPTY(), affectsDownloaded: false, message: `${t.branch} is still at ${head.slice(0, 10)}` };
  }
  let before: Array<{ path: string; size: number; blob: string }>;
  let after;
  try {
    after = await listRepoFiles(access, t.repo, head);
    // The pinned commit may be gone upstream (a force-push): then what was downloaded is the baseline.
    before = await listRepoFiles(access, t.repo, t.pinnedCommit).catch(() => t.downloaded);
  } catch (err) {
    const { status, message } = statusOf(err);
    return { ...base, headCommit: head, status, changes: EMPTY(), affectsDownloaded: false, message };
  }
  const changes = diffFiles(before, after);
  const mine = new Set(t.downloaded.map((f) => f.path));
  let wanted = new Set<string>();
  try {
    wanted = new Set(selectFiles(t.repo, after, t.variant, []).map((f) => f.path));
  } catch {
    /* the new head has no model of this variant: only downloaded paths count */
  }
  const touches = (p: string): boolean => mine.has(p) || wanted.has(p);
  const affectsDownloaded = changes.changed.some((c) => touches(c.path)) || changes.removed.some((c) => mine.has(c.path)) || changes.added.some((c) => wanted.has(c.path));
  return {
    ...base,
    headCommit: head,
    status: 'outdated',
    changes,
    affectsDownloaded,
    message: `${t.branch} moved ${t.pinnedCommit.slice(0, 10)} → ${head.slice(0, 10)}: ${describeChanges(changes)}${affectsDownloaded ? '' : ' (none of the files used here)'}`,
  };
}
