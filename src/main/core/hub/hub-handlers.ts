import fs from 'node:fs';
import path from 'node:path';
import type { hubContract, JobDTO, ModelStatusDTO, VerifyResultDTO } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CoreServices } from '../core-services';
import type { DomainHandlers } from '../handlers';
import { activeJobs, describeJob, jobsUsing } from '../detect/in-use';
import { registrySources, registryUsersOf } from '../detect/registry-links';
import { publicJob } from '../jobs/job-store';
import { DOWNLOAD_JOB, downloadJobOf, offlineError } from './download-job';
import { isCommitSha, listSnapshotFiles, readRef, repoCache, snapshotDir, snapshotFile, type RepoCache } from './hf-cache';
import { NO_FILES, type HubStore } from './hub-store';
import { findSnapshot, hashSnapshot, snapshotHealth, type Snapshot } from './model-state';
import { lookupRepoFiles } from './repo-files';

const ACTIVE_STATES = ['queued', 'running', 'paused', 'interrupted'] as const;

function activeDownload(core: CoreServices, repo: string): JobDTO | null {
  const job = downloadJobOf(core.jobStore, repo, [...ACTIVE_STATES]);
  return job ? publicJob(job) : null;
}

/** The newest failed download of the repo, unless a download finished after it. */
function lastDownloadError(core: CoreServices, repo: string, downloadedAt: string | null): ModelStatusDTO['lastError'] {
  const job = downloadJobOf(core.jobStore, repo, ['failed']);
  const at = job ? (job.finishedAt ?? job.updatedAt) : null;
  if (!job || !at || (downloadedAt !== null && downloadedAt >= at)) return null;
  return { jobId: job.id, code: job.error?.code ?? 'INTERNAL', message: job.error?.message ?? 'the download failed', at };
}

async function requireSnapshot(store: HubStore, core: CoreServices, repo: string, revision?: string): Promise<Snapshot> {
  const found = await findSnapshot(store, core.settings.values().hubCacheDir, repo, revision);
  if (!found) {
    throw new AppError('MODEL_NOT_FOUND', `${repo}${revision ? `@${revision}` : ''} is not downloaded.`, {
      hint: `Download it with \`model-center download ${repo}${revision ? ` --revision ${revision}` : ''}\`.`,
    });
  }
  return found;
}

/** Blob names a snapshot's links point to. */
async function snapshotBlobs(cache: RepoCache, commit: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const rel of await listSnapshotFiles(snapshotDir(cache, commit))) {
    const target = await fs.promises.readlink(snapshotFile(cache, commit, rel)).catch(() => undefined);
    if (target) out.add(path.basename(target));
  }
  return out;
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await fs.promises.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await dirBytes(p);
    else if (e.isFile()) total += (await fs.promises.stat(p)).size;
  }
  return total;
}

