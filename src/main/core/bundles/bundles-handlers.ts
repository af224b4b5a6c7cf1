import fs from 'node:fs';
import path from 'node:path';
import type { bundlesContract } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CoreServices } from '../core-services';
import type { DomainHandlers } from '../handlers';
import type { HubStore } from '../hub/hub-store';
import { assertCompressionAvailable, compressionFor, extensionFor } from './compression';
import { makeDownloadTicket } from './download-ticket';
import { EXPORT_JOB } from './export-job';
import { planExport } from './export-plan';
import { defaultExportName, exportFile, exportsDir, listExports, uploadsDir } from './exports-folder';
import { IMPORT_JOB } from './import-job';
import { inspectBundle } from './read-bundle';

type BundleHandlers = Omit<DomainHandlers<typeof bundlesContract>, `store.${string}`>;

function isInside(dir: string, file: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(file));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Export and import of bundle files; the jobs do the work, these check what can be checked at once. */
export function createBundleHandlers(core: CoreServices, store: HubStore): BundleHandlers {
  return {
    'bundles.export': async ({ models, out, compression, overwrite }) => {
      const target = out ? path.resolve(out) : undefined;
      const kind = compressionFor(target ?? '', compression);
      await assertCompressionAvailable(kind); // refused now, not after hashing gigabytes
      const file = target ?? path.join(exportsDir(core.dataDir), defaultExportName(models, extensionFor(kind)));
      if (!overwrite && (await fs.promises.stat(file).catch(() => undefined))) {
        throw new AppError('CONFLICT', `${file} already exists.`, { hint: 'Choose another file name, or pass --overwrite.' });
      }
      await planExport(core, store, models); // unknown models fail here, before a job is made
      return core.jobs.start(EXPORT_JOB, { models, out: file, compression: kind, overwrite });
    },
    'bundles.import': async ({ file }) => {
      const abs = path.resolve(file);
      const st = await fs.promises.stat(abs).catch(() => undefined);
      if (!st?.isFile()) throw new AppError('NOT_FOUND', `There is no bundle file at ${abs}.`, { hint: 'Give the path of a .tar, .tar.gz or .tar.zst made by `model-center export`.' });
      // An uploaded file is deleted after its import; any other file is the person's and stays.
      return core.jobs.start(IMPORT_JOB, { file: abs, removeAfter: isInside(uploadsDir(core.dataDir), abs) });
    },
    'bundles.inspect': async ({ file }) => {
      const abs = path.resolve(file);
      const { manifest, compression, size } = await inspectBundle(abs);
      return { file: abs, sizeBytes: size, compression, manifest };
    },
    'bundles.exports': () => listExports(core.dataDir),
    'bundles.deleteExport': async ({ name }) => {
      const file = exportFile(core.dataDir, name);
      if (!(await fs.promises.stat(file).catch(() => undefined))) throw new AppError('NOT_FOUND', `There is no ${name} in the exports folder.`);
      await fs.promises.rm(file, { force: true });
      return { deleted: name };
    },
    'bundles.downloadTicket': async ({ name }) => {
      const file = exportFile(core.dataDir, name);
      if (!(await fs.promises.stat(file).catch(() => undefined))) throw new AppError('NOT_FOUND', `There is no ${name} in the exports folder.`);
      const { ticket, expiresAt } = makeDownloadTicket(core.dataDir, name);
      return { url: `/api/bundles/exports/${encodeURIComponent(name)}?ticket=${encodeURIComponent(ticket)}`, expiresAt };
    },
  };
}
