import fs from 'node:fs';
import type { CleanupResultDTO } from '../../../shared/contract';
import type { CoreServices } from '../core-services';
import { bytesOnlyIn } from '../detect/hf-blobs';
import { activeJobs, describeJob, jobsUsing } from '../detect/in-use';
import type { RegistrySource } from '../detect/registry-links';
import { DOWNLOAD_JOB } from '../hub/download-job';
import { isCommitSha, readRef, repoCache, snapshotDir } from '../hub/hf-cache';
import type { HubStore } from '../hub/hub-store';
import type { Handlers } from '../handlers';

type Repo = CleanupResultDTO['repos'][number];
type Revision = Repo['kept'][number];

/** Repos in the cache folder (`models--org--name`); names with more than one `--` split at the first. */
async function cachedRepos(cacheDir: string, store: HubStore): Promise<string[]> {
  const names = new Set(store.list().map((m) => m.repo));
  for (const d of await fs.promises.readdir(cacheDir).catch(() => [] as string[])) {
    const m = /^models--([^-][^/]*?)--(.+)$/.exec(d);
    if (m?.[1] && m[2] && !names.has(`${m[1]}/${m[2]}`)) names.add(`${m[1]}/${m[2]}`);
  }
  return [...names].sort();
}

/** Hub repos pinned by the registry: a model with a production version, or with a current version, keeps its source revision. */
function hubPins(sources: RegistrySource[]): Array<{ repo: string; revision: string | null; why: string }> {
  const out: Array<{ repo: string; revision: string | null; why: string }> = [];
  for (const r of sources) {
    if (r.source.kind !== 'hub' || (!r.production && !r.current)) continue;
    const why = r.production ? `pinned by registry model ${r.name} (production)` : `source of registry model ${r.name} (current version ${r.current ?? ''})`;
    out.push({ repo: r.source.repoId, revision: r.source.revision, why });
  }
  return out;
}

/** Per Hub repo in the cache: keep the N most recent revisions and the pinned ones; leave a repo a job uses alone. */
export async function cleanupHub(
  core: CoreServices,
  store: HubStore,
  handlers: Handlers,
  sources: RegistrySource[],
  keep: number,
  dryRun: boolean,
): Promise<{ repos: Repo[]; bytesFreed: number }> {
  const cacheDir = core.settings.values().hubCacheDir;
  const jobs = activeJobs(core);
  const pinned = hubPins(sources);
  const repos: Repo[] = [];
  let bytesFreed = 0;
  for (const repo of await cachedRepos(cacheDir, store)) {
    const cache = repoCache(cacheDir, repo);
    const commits = (await fs.promises.readdir(cache.snapshots).catch(() => [] as string[])).filter(isCommitSha);
    if (commits.length === 0) continue;
    const job = jobsUsing(core.db, jobs, { source: 'huggingface', name: repo, location: cache.root, registryNames: [] })[0];
    const records = new Map(store.forRepo(repo).map((m) => [m.commit, m.downloadedAt]));
    const revs: Array<Revision & { time: number }> = [];
    for (const commit of commits) {
      const st = await fs.promises.stat(snapshotDir(cache, commit)).catch(() => undefined);
      const at = records.get(commit) ?? st?.mtime.toISOString() ?? null;
      revs.push({ commit, at, time: at ? Date.parse(at) : 0 });
    }
    revs.sort((a, b) => b.time - a.time || a.commit.localeCompare(b.commit));
    if (job) {
      repos.push({ repo, kept: revs.map(({ commit, at }) => ({ commit, at })), removed: [], skipped: job.kind === DOWNLOAD_JOB ? `download job ${job.id} (${job.state}) uses it` : `${describeJob(job)} uses it` });
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
    const bytes = await bytesOnlyIn(cache, removed.map((r) => r.commit), kept.map((k) => k.commit));
    for (const r of removed) {
      r.bytes = bytes.get(r.commit) ?? 0;
      bytesFreed += r.bytes;
    }
    if (!dryRun) {
      for (const r of removed) {
        await handlers['hub.delete']({ repo, revision: r.commit });
        core.log.info(`cleanup: removed ${repo}@${r.commit}`);
      }
    }
    repos.push({ repo, kept, removed, skipped: null });
  }
  return { repos, bytesFreed };
}
