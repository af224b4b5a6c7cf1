import fs from 'node:fs';
import path from 'node:path';
import type { DownloadedModelDTO, hubContract, JobDTO, VerifyResultDTO } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CoreServices } from '../core-services';
import type { DomainHandlers } from '../handlers';
import { publicJob } from '../jobs/job-store';
import { DOWNLOAD_JOB, offlineError } from './download-job';
import { algorithmOf, hashFile } from './file-hash';
import { isCommitSha, listSnapshotFiles, readRef, repoCache, snapshotDir, snapshotFile, type RepoCache } from './hf-cache';
import type { HubStore } from './hub-store';
import { lookupRepoFiles } from './repo-files';

const ACTIVE_STATES = ['queued', 'running', 'paused', 'interrupted'] as const;

function activeDownload(core: CoreServices, repo: string): JobDTO | null {
  const job = core.jobStore.list({ states: [...ACTIVE_STATES], kind: DOWNLOAD_JOB, limit: 1000 }).find((j) => j.params.repo === repo);
  return job ? publicJob(job) : null;
}

async function missingFiles(m: DownloadedModelDTO): Promise<string[]> {
  const missing: string[] = [];
  for (const f of m.files) {
    const st = await fs.promises.stat(path.join(m.snapshotPath, ...f.path.split('/'))).catch(() => undefined);
    if (!st || st.size !== f.size) missing.push(f.path);
  }
  return missing;
}

/** The recorded download a command means: the revision's (branch, tag or sha), else the newest. */
async function pick(store: HubStore, core: CoreServices, repo: string, revision?: string): Promise<DownloadedModelDTO> {
  const all = store.forRepo(repo);
  let found = all[0];
  if (revision) {
    const cache = repoCache(core.settings.values().hubCacheDir, repo);
    const commit = isCommitSha(revision) ? revision : await readRef(cache, revision);
    found = all.find((m) => m.commit === commit || m.revision === revision);
  }
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

    'hub.status': async ({ repo }) => {
      const downloaded = store.forRepo(repo)[0] ?? null;
      const missing = downloaded ? await missingFiles(downloaded) : [];
      return {
        repo,
        present: downloaded !== null && missing.length === 0,
        missingFiles: missing,
        downloaded,
        activeJob: activeDownload(core, repo),
        cacheDir: core.settings.values().hubCacheDir,
      };
    },

    'hub.verify': async ({ repo, revision }): Promise<VerifyResultDTO> => {
      const m = await pick(store, core, repo, revision);
      const files: VerifyResultDTO['files'] = [];
      for (const f of m.files) {
        const algorithm = algorithmOf(f.blob);
        const file = path.join(m.snapshotPath, ...f.path.split('/'));
        const exists = await fs.promises.stat(file).catch(() => undefined);
        if (!exists) {
          files.push({ path: f.path, ok: false, algorithm, expected: f.blob, actual: null, problem: 'missing' });
          continue;
        }
        const actual = await hashFile(file, algorithm);
        const ok = actual === f.blob;
        files.push({ path: f.path, ok, algorithm, expected: f.blob, actual, problem: ok ? null : 'checksum mismatch' });
      }
      const ok = files.every((f) => f.ok);
      const verifiedAt = new Date().toISOString();
      if (ok) store.markVerified(repo, m.commit, verifiedAt);
      return { repo, commit: m.commit, ok, files, verifiedAt };
    },

    'hub.delete': async ({ repo, revision }) => {
      const active = activeDownload(core, repo);
      if (active) {
        throw new AppError('MODEL_IN_USE', `${repo} cannot be deleted while download job ${active.id} (${active.state}) uses it.`, {
          hint: `Cancel it first: \`model-center cancel ${active.id}\`.`,
        });
      }
      const cache = repoCache(core.settings.values().hubCacheDir, repo);
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
