import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { DownloadedModelDTO, VerifyResultDTO } from '../../../shared/contract';
import type { JobStore, StoredJob } from '../jobs/job-store';
import { DOWNLOAD_JOB } from './download-job';
import { algorithmOf, hashFile } from './file-hash';
import { isCommitSha, listSnapshotFiles, readRef, repoCache, snapshotDir, type RepoCache } from './hf-cache';
import type { HubStore, Verification } from './hub-store';

type FileEntry = DownloadedModelDTO['files'][number];

/**
 * One snapshot of a repo in the HF cache, whoever put it there: Model Center's download (its recorded file list,
 * sizes and blob names) or another tool such as huggingface_hub (the files as the snapshot's links show them).
 */
export interface Snapshot {
  repo: string;
  source: 'model-center' | 'hf-cache';
  /** The branch or tag asked for, else one pointing at the commit, else the commit itself. */
  revision: string;
  commit: string;
  snapshotPath: string;
  /** `blob` is the name the file's link points to in `blobs/`; empty for a plain copy, which names no checksum. */
  files: FileEntry[];
  downloaded: DownloadedModelDTO | null;
}

export interface FileProblem {
  path: string;
  problem: string;
}

async function refsTo(cache: RepoCache, commit: string): Promise<string[]> {
  const out: string[] = [];
  for (const ref of await listSnapshotFiles(cache.refs)) if ((await readRef(cache, ref)) === commit) out.push(ref);
  return out.sort();
}

/** A snapshot's files read from the tree: a link's blob gives its name and size; a dangling link counts 0 bytes. */
async function scanSnapshot(dir: string): Promise<FileEntry[]> {
  const files: FileEntry[] = [];
  for (const rel of (await listSnapshotFiles(dir)).sort()) {
    const file = path.join(dir, ...rel.split('/'));
    const link = await fs.promises.lstat(file);
    const st = await fs.promises.stat(file).catch(() => undefined);
    const blob = link.isSymbolicLink() ? path.basename(await fs.promises.readlink(file)) : '';
    files.push({ path: rel, size: st?.size ?? 0, blob });
  }
  return files;
}

const isDir = (p: string): Promise<boolean> => fs.promises.stat(p).then((s) => s.isDirectory(), () => false);

/** The snapshot of a known commit: the recorded download's files when Model Center downloaded it, else the tree's. */
export async function snapshotAt(store: HubStore, cacheDir: string, repo: string, commit: string, revision?: string): Promise<Snapshot | null> {
  const cache = repoCache(cacheDir, repo);
  const downloaded = store.get(repo, commit) ?? null;
  const dir = snapshotDir(cache, commit);
  if (downloaded) return { repo, source: 'model-center', revision: downloaded.revision, commit, snapshotPath: dir, files: downloaded.files, downloaded };
  if (!(await isDir(dir))) return null;
  const named = revision && !isCommitSha(revision) ? revision : (await refsTo(cache, commit))[0];
  return { repo, source: 'hf-cache', revision: named ?? commit, commit, snapshotPath: dir, files: await scanSnapshot(dir), downloaded: null };
}

/**
 * The snapshot a command means. With a revision: its recorded download, else the cache's snapshot it names.
 * Without: the newest recorded download, else what another tool left: `refs/main`'s commit, else the newest
 * snapshot folder.
 */
export async function findSnapshot(store: HubStore, cacheDir: string, repo: string, revision?: string): Promise<Snapshot | null> {
  const cache = repoCache(cacheDir, repo);
  const recorded = store.forRepo(repo);
  if (revision) {
    const commit = isCommitSha(revision) ? revision : await readRef(cache, revision);
    const found = recorded.find((m) => m.commit === commit || m.revision === revision);
    if (found) return snapshotAt(store, cacheDir, repo, found.commit);
    return commit ? snapshotAt(store, cacheDir, repo, commit, revision) : null;
  }
  const newest = recorded[0];
  if (newest) return snapshotAt(store, cacheDir, repo, newest.commit);
  const main = await readRef(cache, 'main');
  if (main && (await isDir(snapshotDir(cache, main)))) return snapshotAt(store, cacheDir, repo, main, 'main');
  const dated: Array<{ commit: string; mtime: number }> = [];
  for (const commit of await fs.promises.readdir(cache.snapshots).catch(() => [] as string[])) {
    const st = await fs.promises.stat(snapshotDir(cache, commit)).catch(() => undefined);
    if (st?.isDirectory()) dated.push({ commit, mtime: st.mtimeMs });
  }
  const latest = dated.sort((a, b) => b.mtime - a.mtime)[0];
  return latest ? snapshotAt(store, cacheDir, repo, latest.commit) : null;
}

