import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash, type Hash } from 'node:crypto';
import { z } from 'zod';
import { BUNDLE_MANIFEST_NAME, CompressionSchema, type BundleModel } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CoreServices } from '../core-services';
import { repoFolderName } from '../hub/hf-cache';
import type { HubStore } from '../hub/hub-store';
import type { JobKind } from '../jobs/job-kind';
import { buildManifest, planAndHash } from './bundle-manifest';
import { compressor } from './compression';
import { blobEntryPath } from './export-plan';
import { registryEntriesFor, validationsFor } from './registry-entries';
import { tarStream, type TarEntry } from './tar-writer';

export const EXPORT_JOB = 'bundle-export';

export const ExportJobParamsSchema = z.object({
  models: z.array(z.string()).min(1),
  /** Absolute path, resolved by the handler. */
  out: z.string().min(1),
  compression: CompressionSchema,
  overwrite: z.boolean().default(false),
});
export type ExportJobParams = z.infer<typeof ExportJobParamsSchema>;

export interface ExportResult {
  out: string;
  sizeBytes: number;
  models: string[];
  files: number;
  bytes: number;
}

/**
 * Tar entries of one model: its blobs, refs, then the snapshot links, all in the cache layout. `seen` spans
 * the whole bundle: two revisions of one repo share most blobs, and each goes in once.
 */
function* modelEntries(m: BundleModel, sources: Map<string, string>, seen: Set<string>): Generator<TarEntry> {
  const folder = repoFolderName(m.repo);
  for (const f of m.files) {
    const entry = blobEntryPath(m.repo, f.blob);
    if (seen.has(entry)) continue;
    seen.add(entry);
    yield { type: 'file', path: blobEntryPath(m.repo, f.blob), size: f.size, source: sources.get(entry)! };
  }
  for (const ref of m.refs) yield { type: 'file', path: `${folder}/refs/${ref}`, size: m.commit.length, source: Buffer.from(m.commit) };
  for (const f of m.files) {
    const depth = f.path.split('/').length;
    // The same relative link huggingface_hub makes, so a plain `tar x` into a cache gives a usable snapshot.
    yield { type: 'symlink', path: `${folder}/snapshots/${m.commit}/${f.path}`, target: `${'../'.repeat(depth + 1)}blobs/${f.blob}` };
  }
}

/**
 * Export: plan (resolve refs to snapshots), verify (hash every file, 0–45 %), write (45–100 %: manifest first,
 * then each model's files streamed into tar → gzip → `<out>.partial`, hashed again on the way and compared),
 * then rename into place. A failure or a cancel removes the partial file.
 */
export function createExportJob(core: CoreServices, store: HubStore): JobKind<ExportJobParams, never, ExportResult> {
  return {
    kind: EXPORT_JOB,
    paramsSchema: ExportJobParamsSchema,
    resumable: false,
    title: (p) => `Export ${p.models.join(', ')} → ${path.basename(p.out)}`,
    async run({ params, signal, report, log, jobId }) {
      report({ progress: 0, phase: 'prepare', message: 'Resolving models in the cache' });
      const detail = (phase: string, bytesDone: number, bytesTotal: number): Record<string, unknown> => ({ phase, bytesDone, bytesTotal, models: params.models });
      const { plans, models, total } = await planAndHash(
        core,
        store,
        params.models,
        (hashed, all) => report({ progress: all ? (hashed / all) * 45 : 45, phase: 'verify', message: 'Hashing files', detail: detail('verify', hashed, all) }),
        signal,
      );
      const repos = plans.map((p) => p.repo);
      const registry = registryEntriesFor(core.db, repos, plans.flatMap((p) => p.registryNames));
      const manifest = buildManifest(models, registry, validationsFor(core.db, repos, registry.map((r) => r.name)));
      // hashPlans keeps the plans' order: file j of model i is file j of plan i.
      const sources = new Map(models.flatMap((m, i) => m.files.map((f, j) => [blobEntryPath(m.repo, f.blob), plans[i]!.files[j]!.source] as const)));
      const expected = new Map(models.flatMap((m) => m.files.map((f) => [blobEntryPath(m.repo, f.blob), f.sha256] as const)));

      const entries = function* (): Generator<TarEntry> {
        const json = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
        yield { type: 'file', path: BUNDLE_MANIFEST_NAME, size: json.length, source: json };
        const seen = new Set<string>();
        for (const m of models) yield* modelEntries(m, sources, seen);
      };
      let written = 0;
      let current: { path: string; hash: Hash } | undefined;
      const check = (): void => {
        if (!current) return;
        const want = expected.get(current.path);
        const got = current.hash.digest('hex');
        if (want && got !== want) throw new AppError('INTEGRITY', `${current.path} changed while it was being exported (sha256 ${got}, expected ${want}).`, { hint: 'Export again when nothing writes to the cache.' });
        current = undefined;
      };
      const onChunk = (e: TarEntry, chunk: Buffer): void => {
        if (e.type !== 'file' || !expected.has(e.path)) return;
        if (current?.path !== e.path) {
          check();
          current = { path: e.path, hash: createHash('sha256') };
        }
        current.hash.update(chunk);
        written += chunk.length;
        report({ progress: 45 + (total ? (written / total) * 54 : 54), phase: 'write', message: `Writing ${path.basename(params.out)}`, detail: detail('write', written, total) });
      };
      const stream = async function* (): AsyncGenerator<Buffer> {
        for await (const chunk of tarStream(entries(), onChunk, signal)) {
          yield chunk;
        }
        check();
      };

      await fs.promises.mkdir(path.dirname(params.out), { recursive: true });
      const partial = `${params.out}.partial-${jobId}`;
      const gz = compressor(params.compression);
      try {
        const source = Readable.from(stream());
        const sink = fs.createWriteStream(partial, { flags: 'wx' });
        if (gz) await pipeline(source, gz, sink, { signal });
        else await pipeline(source, sink, { signal });
        if (!params.overwrite && (await fs.promises.stat(params.out).catch(() => undefined))) {
          throw new AppError('CONFLICT', `${params.out} appeared while exporting; it was left alone.`, { hint: 'Choose another name, or pass overwrite.' });
        }
        await fs.promises.rename(partial, params.out);
      } catch (err) {
        await fs.promises.rm(partial, { force: true });
        throw err;
      }
      const sizeBytes = (await fs.promises.stat(params.out)).size;
      log.info(`exported ${models.map((m) => `${m.repo}@${m.commit.slice(0, 10)}`).join(', ')} to ${params.out} (${sizeBytes} bytes)`);
      const result = { out: params.out, sizeBytes, models: models.map((m) => `${m.repo}@${m.commit}`), files: manifest.totals.files, bytes: manifest.totals.bytes };
      report({ progress: 100, phase: null, message: `Wrote ${path.basename(params.out)}`, detail: { ...detail('done', total, total), ...result } });
      return result;
    },
  };
}
