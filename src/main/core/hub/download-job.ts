import fs from 'node:fs';
import { DownloadParamsSchema, type DownloadParams } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { formatBytes } from '../../../shared/format-bytes';
import type { CoreServices } from '../core-services';
import type { JobState } from '../../../shared/contract';
import type { JobKind } from '../jobs/job-kind';
import type { JobStore, StoredJob } from '../jobs/job-store';
import { sortCachedFiles } from './blob-recheck';
import { DownloadProgress } from './download-progress';
import { blobFile, ensureCacheDirTag, isCommitSha, linkSnapshotFile, removeRepoCacheIfEmpty, repoCache, snapshotFile, writeRef } from './hf-cache';
import { listRepoFiles, resolveCommit, resolveUrl, type HubAccess, type RemoteFile } from './hub-client';
import type { HubStore } from './hub-store';
import { removePartialFiles, transferFile } from './resumable-transfer';
import { selectFiles } from './select-files';
import { retryingFetch } from './retrying-fetch';

export const DOWNLOAD_JOB = 'download';

/** The newest download job of `repo` in one of `states`, leaving out job `exceptId` (a job asking about others). */
export function downloadJobOf(jobs: JobStore, repo: string, states: JobState[], exceptId?: number): StoredJob | undefined {
  return jobs.list({ states, kind: DOWNLOAD_JOB, limit: 1000 }).find((j) => j.id !== exceptId && j.params.repo === repo);
}

/** What survives a pause or crash: the pinned commit, the plan, and which files are verified and in place. */
export interface DownloadCheckpoint {
  commit: string;
  files: RemoteFile[];
  done: string[];
  /** Files whose blob was in the cache but damaged, deleted to be fetched again (kept for the final message). */
  repaired?: string[];
}

export interface DownloadResult {
  repo: string;
  commit: string;
  files: number;
  bytes: number;
  snapshotPath: string;
  /** Files that were in the cache but failed their hash, and were fetched again. */
  repaired: string[];
  /** The cache folder refused symlinks: snapshot files are copies of their blobs. */
  symlinksRefused: boolean;
}

export function symlinksRefused(cacheDir: string): string {
  return (
    `Symlinks are not allowed in ${cacheDir} (Windows without Developer Mode, or a FAT/exFAT drive), so the snapshot ` +
    'holds copies of the blobs instead of links, as huggingface_hub does there: the model takes twice its size on disk.'
  );
}

export function downloadedMessage(r: DownloadResult, cacheDir: string): string {
  const repaired = r.repaired.length ? ` (${r.repaired.length} repaired: ${r.repaired.join(', ')})` : '';
  return `Downloaded ${r.files} files${repaired}.${r.symlinksRefused ? ` ${symlinksRefused(cacheDir)}` : ''}`;
}

export function offlineError(repo: string): AppError {
  return new AppError('HUB_OFFLINE', `Cannot download ${repo}: HF_HUB_OFFLINE is set, so Model Center does not use the network.`, {
    hint: 'Unset HF_HUB_OFFLINE (or set it to 0) to download; models already in the cache stay usable offline.',
  });
}

/** Metadata calls retry transient failures; file transfers have their own resumable retries. */
const hubFetch = retryingFetch();

export function hubAccess(core: CoreServices): HubAccess {
  return { hubUrl: core.settings.values().hubEndpoint.replace(/\/+$/, ''), accessToken: core.settings.hfToken(), fetch: hubFetch };
}

/**
 * Room kept free beyond the bytes to write: the filesystem's own metadata, and whatever else writes to the disk
 * while a long download runs. A full disk mid-download fails it late; refusing at the start costs nothing.
 */
export function freeSpaceMargin(needed: number): number {
  return Math.max(64 * 1024 * 1024, Math.ceil(needed * 0.01));
}

/** Refuses to start when the disk of `dir` has less free space than the bytes still to fetch (and unpack) plus a margin. */
export async function checkFreeSpace(
  dir: string,
  needed: number,
  hint = 'Free some space (`model-center delete <model>` removes downloaded models) or point HF_HUB_CACHE at a larger disk.',
): Promise<void> {
  // Nothing to write (every file is in place): a full disk must not stop a re-check.
  if (needed <= 0) return;
  const margin = freeSpaceMargin(needed);
  const st = await fs.promises.statfs(dir);
  const free = Number(st.bavail) * Number(st.bsize);
  if (free < needed + margin) {
    const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
    throw new AppError(
      'DISK_FULL',
      `Not enough free space in ${dir}: the download needs ${mb(needed + margin)} (${mb(needed)} to write plus a ${mb(margin)} safety margin), ${mb(free)} are free.`,
      { hint },
    );
  }
}