/** Files that are not on disk, or not of the size the download recorded. */
export async function fileProblems(s: Snapshot): Promise<FileProblem[]> {
  const out: FileProblem[] = [];
  for (const f of s.files) {
    const st = await fs.promises.stat(path.join(s.snapshotPath, ...f.path.split('/'))).catch(() => undefined);
    if (!st) out.push({ path: f.path, problem: 'missing' });
    else if (st.size !== f.size) out.push({ path: f.path, problem: `${st.size} bytes, expected ${f.size}` });
  }
  return out;
}

/** Re-hashes every file against the blob name it is stored under (sha256 for LFS files, the git blob id for others). */
export async function hashSnapshot(s: Snapshot): Promise<VerifyResultDTO['files']> {
  const files: VerifyResultDTO['files'] = [];
  for (const f of s.files) {
    const algorithm = algorithmOf(f.blob);
    const file = path.join(s.snapshotPath, ...f.path.split('/'));
    if (!f.blob) {
      // huggingface_hub stores plain files where symlinks are refused (Windows without Developer Mode): nothing
      // names their checksum, so they are present but cannot be checked, which is no failure.
      const there = await fs.promises.stat(file).catch(() => undefined);
      files.push({ path: f.path, ok: there !== undefined, algorithm, expected: '', actual: null, problem: there ? 'not checked: a plain copy, not a link into blobs/, so no checksum names it' : 'missing' });
      continue;
    }
    if (!(await fs.promises.stat(file).catch(() => undefined))) {
      files.push({ path: f.path, ok: false, algorithm, expected: f.blob, actual: null, problem: 'missing' });
      continue;
    }
    const actual = await hashFile(file, algorithm);
    const ok = actual === f.blob;
    files.push({ path: f.path, ok, algorithm, expected: f.blob, actual, problem: ok ? null : 'checksum mismatch' });
  }
  return files;
}

/** `a, b, c and 2 more`: a short list for one error line. */
export function firstFew(items: string[], max = 3): string {
  return `${items.slice(0, max).join(', ')}${items.length > max ? ` and ${items.length - max} more` : ''}`;
}

export interface SnapshotHealth {
  problems: FileProblem[];
  verification: Verification | null;
  /**
   * Model Center's newest download of this snapshot, when it did not finish and some file it planned is not there:
   * the snapshot is then its partial work (files linked so far), not a whole model another tool downloaded.
   */
  unfinished: StoredJob | null;
  /** Every file on disk at its size, the last verification (if any) passed, and no download left it half done. */
  usable: boolean;
}

/** The commit and planned files of a download job, once its plan is saved. */
function plannedSnapshot(job: StoredJob): { commit: string; files: Array<{ path: string; size: number }> } | null {
  const parsed = PlanSchema.safeParse(job.checkpoint);
  return parsed.success ? parsed.data : null;
}

const PlanSchema = z.object({ commit: z.string(), files: z.array(z.object({ path: z.string(), size: z.number() })) });

/**
 * Model Center's newest download of this very snapshot when it did not finish and some file it planned is not in
 * the snapshot at its size: the snapshot is then that download's partial work. Downloads of other commits, and
 * one whose files another tool completed since, say nothing about it.
 */
function unfinishedDownloadOf(jobs: JobStore, s: Snapshot): StoredJob | null {
  for (const job of jobs.list({ kind: DOWNLOAD_JOB, limit: 1000 })) {
    if (job.params.repo !== s.repo) continue;
    const plan = plannedSnapshot(job);
    if (plan?.commit !== s.commit) continue;
    if (job.state === 'done') return null;
    const have = new Map(s.files.map((f) => [f.path, f.size]));
    return plan.files.some((f) => have.get(f.path) !== f.size) ? job : null;
  }
  return null;
}

export async function snapshotHealth(store: HubStore, jobs: JobStore, s: Snapshot): Promise<SnapshotHealth> {
  const problems = await fileProblems(s);
  const verification = store.lastVerification(s.repo, s.commit);
  const unfinished = s.source === 'hf-cache' ? unfinishedDownloadOf(jobs, s) : null;
  return { problems, verification, unfinished, usable: s.files.length > 0 && problems.length === 0 && verification?.ok !== false && !unfinished };
}
