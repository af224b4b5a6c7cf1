import fs from 'node:fs';
import path from 'node:path';
import { ModelSourceSchema, type CleanupResultDTO } from '../../../shared/contract';
import type { CoreServices } from '../core-services';
import { DOWNLOAD_JOB } from '../hub/download-job';
import { isCommitSha, listSnapshotFiles, readRef, repoCache, snapshotDir, snapshotFile, type RepoCache } from '../hub/hf-cache';
import type { HubStore } from '../hub/hub-store';
import type { Handlers } from '../handlers';

const ACTIVE = ['queued', 'running', 'paused', 'interrupted'] as const;

type Revision = CleanupResultDTO['repos'][number]['kept'][number];

async function blobsOf(cache: RepoCache, commit: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const rel of await listSnapshotFiles(snapshotDir(cache, commit))) {
    const target = await fs.promises.readlink(snapshotFile(cache, commit, rel)).catch(() => undefined);
    if (target) out.add(path.basename(target));
  }
  return out;
}

/** Hub repos pinned by the registry: a model with a production version, or with a current version, keeps its source revision. */
function pins(core: CoreServices): Array<{ repo: string; revision: string | null; why: string }> {
  const rows = core.db
    .prepare(
      `SELECT m.name, m.source, m.current_version AS current,
        EXISTS (SELECT 1 FROM registry_versions v WHERE v.model_id = m.id AND v.status = 'production') AS prod
       FROM registry_models m WHERE m.source IS NOT NULL`,
    )
    .all() as Array<{ name: string; source: string; current: string | null; prod: number }>;
  const out: Array<{ repo: string; revision: string | null; why: string }> = [];
  for (const r of rows) {
    let parsed;
    try {
      parsed = ModelSourceSchema.safeParse(JSON.parse(r.source));
    } catch {
      continue;
    }
    if (!parsed.success || parsed.data.kind !== 'hub') continue;
    if (!r.prod && !r.current) continue;
    const why = r.prod ? `pinned by registry model ${r.name} (production)` : `source of registry model ${r.name} (current version ${r.current ?? ''})`;
    out.push({ repo: parsed.data.repoId, revision: parsed.data.revision, why });
  }
  return out;
}

/** Repos in the cache folder (`models--org--name`); names with more than one `--` split at the first. */
async function cachedRepos(cacheDir: string, store: HubStore): Promise<string[]> {
  const names = new Set(store.list().map((m) => m.repo));
  for (const d of await fs.promises.readdir(cacheDir).catch(() => [] as string[])) {
    const m = /^models--([^-][^/]*?)--(.+)$/.exec(d);
    if (m?.[1] && m[2] && !names.has(`${m[1]}/${m[2]}`)) names.add(`${m[1]}/${m[2]}`);
  }
  return [...names].sort();
}

export async function cleanup(core: CoreServices, store: HubStore, handlers: Handlers, keep: number, dryRun: boolean): Promise<CleanupResultDTO> {
  const cacheDir = core.settings.values().hubCacheDir;
  const active = core.jobStore.list({ states: [...ACTIVE], kind: DOWNLOAD_JOB, limit: 1000 });
  const pinned = pins(core);
  const result: CleanupResultDTO = { dryRun, keep, repos: [], bytesFreed: 0 };
  for (const repo of await cachedRepos(cacheDir, store)) {
    const cache = repoCache(cacheDir, repo);
    const commits = (await fs.promises.readdir(cache.snapshots).catch(() => [] as string[])).filter(isCommitSha);
    if (commits.length === 0) continue;
    const job = active.find((j) => j.params.repo === repo);
    const records = new Map(store.forRepo(repo).map((m) => [m.commit, m.downloadedAt]));
    const revs: Array<Revision & { time: number }> = [];
    for (const commit of commits) {
      const st = await fs.promises.stat(snapshotDir(cache, commit)).catch(() => undefined);
      const at = records.get(commit) ?? st?.mtime.toISOString() ?? null;
      revs.push({ commit, at, time: at ? Date.parse(at) : 0 });
    }
    revs.sort((a, b) => b.time - a.time || a.commit.localeCompare(b.commit));
    if (job) {
      result.repos.push({ repo, kept: revs.map(({ commit, at }) => ({ commit, at })), removed: [], skipped: `download job ${job.id} (${job.state}) uses it` });
      continue;
    }
    const protectedWhy = new Map<string, string>();
    for (const p of pinned.filter((x) => x.repo === repo)) {
      const rev = p.revision ?? 'main';
      const commit = isCommitSha(rev) ? rev : ((await readRef(cache, rev)) ?? revs.find((r) => r.commit.startsWith(rev))?.commit);
      if (commit) protectedWhy.set(commit, p.why);
    }
    const kept: Revision[] = [];
    const removed: Revision[] = [];
    revs.forEach(({ commit, at }, i) => {
      const why = protectedWhy.get(commit);
      if (why) kept.push({ commit, at, reason: why });
      else if (i < keep) kept.push({ commit, at, reason: `among the ${keep} most recent` });
      else removed.push({ commit, at });
    });
    const keptBlobs = new Set<string>();
    for (const k of kept) for (const b of await blobsOf(cache, k.commit)) keptBlobs.add(b);
    const counted = new Set<string>();
    for (const r of removed) {
      let bytes = 0;
      for (const b of await blobsOf(cache, r.commit)) {
        if (keptBlobs.has(b) || counted.has(b)) continue;
        counted.add(b);
        bytes += await fs.promises.stat(path.join(cache.blobs, b)).then((s) => s.size, () => 0);
      }
      r.bytes = bytes;
      result.bytesFreed += bytes;
    }
    if (!dryRun) {
      for (const r of removed) {
        await handlers['hub.delete']({ repo, revision: r.commit });
        core.log.info(`cleanup: removed ${repo}@${r.commit}`);
      }
    }
    result.repos.push({ repo, kept, removed, skipped: null });
  }
  return result;
}
