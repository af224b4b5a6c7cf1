import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseVoskRef, VOSK_NAME_RE, type VoskInstallResultDTO } from '../../../shared/contract';
import { AppError, toErrorDTO } from '../../../shared/errors';
import { formatBytes } from '../../../shared/format-bytes';
import type { CoreServices } from '../core-services';
import { dirSize } from '../detect/fs-walk';
import { activeJobs, voskNameOfUrl } from '../detect/in-use';
import { voskMissing } from '../detect/vosk-scan';
import { checkFreeSpace } from '../hub/download-job';
import { partialBytes } from '../hub/resumable-transfer';
import type { JobKind, JobReport } from '../jobs/job-kind';
import type { StoredJob } from '../jobs/job-store';
import { RateMeter } from '../jobs/rate-meter';
import { findVoskModelFolder } from './find-model-folder';
import { safeExtractZip } from './safe-unzip';
import { resolveVoskModel } from './vosk-catalogue';
import { registerVoskModel, type VoskRegistration } from './vosk-register';
import { probeZip, StagedZip } from './zip-download';

export const VOSK_INSTALL_JOB = 'vosk.install';

/** The unfinished install of this model, if any: two jobs on one staging file would write over each other. */
export function activeVoskInstall(core: Pick<CoreServices, 'jobStore'>, name: string): StoredJob | undefined {
  return activeJobs(core).find((j) => j.kind === VOSK_INSTALL_JOB && voskNameOfUrl(j.params.url) === name);
}

const Params = z.object({ url: z.url({ protocol: /^https?$/ }), register: z.boolean().default(true) });
type Params = z.infer<typeof Params>;

/**
 * `installing`: the folder is about to be renamed into place (a job killed right then finds it there on resume);
 * `installed`: it is in place and only registration is left, so a resumed job must not download it again.
 */
interface Checkpoint {
  installing?: { name: string; location: string; zipBytes: number };
  installed?: { name: string; location: string; zipBytes: number };
}

/** The name a download is staged under: the URL's zip name. */
export function stagingName(url: string): string {
  const ref = parseVoskRef(url);
  if (typeof ref === 'string') throw new AppError('INVALID_INPUT', `${url}: ${ref}.`);
  return ref.name;
}

/** The zip's own folder name when it is a Vosk model's (official zips), else the name the install was asked for. */
function folderName(modelDir: string, unpacked: string, asked: string): string {
  const own = path.basename(modelDir);
  return modelDir !== unpacked && /^vosk-model/i.test(own) && VOSK_NAME_RE.test(own) ? own : asked;
}

/** Progress of the download (0–80 %): bytes, speed and ETA (the job runner writes at most ten updates a second). */
function downloadReporter(report: (u: JobReport) => void, total: number): (bytes: number) => void {
  const meter = new RateMeter();
  let sampled = 0;
  return (bytes) => {
    const now = Date.now();
    if (now - sampled >= 100 || bytes === total) {
      sampled = now;
      meter.add(bytes);
    }
    const speed = meter.rate();
    report({
      progress: (bytes / total) * 80,
      phase: 'download',
      detail: { bytesDone: bytes, bytesTotal: total, speed: Math.round(speed), eta: speed > 0 ? Math.round((total - bytes) / speed) : null },
    });
  };
}

/**
 * Installs a Vosk model into `<data>/vosk/<model>`, where `detect` looks: download (0–80 %, resumable, into
 * `<data>/vosk/.downloads/`), safe extraction into a staging folder (80–95 %), layout check, rename into place,
 * registry (95–100 %). A refused archive is deleted with its staging folder; a download stopped by a cancel, a
 * pause, the app closing or the network keeps its partial file for the next try.
 */
