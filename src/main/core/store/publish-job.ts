import { z } from 'zod';
import type { CoreServices } from '../core-services';
import type { HubStore } from '../hub/hub-store';
import type { JobKind } from '../jobs/job-kind';
import { buildManifest, planAndHash } from '../bundles/bundle-manifest';
import { registryEntriesFor, validationsFor } from '../bundles/registry-entries';
import { openObjectStore, type MultipartState } from './object-store';
import type { StoreConfig } from './store-config';
import { blobKey, manifestKey, refKey } from './store-layout';

export const PUBLISH_JOB = 'store-publish';

export const PublishParamsSchema = z.object({ models: z.array(z.string()).min(1) });
export type PublishParams = z.infer<typeof PublishParamsSchema>;

/**
 * Blob keys already uploaded (a resumed job skips them without even asking the store), and the multipart upload
 * of a big blob in progress (a resumed job sends only its missing parts).
 */
export interface PublishCheckpoint {
  uploaded: string[];
  multipart?: { key: string } & MultipartState;
}

export interface PublishResult {
  published: string[];
  blobsUploaded: number;
  blobsSkipped: number;
  bytesUploaded: number;
}

/**
 * Publish: hash the models' files (0–25 %, a damaged cache file is refused), upload every blob the store does
 * not already hold with the same sha256 (25–95 %, multipart above the part size), then each model's manifest,
 * then its refs — in that order, so a reader never finds a manifest whose blobs are not all there.
 */
export function createPublishJob(core: CoreServices, hubStore: HubStore, config: StoreConfig): JobKind<PublishParams, PublishCheckpoint, PublishResult> {
  return {
    kind: PUBLISH_JOB,
    paramsSchema: PublishParamsSchema,
    resumable: true,
    title: (p) => `Publish ${p.models.join(', ')} to the model store`,
    async onCancel({ checkpoint }) {
      // A cancelled publish is never resumed: the upload a paused or interrupted run left would only stay billed.
      const multipart = checkpoint?.multipart;
      if (!multipart) return undefined;
      const store = await openObjectStore(config.resolve(), core.env);
      await store.abortUpload(multipart.key, multipart.uploadId);
      return 'Cancelled; the store was asked to abort its unfinished upload.';
    },
    async run({ params, checkpoint, signal, report, saveCheckpoint, log }) {
      const cfg = config.resolve();
      const store = await openObjectStore(cfg, core.env);
      report({ progress: 0, phase: 'prepare', message: 'Resolving models in the cache' });
      const { plans, models } = await planAndHash(
        core,
        hubStore,
        params.models,
        (hashed, total) => report({ progress: total ? (hashed / total) * 25 : 25, phase: 'verify', message: 'Hashing files', detail: { bytesDone: hashed, bytesTotal: total } }),
        signal,
      );
      const uploaded = new Set(checkpoint?.uploaded ?? []);
      let multipart = checkpoint?.multipart ?? null;
      const result: PublishResult = { published: [], blobsUploaded: 0, blobsSkipped: 0, bytesUploaded: 0 };
      const toSend = new Map<string, { source: string; size: number; sha256: string; label: string }>();
      for (const [i, m] of models.entries()) {
        for (const [j, f] of m.files.entries()) {
          const key = blobKey(cfg.prefix, m.repo, f.blob);
          if (!toSend.has(key)) toSend.set(key, { source: plans[i]!.files[j]!.source, size: f.size, sha256: f.sha256, label: `${f.path} of ${m.repo}` });
        }
      }
      const sendTotal = [...toSend.values()].reduce((s, b) => s + b.size, 0);
      let sent = 0;
      const progress = (file: string | null): void =>
        report({
          progress: 25 + (sendTotal ? (sent / sendTotal) * 70 : 70),
          phase: 'upload',
          message: file ? `Uploading ${file}` : 'Uploading',
          detail: { bytesDone: sent, bytesTotal: sendTotal, currentFile: file },
        });
      for (const [key, b] of toSend) {
        signal.throwIfAborted();
        const there = uploaded.has(key) ? { size: b.size, metadata: { sha256: b.sha256 } } : await store.head(key, signal);
        if (there && there.size === b.size && there.metadata.sha256 === b.sha256) {
          result.blobsSkipped++;
          sent += b.size;
          progress(null);
          continue;
        }
        const before = sent;
        const resume = {
          previous: multipart?.key === key ? multipart : null,
          save: (state: MultipartState | null): void => {
            multipart = state && { key, ...state };
            saveCheckpoint({ uploaded: [...uploaded], ...(multipart ? { multipart } : {}) });
          },
        };
        await store.putFile(key, b.source, b.size, { sha256: b.sha256 }, (n) => {
          sent += n;
          progress(b.label);
        }, signal, resume);
        sent = before + b.size;
        result.blobsUploaded++;
        result.bytesUploaded += b.size;
        uploaded.add(key);
        saveCheckpoint({ uploaded: [...uploaded] });
      }
      // An upload a stopped run left for a blob that needed none after all (the store has it now): dropped.
      if (multipart) await store.abortUpload(multipart.key, multipart.uploadId);
      report({ progress: 95, phase: 'manifest', message: 'Writing manifests and refs' });
      for (const [i, m] of models.entries()) {
        const registry = registryEntriesFor(core.db, [m.repo], plans[i]!.registryNames);
        const manifest = buildManifest([m], registry, validationsFor(core.db, [m.repo], registry.map((r) => r.name)));
        await store.putText(manifestKey(cfg.prefix, m.repo, m.commit), `${JSON.stringify(manifest, null, 2)}\n`, 'application/json', signal);
        for (const ref of m.refs) await store.putText(refKey(cfg.prefix, m.repo, ref), m.commit, 'text/plain', signal);
        result.published.push(`${m.repo}@${m.commit}`);
      }
      log.info(`published ${result.published.join(', ')} to ${store.describe}: ${result.blobsUploaded} blobs uploaded, ${result.blobsSkipped} already there`);
      report({ progress: 100, phase: null, message: `Published ${result.published.length} model(s)`, detail: { bytesDone: sendTotal, bytesTotal: sendTotal, report: result } });
      return result;
    },
  };
}
