import fs from 'node:fs';
import path from 'node:path';
import type { ExportFileDTO } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';

/** Bundles exported from the window (browser or desktop without a chosen path) land here, in the data dir. */
export function exportsDir(dataDir: string): string {
  return path.join(dataDir, 'exports');
}

/** Uploaded bundles wait here until their import job has read them. */
export function uploadsDir(dataDir: string): string {
  return path.join(dataDir, 'uploads');
}

/** A file of the exports folder by its bare name; anything with a path in it is refused. */
export function exportFile(dataDir: string, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/.test(name) || name.includes('..')) {
    throw new AppError('INVALID_INPUT', `"${name}" is not the name of a file in the exports folder.`);
  }
  return path.join(exportsDir(dataDir), name);
}

export async function listExports(dataDir: string): Promise<ExportFileDTO[]> {
  const dir = exportsDir(dataDir);
  const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
  const out: ExportFileDTO[] = [];
  for (const name of names) {
    if (!/\.(tar|tar\.gz|tgz|tar\.zst)$/.test(name)) continue;
    const st = await fs.promises.stat(path.join(dir, name)).catch(() => undefined);
    if (st?.isFile()) out.push({ name, path: path.join(dir, name), sizeBytes: st.size, modifiedAt: st.mtime.toISOString() });
  }
  return out.sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt));
}

/** `org--name-2026-01-31T10-00-00.tar.gz`, from the first model named. */
export function defaultExportName(models: readonly string[], extension: string, now = new Date()): string {
  const first = (models[0] ?? 'models').replace(/@.*$/, '').replace(/\//g, '--').replace(/[^A-Za-z0-9._-]/g, '_');
  const more = models.length > 1 ? `-and-${models.length - 1}-more` : '';
  return `${first}${more}-${now.toISOString().slice(0, 19).replace(/:/g, '-')}${extension}`;
}
