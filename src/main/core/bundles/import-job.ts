import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { BundleImportReport, BundleManifest } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CoreServices } from '../core-services';
import { hashFile } from '../hub/file-hash';
import { ensureCacheDirTag } from '../hub/hf-cache';
import type { HubStore } from '../hub/hub-store';
import type { JobKind } from '../jobs/job-kind';
import { placeModels } from './place-models';
import { classifyEntry, expectedBlobs, expectedExtras, openBundle, readManifestEntry, receiveBlob, refuseBundle, type ExpectedBlob } from './read-bundle';
import { readTar } from './tar-reader';

export const IMPORT_JOB = 'bundle-import';

export const ImportJobParamsSchema = z.object({
  file: z.string().min(1),
  /** Delete the file afterwards, whatever the outcome: set only for uploads the server received. */
  removeAfter: z.boolean().default(false),
});
export type ImportJobParams = z.infer<typeof ImportJobParamsSchema>;

/** The cache already holds this exact blob (same size and sha256): it is linked, not copied again. */
async function identicalInCache(cacheDir: string, b: ExpectedBlob, folder: string): Promise<boolean> {
  const file = path.join(cacheDir, folder, 'blobs', b.blob);
  const st = await fs.promises.stat(file).catch(() => undefined);
  if (!st || st.size !== b.size) return false;
  return (await hashFile(file, 'sha256')) === b.sha256;
}

/**
 * Import, offline: stream the bundle (0–90 % by bytes read), check the manifest first (format version,
 * safe paths), then every blob entry — its name against the manifest, its bytes against the listed size and
 * sha256 (and git blob id) — writing new blobs into a staging folder inside the cache root. Only when the
 * whole bundle checked out are blobs moved into place and the registry merged (90–100 %). On any failure the
 * staging folder goes and the cache is as it was.
 */
export function createImportJob(core: CoreServices, store: HubStore): JobKind<ImportJobParams, never, BundleImportReport> {
  return {
    kind: IMPORT_JOB,
    paramsSchema: ImportJobParamsSchema,
    resumable: false,
    // An upload is stored as `<random>-<its name>`: the title shows the name the person chose.
    title: (p) => `Import ${p.removeAfter ? path.basename(p.file).replace(/^[0-9a-f]{12}-/, '') : path.basename(p.file)}`,
    async run({ params, signal, report, log }) {
      const cacheDir = core.settings.values().hubCacheDir;
      const file = params.file;
      try {
        let read = 0;
        let total = 1;
        const opened = await openBundle(file, (n) => {
          read += n;
          report({ progress: Math.min(90, (read / total) * 90), phase: 'verify', detail: { bytesDone: read, bytesTotal: total } });
        });
        total = Math.max(1, opened.size);
        report({ progress: 0, phase: 'verify', message: `Reading ${path.basename(file)} (${opened.compression === 'none' ? 'tar' : `tar + ${opened.compression}`})` });
        await ensureCacheDirTag(cacheDir);
        const stage = await fs.promises.mkdtemp(path.join(cacheDir, '.model-center-import-'));
        try {
          let manifest: BundleManifest | undefined;
          let blobs = new Map<string, ExpectedBlob>();
          let extras = new Set<string>();
          const received = new Map<string, string | null>();
          const onAbort = (): void => {
            opened.stream.destroy(new AppError('CANCELLED', 'Import cancelled.'));
          };
          signal.addEventListener('abort', onAbort, { once: true });
          try {
            await readTar(opened.stream, async (entry) => {
              if (!manifest) {
                manifest = await readManifestEntry(file, entry);
                blobs = expectedBlobs(manifest);
                extras = expectedExtras(manifest);
                report({ message: `${manifest.models.map((m) => `${m.repo}@${m.commit.slice(0, 10)}`).join(', ')}: checking ${blobs.size} files` });
                return;
              }
              if (classifyEntry(file, stage, entry, blobs, extras) === 'skip') {
                entry.resume();
                return;
              }
              const name = entry.path.replace(/\/+$/, '');
              const b = blobs.get(name)!;
              if (received.has(name)) throw refuseBundle(file, `entry "${name}" appears twice`);
              const folder = name.split('/')[0]!;
              const reuse = await identicalInCache(cacheDir, b, folder);
              const dest = reuse ? null : path.join(stage, ...name.split('/'));
              if (dest) await fs.promises.mkdir(path.dirname(dest), { recursive: true });
              const got = await receiveBlob(entry, dest, b.blob.length === 40 ? b.size : null);
              if (got.size !== b.size) throw refuseBundle(file, `${b.label} is ${got.size} bytes, the manifest says ${b.size} (truncated?)`);
              if (got.sha256 !== b.sha256 || (got.git !== undefined && got.git !== b.blob)) {
                const what = got.sha256 !== b.sha256 ? `expected sha256 ${b.sha256}, got ${got.sha256}` : `its git blob id is ${got.git ?? '?'}, not the ${b.blob} it is named by`;
                throw new AppError('INTEGRITY', `Refused ${path.basename(file)}: ${b.label} failed verification (${what}).`, {
                  hint: 'The bundle is damaged; copy or export it again. Nothing was imported.',
                });
              }
              received.set(name, dest);
            });
          } catch (err) {
            if (signal.aborted) throw signal.reason;
            if (err instanceof AppError) throw err;
            const msg = (err as Error).message;
            // zlib's errors carry Z_* codes, Node's zstd ones ZSTD_error_*, our zstd reader's ZSTD_DATA.
            const code = String((err as { code?: unknown }).code ?? '');
            if (/unexpected end of file|Truncated/i.test(msg)) throw refuseBundle(file, `it is truncated (${msg})`);
            throw refuseBundle(file, /^(Z_|ZSTD_)/.test(code) ? `its ${opened.compression} data is damaged (${msg})` : `it is not a readable tar archive (${msg})`);
          } finally {
            signal.removeEventListener('abort', onAbort);
          }
          if (!manifest) throw refuseBundle(file, 'it is empty');
          const missing = [...blobs.entries()].filter(([k]) => !received.has(k)).map(([, b]) => b.label);
          if (missing.length) throw refuseBundle(file, `it is truncated or incomplete: ${missing.slice(0, 5).join('; ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''} missing`);
          signal.throwIfAborted();
          report({ progress: 90, phase: 'place', message: 'Moving files into the cache and merging the registry' });
          const staged = new Map([...received].map(([k, v]) => [`${blobs.get(k)!.repo}\0${blobs.get(k)!.blob}`, v]));
          const result = await placeModels(core, store, manifest.models, (repo, blob) => staged.get(`${repo}\0${blob}`) ?? null, manifest.registry, manifest.validations);
          log.info(`imported ${path.basename(file)}: ${result.models.map((m) => `${m.repo}@${m.commit.slice(0, 10)} (+${m.blobsAdded} blobs, ${m.blobsReused} reused)`).join(', ')}`);
          report({ progress: 100, phase: null, message: `Imported ${result.models.length} model(s)`, detail: { report: result } });
          return result;
        } finally {
          await fs.promises.rm(stage, { recursive: true, force: true });
        }
      } finally {
        if (params.removeAfter) await fs.promises.rm(file, { force: true });
      }
    },
  };
}
