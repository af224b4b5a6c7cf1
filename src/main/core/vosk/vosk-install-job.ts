import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { AppError } from '../../../shared/errors';
import type { JobKind } from '../jobs/job-kind';
import { voskMissing } from '../detect/vosk-scan';
import { safeExtractZip } from './safe-unzip';

const Params = z.object({ url: z.string().url() });
type Params = z.infer<typeof Params>;

/**
 * Downloads a Vosk model zip and unpacks it into `<dataDir>/vosk/<model>` (where `detect` looks). Work happens in a
 * staging folder next to the target and is renamed in at the end, so a cancelled or refused install leaves no
 * half-model behind. Not resumable: Vosk's server sends whole zips and they are quick to fetch again.
 */
export function voskInstallJob(dataDir: string): JobKind<Params, never, { name: string; location: string; bytes: number }> {
  return {
    kind: 'vosk.install',
    paramsSchema: Params,
    resumable: false,
    title: (p) => `Vosk install ${path.basename(new URL(p.url).pathname)}`,
    async run({ jobId, params, signal, report }) {
      const root = path.join(dataDir, 'vosk');
      const staging = path.join(root, `.staging-${jobId}`);
      fs.rmSync(staging, { recursive: true, force: true });
      fs.mkdirSync(staging, { recursive: true });
      try {
        const zipFile = path.join(staging, 'model.zip');
        report({ progress: 0, phase: 'downloading', message: params.url });
        let res: Response;
        try {
          res = await fetch(params.url, { signal });
        } catch (err) {
          if (signal.aborted) throw err;
          throw new AppError('INTERNAL', `Could not download ${params.url}: ${(err as Error).message}`, { hint: 'Check the URL and the network, or download the zip by hand.' });
        }
        if (!res.ok || !res.body) throw new AppError('NOT_FOUND', `Download of ${params.url} answered HTTP ${res.status}.`, { hint: 'See https://alphacephei.com/vosk/models for current model names.' });
        const total = Number(res.headers.get('content-length') ?? 0);
        let done = 0;
        const counter = new Transform({
          transform(chunk: Buffer, _e, cb) {
            done += chunk.length;
            report({ progress: total > 0 ? (done / total) * 80 : 0, phase: 'downloading', detail: { bytesDone: done, bytesTotal: total || null } });
            cb(null, chunk);
          },
        });
        await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), counter, fs.createWriteStream(zipFile), { signal });
        report({ progress: 80, phase: 'extracting', message: null });
        const unpacked = path.join(staging, 'unpacked');
        await safeExtractZip(zipFile, unpacked, undefined, signal);
        // Official zips hold one top folder named like the zip; a flat zip is the model itself.
        const tops = fs.readdirSync(unpacked, { withFileTypes: true });
        const modelDir = tops.length === 1 && tops[0]?.isDirectory() ? path.join(unpacked, tops[0].name) : unpacked;
        const { missing } = await voskMissing(modelDir);
        if (missing.length > 0) throw new AppError('ARCHIVE_REFUSED', `The archive is not a complete Vosk model: missing ${missing.join(', ')}.`);
        const name = modelDir === unpacked ? path.basename(new URL(params.url).pathname).replace(/\.zip$/i, '') : path.basename(modelDir);
        const target = path.join(root, name);
        if (fs.existsSync(target)) throw new AppError('CONFLICT', `Vosk model ${name} is already installed at ${target}.`, { hint: 'Delete that folder first to reinstall.' });
        report({ progress: 98, phase: 'installing' });
        fs.renameSync(modelDir, target);
        report({ progress: 100, phase: null, message: target });
        return { name, location: target, bytes: done };
      } finally {
        fs.rmSync(staging, { recursive: true, force: true });
      }
    },
  };
}

/** Official small models people start with (alphacephei.com/vosk/models); sizes are the zip sizes. */
export const RECOMMENDED_VOSK = [
  { name: 'vosk-model-small-en-us-0.15', language: 'en-us', sizeMB: 40 },
  { name: 'vosk-model-small-ru-0.22', language: 'ru', sizeMB: 45 },
  { name: 'vosk-model-small-de-0.15', language: 'de', sizeMB: 45 },
  { name: 'vosk-model-small-fr-0.22', language: 'fr', sizeMB: 41 },
  { name: 'vosk-model-small-es-0.42', language: 'es', sizeMB: 39 },
  { name: 'vosk-model-small-vn-0.4', language: 'vn', sizeMB: 32 },
].map((m) => ({ ...m, url: `https://alphacephei.com/vosk/models/${m.name}.zip` }));