/**
 * Downloads a model's files into the standard Hugging Face cache: prepare (0–10 %: resolve the revision to
 * a commit, list and choose files, check disk), transfer (10–90 % by bytes, files in parallel, each verified
 * before it is put in place), verify (90–100 %: snapshot links, refs, the record in the `hub` table).
 */
export function createDownloadJob(core: CoreServices, store: HubStore): JobKind<DownloadParams, DownloadCheckpoint, DownloadResult> {
  return {
    kind: DOWNLOAD_JOB,
    paramsSchema: DownloadParamsSchema,
    resumable: true,
    title: (p) => `Download ${p.repo}@${p.revision} (${p.variant})`,
    doneMessage: (r) => downloadedMessage(r, core.settings.values().hubCacheDir),
    async onCancel({ params, checkpoint, discard }) {
      // Kept by default: a later download of the same model continues from them, as huggingface_hub's would.
      if (!discard || !checkpoint) return undefined;
      // A paused or interrupted download of the model continues from the same partial files later.
      const other = downloadJobOf(core.jobStore, params.repo, ['queued', 'running', 'paused', 'interrupted']);
      if (other) return `Cancelled; its partial files are kept: job ${other.id} (${other.state}) downloads ${params.repo} from them.`;
      const cache = repoCache(core.settings.values().hubCacheDir, params.repo);
      const done = new Set(checkpoint.done);
      let freed = 0;
      for (const f of checkpoint.files) if (!done.has(f.path)) freed += await removePartialFiles(blobFile(cache, f.blob));
      await removeRepoCacheIfEmpty(cache);
      const kept = done.size > 0 ? ` The ${done.size} verified file(s) stay in the cache (\`model-center delete ${params.repo}\` removes them).` : '';
      return `Cancelled; ${formatBytes(freed)} of partial files deleted.${kept}`;
    },
    async run({ jobId, params, checkpoint, signal, report, saveCheckpoint, log }) {
      if (core.offline) throw offlineError(params.repo);
      // Two downloads of one model would write the same partial files: a resumed one waits for the other.
      const running = downloadJobOf(core.jobStore, params.repo, ['running'], jobId);
      if (running) {
        throw new AppError('MODEL_IN_USE', `${params.repo} is already being downloaded by job ${running.id}.`, {
          hint: `Follow it with \`model-center jobs show ${running.id}\`; the files this job fetched stay for it and for any later download of ${params.repo}.`,
        });
      }
      const settings = core.settings.values();
      const cacheDir = settings.hubCacheDir;
      const access = hubAccess(core);
      const cache = repoCache(cacheDir, params.repo);

      report({ progress: 0, phase: 'prepare', message: `Resolving ${params.repo}@${params.revision}` });
      let plan: DownloadCheckpoint;
      if (checkpoint) {
        plan = checkpoint;
      } else {
        const commit = await resolveCommit(access, params.repo, params.revision);
        report({ progress: 4, phase: 'prepare', message: `Listing files of ${params.repo} at ${commit.slice(0, 10)}` });
        const all = await listRepoFiles(access, params.repo, commit);
        const files = selectFiles(params.repo, all, params.variant, params.include);
        plan = { commit, files, done: [] };
        saveCheckpoint(plan);
      }
      signal.throwIfAborted();
      await ensureCacheDirTag(cacheDir);
      await fs.promises.mkdir(cache.blobs, { recursive: true });
      // @huggingface/hub's scanCacheDir fails a repo without refs/ (huggingface_hub writes none for a download
      // pinned to a commit, but its own scanner copes): an empty one keeps both scanners happy.
      await fs.promises.mkdir(cache.refs, { recursive: true });
      const done = new Set(plan.done);
      const repaired = new Set(plan.repaired ?? []);
      // A blob of the right size that this download did not verify may still be damaged: hash it before trusting it.
      const { intact, damaged, remaining } = await sortCachedFiles(cache, plan.files, done, signal, (p) =>
        report({ progress: 5 + (p.bytesDone / Math.max(1, p.bytesTotal)) * 5, phase: 'prepare', message: `Checking ${p.file.path}, already in the cache` }),
      );
      for (const d of damaged) {
        repaired.add(d.file.path);
        log.warn(`${d.file.path} of ${params.repo} in the cache is damaged (expected ${d.file.algorithm} ${d.file.blob}, got ${d.actual}); fetching it again`);
      }
      for (const f of intact) done.add(f.path);
      plan = { ...plan, done: [...done], repaired: [...repaired] };
      if (intact.length + damaged.length > 0) saveCheckpoint(plan);
      await checkFreeSpace(cache.blobs, remaining);
      const total = plan.files.reduce((s, f) => s + f.size, 0);
      report({
        progress: 10,
        phase: 'prepare',
        message: `${plan.files.length} files, ${total} bytes${damaged.length ? `; fetching again the damaged ${damaged.map((d) => d.file.path).join(', ')}` : ''}`,
        detail: { bytesDone: 0, bytesTotal: total },
      });

      // Transfer: a pool of workers over the files not yet in place.
      const progress = new DownloadProgress(plan.files, report);
      for (const p of done) progress.complete(p);
      const queue = plan.files.filter((f) => !done.has(f.path));
      const headers: Record<string, string> = access.accessToken ? { Authorization: `Bearer ${access.accessToken}` } : {};
      // The first file that fails stops the others: its error is the job's.
      const stopAll = new AbortController();
      const workerSignal = AbortSignal.any([signal, stopAll.signal]);
      let firstError: unknown;
      const worker = async (): Promise<void> => {
        for (let f = queue.shift(); f; f = queue.shift()) {
          workerSignal.throwIfAborted();
          const file = f;
          progress.start(file.path);
          await transferFile({
            url: resolveUrl(access.hubUrl, params.repo, plan.commit, file.path),
            headers,
            dest: blobFile(cache, file.blob),
            size: file.size,
            algorithm: file.algorithm,
            expected: file.blob,
            label: file.path,
            repo: params.repo,
            hubUrl: access.hubUrl,
            signal: workerSignal,
            onProgress: (n) => {
              progress.received(file.path, n);
              progress.send();
            },
          });
          await linkSnapshotFile(cache, plan.commit, file.path, file.blob);
          progress.complete(file.path);
          done.add(file.path);
          saveCheckpoint({ ...plan, done: [...done] });
          progress.send(true);
        }
      };
      const workers = Math.max(1, Math.min(settings.downloadConcurrency, queue.length));
      await Promise.all(
        Array.from({ length: workers }, () =>
          worker().catch((err: unknown) => {
            if (firstError === undefined && !signal.aborted) firstError = err;
            stopAll.abort('stopped');
          }),
        ),
      );
      signal.throwIfAborted();
      if (firstError !== undefined) throw firstError;

      // Verify: every file in the snapshot resolves to a blob of the listed size; then refs and the record.
      report({ progress: 90, phase: 'verify', message: 'Checking the snapshot', detail: { bytesDone: total, bytesTotal: total } });
      let copied = 0;
      for (const [i, f] of plan.files.entries()) {
        signal.throwIfAborted();
        const snap = snapshotFile(cache, plan.commit, f.path);
        const st = await fs.promises.stat(snap).catch(() => undefined);
        if (!st || st.size !== f.size) {
          await linkSnapshotFile(cache, plan.commit, f.path, f.blob);
          const again = await fs.promises.stat(snap).catch(() => undefined);
          if (!again || again.size !== f.size) {
            throw new AppError('INTEGRITY', `${f.path} of ${params.repo} is missing or has the wrong size in the cache after download.`, {
              hint: 'Run the download again.',
            });
          }
        }
        // Counted here rather than where links are made: a resumed job made only some of them.
        if (!(await fs.promises.lstat(snap)).isSymbolicLink()) copied++;
        report({ progress: 90 + ((i + 1) / plan.files.length) * 9, phase: 'verify' });
      }
      if (copied > 0) log.warn(symlinksRefused(cacheDir));
      // As huggingface_hub: a branch or tag gets a ref; a commit sha needs none.
      if (!isCommitSha(params.revision)) await writeRef(cache, params.revision, plan.commit);
      const rec = store.record({
        repo: params.repo,
        commit: plan.commit,
        revision: params.revision,
        variant: params.variant,
        files: plan.files.map((f) => ({ path: f.path, size: f.size, blob: f.blob })),
        cacheDir,
      });
      log.info(`downloaded ${params.repo}@${plan.commit} (${plan.files.length} files, ${total} bytes${repaired.size ? `, repaired ${[...repaired].join(', ')}` : ''})`);
      const result: DownloadResult = {
        repo: params.repo,
        commit: plan.commit,
        files: plan.files.length,
        bytes: total,
        snapshotPath: rec.snapshotPath,
        repaired: [...repaired],
        symlinksRefused: copied > 0,
      };
      report({ progress: 100, phase: 'verify', message: downloadedMessage(result, cacheDir) });
      return result;
    },
  };
}
