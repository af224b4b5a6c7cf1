import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';

/**
 * The standard Hugging Face cache layout, as huggingface_hub writes and reads it:
 * `models--org--name/blobs/<etag>`, `snapshots/<commit>/<path>` as a relative symlink to the blob, and
 * `refs/<revision>` holding the commit a branch or tag pointed to.
 */
export interface RepoCache {
  root: string;
  blobs: string;
  snapshots: string;
  refs: string;
}

export function repoFolderName(repo: string): string {
  return `models--${repo.split('/').join('--')}`;
}

export function repoCache(cacheDir: string, repo: string): RepoCache {
  const root = path.join(cacheDir, repoFolderName(repo));
  return { root, blobs: path.join(root, 'blobs'), snapshots: path.join(root, 'snapshots'), refs: path.join(root, 'refs') };
}

export function isCommitSha(rev: string): boolean {
  return /^[0-9a-f]{40}$/.test(rev);
}

/** A repo-relative path from the Hub, refused when it could leave the snapshot folder. */
export function safeRepoPath(p: string): string {
  const segs = p.split('/');
  if (!p || p.startsWith('/') || p.includes('\\') || segs.some((s) => s === '' || s === '.' || s === '..')) {
    throw new AppError('INVALID_INPUT', `The Hub listed a file with an unsafe path: "${p}".`, { hint: 'Check HF_ENDPOINT points at a real Hub or mirror.' });
  }
  return p;
}

/** Removes a repo's cache folder when it holds no snapshot and no blob (what a cancelled first download leaves). */
export async function removeRepoCacheIfEmpty(cache: RepoCache): Promise<void> {
  const entries = async (dir: string): Promise<string[]> => fs.promises.readdir(dir).catch(() => []);
  if ((await entries(cache.snapshots)).length > 0 || (await entries(cache.blobs)).length > 0) return;
  await fs.promises.rm(cache.root, { recursive: true, force: true });
}

/**
 * A blob name from the Hub (an LFS sha256 or a git blob sha1), refused unless it is exactly that: it becomes a file
 * name in blobs/ that downloads write and repairs delete.
 */
export function safeBlobName(blob: string, algorithm: 'sha256' | 'git-sha1', repoPath: string): string {
  if (!(algorithm === 'sha256' ? /^[0-9a-f]{64}$/ : /^[0-9a-f]{40}$/).test(blob)) {
    throw new AppError('INVALID_INPUT', `The Hub listed ${repoPath} with an invalid ${algorithm === 'sha256' ? 'LFS sha256' : 'git blob id'}: "${blob.slice(0, 80)}".`, {
      hint: 'Check HF_ENDPOINT points at a real Hub or mirror.',
    });
  }
  return blob;
}

export function blobFile(cache: RepoCache, blob: string): string {
  return path.join(cache.blobs, blob);
}

export function snapshotDir(cache: RepoCache, commit: string): string {
  return path.join(cache.snapshots, commit);
}

export function snapshotFile(cache: RepoCache, commit: string, repoPath: string): string {
  return path.join(snapshotDir(cache, commit), ...safeRepoPath(repoPath).split('/'));
}

/**
 * Points `snapshots/<commit>/<path>` at its blob with a relative symlink. Where links are not allowed (Windows
 * without Developer Mode, FAT/exFAT drives) it copies the blob, so the file takes its space twice; huggingface_hub
 * moves a new blob there instead, but the rest of Model Center (verify, status, resume, repair) reads `blobs/<hash>`.
 */
export async function linkSnapshotFile(cache: RepoCache, commit: string, repoPath: string, blob: string): Promise<void> {
  const link = snapshotFile(cache, commit, repoPath);
  const target = blobFile(cache, blob);
  await fs.promises.mkdir(path.dirname(link), { recursive: true });
  await fs.promises.rm(link, { force: true });
  try {
    await fs.promises.symlink(path.relative(path.dirname(link), target), link);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    await fs.promises.copyFile(target, link);
  }
}

export async function writeRef(cache: RepoCache, revision: string, commit: string): Promise<void> {
  const file = path.join(cache.refs, ...revision.split('/'));
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, commit);
  await fs.promises.rename(tmp, file);
}

export async function readRef(cache: RepoCache, revision: string): Promise<string | undefined> {
  try {
    return (await fs.promises.readFile(path.join(cache.refs, ...revision.split('/')), 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** Every file under a snapshot folder, as repo-relative paths. */
export async function listSnapshotFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, prefix: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path.join(d, e.name), rel);
      else out.push(rel);
    }
  };
  await walk(dir, '');
  return out;
}

export async function fileSize(p: string): Promise<number | undefined> {
  try {
    return (await fs.promises.stat(p)).size;
  } catch {
    return undefined;
  }
}

const CACHEDIR_TAG = 'Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag: the Hugging Face hub cache, written by Model Center.\n# For information about cache directory tags see https://bford.info/cachedir/\n';

/**
 * Marks the cache root as a cache (backup tools skip it), as huggingface_hub 1.x does; an existing tag,
 * whoever wrote it, is left alone.
 */
export async function ensureCacheDirTag(cacheDir: string): Promise<void> {
  await fs.promises.mkdir(cacheDir, { recursive: true });
  await fs.promises.writeFile(path.join(cacheDir, 'CACHEDIR.TAG'), CACHEDIR_TAG, { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}
