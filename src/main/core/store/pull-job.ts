import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { BundleImportReport } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { checkManifest } from '../bundles/bundle-manifest';
import { placeModels } from '../bundles/place-models';
import type { CoreServices } from '../core-services';
import { hashFile } from '../hub/file-hash';
import { ensureCacheDirTag, isCommitSha, repoCache, repoFolderName } from '../hub/hf-cache';
import type { HubStore } from '../hub/hub-store';
import { abortReason, type JobKind } from '../jobs/job-kind';
import { fetchBlob } from './fetch-blob';
import { openObjectStore } from './object-store';
import type { StoreConfig } from './store-config';
import { blobKey, manifestKey, refKey } from './store-layout';

export const PULL_JOB = 'store-pull';

export const PullParamsSchema = z.object({ repo: z.string().min(3), revision: z.string().min(1).default('main') });
export type PullParams = z.infer<typeof PullParamsSchema>;

/** The commit the pull was pinned to: a resumed job fetches the same one even if the ref moved meanwhile. */
export interface PullCheckpoint {
  commit: string;
}

/** The staging folder of one pull, inside the cache root (same disk: moving a verified blob in is a rename). */
export function pullStage(cacheDir: string, repo: string, commit: string): string {
  return path.join(cacheDir, `.model-center-pull-${repoFolderName(repo)}-${commit}`);
}

/**
 * Pull: resolve the ref in the store to a commit, read and check its manifest, fetch every blob the cache does
 * not already hold identically (0–95 %, resumable file by file and byte by byte), then place everything and
 * merge the registry exactly as a bundle import does (95–100 %). Cancel removes the partial files; a pause
 * or a failure keeps them for the next run.
 */
export function createPullJob(core: CoreServices, hubStore: HubStore, config: StoreConfig): JobKind<PullParams, PullCheckpoint, BundleImportReport> {
  return {
    kind: PULL_JOB,
    paramsSchema: PullParamsSchema,
    resumable: true,
    concurrency: 2,
    title: (p) => `Pull ${p.repo}@${p.revision} from the model store`,
    async run({ params, checkpoint, signal, report, saveCheckpoint, log }) {
      const cfg = config.resolve();
      const store = await openObjectStore(cfg, core.env);
      const cacheDir = core.settings.values().hubCacheDir;
      report({ progress: 0, phase: 'prepare', message: `Looking up ${params.repo}@${params.revision} in the store` });
      let commit = checkpoint?.commit;
      if (!commit) {
        commit = isCommitSha(params.revision) ? params.revision : ((await store.getText(refKey(cfg.prefix, params.repo, params.revision), signal))?.trim() ?? undefined);
        if (!commit || !isCommitSha(commit)) {
          throw new AppError('MODEL_NOT_FOUND', `The model store has no ${params.repo}@${params.revision}.`, { hint: 'See what it holds with `model-center store list`; publish it from the machine that has it.' });
        }
        saveCheckpoint({ commit });
      }
      const text = await store.getText(manifestKey(cfg.prefix, params.repo, commit), signal);
      if (text === null) throw new AppError('MODEL_NOT_FOUND', `The model store has no manifest for ${params.repo}@${commit.slice(0, 10)}.`, { hint: 'Publish it again.' });
      const manifest = checkManifest(text);
      const model = manifest.models.find((m) => m.repo.toLowerCase() === params.repo.toLowerCase() && m.commit === commit);
      if (!model) throw new AppError('INTEGRITY', `The store's manifest for ${params.repo}@${commit.slice(0, 10)} describes another model.`, { hint: 'Publish it again.' });

      await ensureCacheDirTag(cacheDir);
      const stage = pullStage(cacheDir, model.repo, commit);
      await fs.promises.mkdir(stage, { recursive: true });
      const cache = repoCache(cacheDir, model.repo);
      const blobs = new Map(model.files.map((f) => [f.blob, f]));
      const total = [...blobs.values()].reduce((s, f) => s + f.size, 0);
      const sizes = new Map<string, number>();
      const staged = new Map<string, string | null>();
      const progress = (file: string | null): void => {
        const done = [...sizes.values()].reduce((s, n) => s + n, 0);
        report({ progress: total ? (done / total) * 95 : 95, phase: 'transfer', message: file ? `Downloading ${file}` : 'Downloading', detail: { bytesDone: done, bytesTotal: total, currentFile: file } });
      };
      try {
        for (const f of blobs.values()) {
          signal.throwIfAborted();
          const inCache = path.join(cache.blobs, f.blob);
          const st = await fs.promises.stat(inCache).catch(() => undefined);
          if (st?.size === f.size && (await hashFile(inCache, 'sha256', signal)) === f.sha256) {
            staged.set(f.blob, null);
            sizes.set(f.blob, f.size);
            continue;
          }
          const dest = path.join(stage, f.blob);
          if (!(await fs.promises.stat(dest).catch(() => undefined))) {
            await fetchBlob({
              store,
              key: blobKey(cfg.prefix, model.repo, f.blob),
              dest,
              size: f.size,
              sha256: f.sha256,
              gitBlob: f.blob.length === 40 ? f.blob : undefined,
              label: `${f.path} of ${model.repo}`,
              signal,
              onProgress: (n) => {
                sizes.set(f.blob, n);
                progress(f.path);
              },
            });
          }
          sizes.set(f.blob, f.size);
          staged.set(f.blob, dest);
        }
        report({ progress: 95, phase: 'place', message: 'Moving files into the cache and merging the registry' });
        const result = await placeModels(core, hubStore, [model], (_repo, blob) => staged.get(blob) ?? null, manifest.registry, manifest.validations);
        await fs.promises.rm(stage, { recursive: true, force: true });
        log.info(`pulled ${model.repo}@${commit.slice(0, 10)} from ${store.describe}`);
        report({ progress: 100, phase: null, message: `Pulled ${model.repo}@${commit.slice(0, 10)}`, detail: { bytesDone: total, bytesTotal: total, report: result } });
        return result;
      } catch (err) {
        if (abortReason(signal) === 'cancel') await fs.promises.rm(stage, { recursive: true, force: true });
        throw err;
      }
    },
  };
}