export function voskInstallJob(core: CoreServices): JobKind<Params, Checkpoint, VoskInstallResultDTO> {
  const root = path.join(core.dataDir, 'vosk');
  return {
    kind: VOSK_INSTALL_JOB,
    paramsSchema: Params,
    resumable: true,
    title: (p) => `Vosk install ${stagingName(p.url)}`,
    async onCancel({ params, discard }) {
      if (!discard) return undefined;
      const name = stagingName(params.url);
      const other = activeVoskInstall(core, name);
      if (other) return `Cancelled; its partial download is kept: job ${other.id} installs ${name} from it.`;
      const freed = await new StagedZip(path.join(root, '.downloads'), name).discard();
      return `Cancelled; ${formatBytes(freed)} of partial download deleted.`;
    },
    async run({ jobId, params, checkpoint, signal, report, saveCheckpoint, log }) {
      let installed = checkpoint?.installed;
      // Killed between the rename and its record: the folder in place is this job's own work.
      const moving = checkpoint?.installing;
      if (!installed && moving) {
        const layout = await voskMissing(moving.location);
        if (layout.isCandidate && layout.missing.length === 0) installed = moving;
      }
      if (!installed) {
        const asked = stagingName(params.url);
        if (fs.existsSync(path.join(root, asked))) {
          throw new AppError('CONFLICT', `Vosk model ${asked} is already installed at ${path.join(root, asked)}.`, { hint: 'Delete that folder first to reinstall.' });
        }
        report({ progress: 0, phase: 'download', message: `Asking ${new URL(params.url).host} for ${asked}.zip` });
        const remote = await probeZip(params.url, signal);
        const zip = new StagedZip(path.join(root, '.downloads'), asked);
        await zip.adopt(params.url, remote);
        // A zip already complete (stopped while unpacking) needs no room and no bytes again.
        const have = fs.existsSync(zip.file) && fs.statSync(zip.file).size === remote.size ? remote.size : await partialBytes(zip.file, remote.size);
        // Room for the rest of the zip and for what it unpacks to (the catalogue knows; else Vosk zips unpack to ~2×).
        const entry = resolveVoskModel(params.url, core.env).entry;
        await checkFreeSpace(root, remote.size - have + (entry ? entry.unpackedMB * 1024 ** 2 : remote.size * 2), 'Free some space (`model-center detect delete vosk <name>` removes a Vosk model).');
        report({ message: have > 0 ? `Resuming ${asked}.zip at ${have} of ${remote.size} bytes` : `Downloading ${asked}.zip (${remote.size} bytes)` });
        try {
          await zip.fetch(params.url, remote, signal, downloadReporter(report, remote.size));
        } catch (err) {
          // More bytes than announced, or the zip gone: what is on disk is no start for a next try.
          if (!signal.aborted && err instanceof AppError && (err.code === 'INTEGRITY' || err.code === 'NOT_FOUND')) await zip.discard();
          throw err;
        }

        const staging = path.join(root, `.staging-${jobId}`);
        fs.rmSync(staging, { recursive: true, force: true });
        try {
          report({ progress: 80, phase: 'extract', message: 'Unpacking', detail: null });
          const unpacked = path.join(staging, 'unpacked');
          await safeExtractZip(zip.file, unpacked, undefined, signal, (done, count, bytes) =>
            report({ progress: 80 + (done / count) * 15, detail: { entriesDone: done, entriesTotal: count, bytesWritten: bytes } }),
          );
          const modelDir = await findVoskModelFolder(unpacked);
          const name = folderName(modelDir, unpacked, asked);
          const target = path.join(root, name);
          if (fs.existsSync(target)) throw new AppError('CONFLICT', `Vosk model ${name} is already installed at ${target}.`, { hint: 'Delete that folder first to reinstall.' });
          report({ progress: 95, phase: 'install', message: `Installing into ${target}` });
          saveCheckpoint({ installing: { name, location: target, zipBytes: remote.size } });
          try {
            fs.renameSync(modelDir, target);
          } catch (err) {
            // Another install put a folder of that name there meanwhile.
            const code = (err as NodeJS.ErrnoException).code;
            if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new AppError('CONFLICT', `Vosk model ${name} was installed at ${target} by another job meanwhile.`, { hint: 'Delete that folder first to reinstall.' });
            throw err;
          }
          installed = { name, location: target, zipBytes: remote.size };
          saveCheckpoint({ installed });
          await zip.discard();
        } catch (err) {
          // A zip that cannot be installed is of no use for a next try; a stopped one is (it is complete), and so
          // is one that a full disk or a permission problem stopped, or one whose model is already there.
          if (!signal.aborted && err instanceof AppError && err.code === 'ARCHIVE_REFUSED') await zip.discard();
          throw err;
        } finally {
          fs.rmSync(staging, { recursive: true, force: true });
        }
      }
      const { bytes } = await dirSize(installed.location);
      let registry: VoskRegistration | null = null;
      if (params.register) {
        try {
          registry = registerVoskModel(core, { folder: installed.name, location: installed.location, url: params.url, bytes });
        } catch (err) {
          // The model is in place and usable: a registry that cannot take it now is said, not a failed install.
          registry = { model: null, version: null, message: `Not registered: ${toErrorDTO(err).message}` };
          log.warn(`registering ${installed.location} failed: ${toErrorDTO(err).message}`);
        }
      }
      log.info(`installed Vosk model ${installed.name} at ${installed.location}${registry ? `; ${registry.message}` : ''}`);
      report({ progress: 100, phase: null });
      return { ...installed, bytes, registry };
    },
  };
}