export function createHubHandlers(core: CoreServices, store: HubStore): DomainHandlers<typeof hubContract> {
  return {
    'hub.download': (params) => {
      if (core.offline) throw offlineError(params.repo);
      const active = activeDownload(core, params.repo);
      if (active && (active.state === 'queued' || active.state === 'running')) {
        throw new AppError('MODEL_IN_USE', `${params.repo} is already being downloaded by job ${active.id}.`, {
          hint: `Follow it with \`model-center jobs show ${active.id}\`, or cancel it with \`model-center cancel ${active.id}\`.`,
        });
      }
      return core.jobs.start(DOWNLOAD_JOB, params);
    },

    'hub.status': async ({ repo }): Promise<ModelStatusDTO> => {
      const cacheDir = core.settings.values().hubCacheDir;
      const snap = await findSnapshot(store, cacheDir, repo);
      const health = snap ? await snapshotHealth(store, core.jobStore, snap) : null;
      const active = activeDownload(core, repo);
      const v = health?.verification ?? null;
      const sizeBytes = snap ? snap.files.reduce((n, f) => n + f.size, 0) : 0;
      return {
        repo,
        present: health?.usable ?? false,
        missingFiles: health?.problems.map((p) => p.path) ?? [],
        downloaded: snap?.downloaded ?? null,
        activeJob: active,
        cacheDir,
        source: snap?.source ?? null,
        revision: snap?.revision ?? null,
        commit: snap?.commit ?? null,
        snapshotPath: snap?.snapshotPath ?? null,
        files: snap?.files ?? [],
        sizeBytes,
        sizeMB: Math.round((sizeBytes / 1024 / 1024) * 100) / 100,
        lastVerifiedAt: v?.ok ? v.at : (snap?.downloaded?.verifiedAt ?? null),
        lastVerifyOk: v ? v.ok : null,
        verifyFailedAt: v && !v.ok ? v.at : null,
        verifyProblems: v && !v.ok ? v.problems : [],
        downloading: active ? { jobId: active.id, state: active.state, progress: active.progress, message: active.message } : null,
        lastError: lastDownloadError(core, repo, snap?.downloaded?.downloadedAt ?? null),
        unfinishedDownload: health?.unfinished ? { jobId: health.unfinished.id, state: health.unfinished.state } : null,
      };
    },

    'hub.verify': async ({ repo, revision }): Promise<VerifyResultDTO> => {
      // A download rewrites and repairs blobs as it goes: a verify beside it would judge files half replaced.
      const running = downloadJobOf(core.jobStore, repo, ['queued', 'running']);
      if (running) {
        throw new AppError('MODEL_IN_USE', `${repo} is being downloaded by job ${running.id}; verify it once that ends.`, {
          hint: `Follow it with \`model-center jobs show ${running.id}\`.`,
        });
      }
      const snap = await requireSnapshot(store, core, repo, revision);
      const files = await hashSnapshot(snap);
      const ok = files.length > 0 && files.every((f) => f.ok);
      const verifiedAt = new Date().toISOString();
      const problems = files.filter((f) => !f.ok).map((f) => `${f.path}: ${f.problem ?? 'failed'}`);
      store.recordVerification(repo, snap.commit, { at: verifiedAt, ok, problems: files.length ? problems : [NO_FILES] });
      return { repo, commit: snap.commit, ok, files, verifiedAt };
    },

    'hub.delete': async ({ repo, revision }) => {
      const cache = repoCache(core.settings.values().hubCacheDir, repo);
      const users = registryUsersOf(registrySources(core.db), 'huggingface', repo, cache.root).map((u) => u.name);
      const job = jobsUsing(core.db, activeJobs(core), { source: 'huggingface', name: repo, location: cache.root, registryNames: users })[0];
      if (job) {
        throw new AppError('MODEL_IN_USE', `${repo} cannot be deleted while ${describeJob(job)} uses it.`, {
          hint: `Wait for it to finish, or cancel it: \`model-center cancel ${job.id}\`.`,
        });
      }
      const exists = await fs.promises.stat(cache.root).then(() => true, () => false);
      if (!exists && store.forRepo(repo).length === 0) {
        throw new AppError('MODEL_NOT_FOUND', `${repo} is not in the cache.`, { hint: 'See downloaded models with `model-center status` or the Downloads page.' });
      }
      if (!revision) {
        const bytesFreed = await dirBytes(cache.root);
        const commits = await fs.promises.readdir(cache.snapshots).catch(() => [] as string[]);
        await fs.promises.rm(cache.root, { recursive: true, force: true });
        store.remove(repo);
        return { repo, commits, bytesFreed, removedModel: true };
      }
      const commit = isCommitSha(revision) ? revision : await readRef(cache, revision);
      if (!commit || !(await fs.promises.stat(snapshotDir(cache, commit)).then(() => true, () => false))) {
        throw new AppError('MODEL_NOT_FOUND', `${repo} has no downloaded revision "${revision}".`, { hint: `See it with \`model-center status\`.` });
      }
      const mine = await snapshotBlobs(cache, commit);
      await fs.promises.rm(snapshotDir(cache, commit), { recursive: true, force: true });
      const others = await fs.promises.readdir(cache.snapshots).catch(() => [] as string[]);
      const kept = new Set<string>();
      for (const c of others) for (const b of await snapshotBlobs(cache, c)) kept.add(b);
      let bytesFreed = 0;
      for (const b of mine) {
        if (kept.has(b)) continue;
        const p = path.join(cache.blobs, b);
        bytesFreed += await fs.promises.stat(p).then((s) => s.size, () => 0);
        await fs.promises.rm(p, { force: true });
      }
      // Refs that pointed at the deleted commit go with it.
      for (const ref of await listSnapshotFiles(cache.refs)) {
        if ((await readRef(cache, ref)) === commit) await fs.promises.rm(path.join(cache.refs, ...ref.split('/')), { force: true });
      }
      store.remove(repo, commit);
      let removedModel = false;
      if (others.length === 0) {
        bytesFreed += await dirBytes(cache.root);
        await fs.promises.rm(cache.root, { recursive: true, force: true });
        store.remove(repo);
        removedModel = true;
      }
      return { repo, commits: [commit], bytesFreed, removedModel };
    },

    'hub.listDownloaded': () => store.list(),

    'hub.files': ({ repo, revision }) => lookupRepoFiles(core, repo, revision),
  };
}
