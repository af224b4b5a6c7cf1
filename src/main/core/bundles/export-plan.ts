import fs from 'node:fs';
import path from 'node:path';
import { RepoIdSchema, type Variant } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CoreServices } from '../core-services';
import { isCommitSha, listSnapshotFiles, readRef, repoCache, repoFolderName, snapshotDir, type RepoCache } from '../hub/hf-cache';
import type { HubStore } from '../hub/hub-store';
import { findModel } from '../registry/model-store';

/** One file of a model to bundle: where its bytes are, and the blob name it has (or gets) in the cache. */
export interface PlannedFile {
  path: string;
  size: number;
  /** The cache's blob name (etag); null for a snapshot file that is a plain copy: named by its sha256 once hashed. */
  blob: string | null;
  /** Absolute path of the bytes. */
  source: string;
}

export interface ModelPlan {
  repo: string;
  revision: string;
  commit: string;
  refs: string[];
  variant: Variant | null;
  hubVerifiedAt: string | null;
  files: PlannedFile[];
  /** Registry models named explicitly (their Hub source is this repo). */
  registryNames: string[];
}

/** `x@rev` → name and revision; a repo id never contains `@`. */
export function splitRef(ref: string): { name: string; revision?: string } {
  const at = ref.lastIndexOf('@');
  return at > 0 ? { name: ref.slice(0, at), revision: ref.slice(at + 1) || undefined } : { name: ref };
}

function notFound(what: string, hint: string): AppError {
  return new AppError('MODEL_NOT_FOUND', `${what} is not in the model cache.`, { hint });
}

async function refsTo(cache: RepoCache, commit: string): Promise<string[]> {
  const out: string[] = [];
  for (const ref of await listSnapshotFiles(cache.refs)) if ((await readRef(cache, ref)) === commit) out.push(ref);
  return out.sort();
}

async function resolveCommit(core: CoreServices, store: HubStore, cache: RepoCache, repo: string, revision: string | undefined): Promise<string | undefined> {
  if (revision) return isCommitSha(revision) ? revision : readRef(cache, revision);
  const newest = store.forRepo(repo)[0]?.commit;
  if (newest) return newest;
  const main = await readRef(cache, 'main');
  if (main) return main;
  const snapshots = await fs.promises.readdir(cache.snapshots).catch(() => [] as string[]);
  return snapshots.length === 1 ? snapshots[0] : undefined;
}

/** The files of one snapshot: each link resolved to its blob, which must be inside the repo's `blobs/`. */
async function snapshotFiles(cache: RepoCache, repo: string, commit: string, recorded: Map<string, string>): Promise<PlannedFile[]> {
  const dir = snapshotDir(cache, commit);
  const files: PlannedFile[] = [];
  for (const rel of (await listSnapshotFiles(dir)).sort()) {
    const file = path.join(dir, ...rel.split('/'));
    const link = await fs.promises.lstat(file);
    if (link.isSymbolicLink()) {
      const target = path.resolve(path.dirname(file), await fs.promises.readlink(file));
      if (path.dirname(target) !== cache.blobs) {
        throw new AppError('INTEGRITY', `${rel} of ${repo}@${commit.slice(0, 10)} links outside the repo's blobs folder (${target}).`, {
          hint: 'The cache was changed by hand; download the model again.',
        });
      }
      const st = await fs.promises.stat(target).catch(() => undefined);
      if (!st) throw new AppError('INTEGRITY', `${rel} of ${repo}@${commit.slice(0, 10)} points at a missing blob.`, { hint: `Download it again: model-center download ${repo} --revision ${commit}` });
      files.push({ path: rel, size: st.size, blob: path.basename(target), source: target });
    } else if (link.isFile()) {
      files.push({ path: rel, size: link.size, blob: recorded.get(rel) ?? null, source: file });
    }
  }
  return files;
}

/**
 * Resolves what the person named — `org/name[@rev]`, or a registry model name whose source is a Hub repo — to
 * the snapshots in the HF cache: the commit, every file of it, the refs pointing at it. Works for any cache
 * repo, whether Model Center or another tool downloaded it.
 */
export async function planExport(core: CoreServices, store: HubStore, refs: readonly string[]): Promise<ModelPlan[]> {
  const cacheDir = core.settings.values().hubCacheDir;
  const plans = new Map<string, ModelPlan>();
  for (const ref of refs) {
    const { name, revision: asked } = splitRef(ref.trim());
    let repo = name;
    let revision = asked;
    const registryNames: string[] = [];
    if (!name.includes('/')) {
      const row = findModel(core.db, name);
      const source = row?.source ? (JSON.parse(row.source) as { kind: string; repoId?: string; revision?: string | null }) : null;
      if (!row || source?.kind !== 'hub' || !source.repoId) {
        throw new AppError('MODEL_NOT_FOUND', row ? `Model "${row.name}" is not a Hugging Face model (its files are not in the HF cache).` : `No model named "${name}": give a Hub repo id (org/name) or a registered model.`, {
          hint: 'Only models in the Hugging Face cache can be bundled; list them with `model-center downloads` or `model-center detect`.',
        });
      }
      repo = source.repoId;
      revision ??= source.revision ?? undefined;
      registryNames.push(row.name);
    }
    const parsed = RepoIdSchema.safeParse(repo);
    if (!parsed.success) throw new AppError('INVALID_INPUT', `"${repo}" is not a Hub repo id like org/name.`);
    const cache = repoCache(cacheDir, repo);
    const commit = await resolveCommit(core, store, cache, repo, revision);
    if (!commit || !(await fs.promises.stat(snapshotDir(cache, commit)).catch(() => undefined))) {
      throw notFound(`${repo}${revision ? `@${revision}` : ''}`, `Download it first: model-center download ${repo}${revision ? ` --revision ${revision}` : ''} (cache: ${cacheDir}).`);
    }
    const key = `${repo}@${commit}`;
    const prev = plans.get(key);
    if (prev) {
      prev.registryNames.push(...registryNames);
      continue;
    }
    const record = store.get(repo, commit);
    const files = await snapshotFiles(cache, repo, commit, new Map((record?.files ?? []).map((f) => [f.path, f.blob])));
    if (files.length === 0) throw notFound(`${repo}@${commit.slice(0, 10)} has no files`, 'Download it again.');
    plans.set(key, {
      repo,
      revision: revision ?? record?.revision ?? commit,
      commit,
      refs: await refsTo(cache, commit),
      variant: record?.variant ?? null,
      hubVerifiedAt: record?.verifiedAt ?? null,
      files,
      registryNames,
    });
  }
  return [...plans.values()];
}

/** Where a blob goes in a bundle (and in the store): the cache layout, relative to the cache root. */
export function blobEntryPath(repo: string, blob: string): string {
  return `${repoFolderName(repo)}/blobs/${blob}`;
}
