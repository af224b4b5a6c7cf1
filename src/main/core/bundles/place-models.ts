import fs from 'node:fs';
import path from 'node:path';
import type { BundleImportReport, BundleModel, BundleRegistryModel, ValidationReportDTO } from '../../../shared/contract';
import type { CoreServices } from '../core-services';
import { blobFile, ensureCacheDirTag, isCommitSha, linkSnapshotFile, readRef, repoCache, snapshotDir, snapshotFile, writeRef } from '../hub/hf-cache';
import type { HubStore } from '../hub/hub-store';
import { mergeRegistry, mergeValidations } from './registry-entries';

/** Verified blobs ready to go in: `staged(repo, blob)` is a file to move into the cache, or null to reuse the cache's identical blob. */
export type StagedBlob = (repo: string, blob: string) => string | null;

/** What placing changed in the cache, to put it back if a later step fails. */
class UndoLog {
  private readonly steps: Array<() => Promise<void>> = [];
  private readonly cleanup: string[] = [];

  add(step: () => Promise<void>): void {
    this.steps.push(step);
  }

  /** A file kept aside until the end: restored on undo, deleted on success. */
  keepAside(file: string): void {
    this.cleanup.push(file);
  }

  async undo(): Promise<void> {
    for (const step of this.steps.reverse()) await step().catch(() => undefined);
  }

  async commit(): Promise<void> {
    for (const f of this.cleanup) await fs.promises.rm(f, { force: true });
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.promises.lstat(p).then(
    () => true,
    () => false,
  );
}

/** Moves one model's verified blobs in, links its snapshot and writes its refs, logging each change. */
async function placeModel(cacheDir: string, m: BundleModel, staged: StagedBlob, undo: UndoLog, placed: Set<string>): Promise<{ added: number; reused: number; bytes: number }> {
  const cache = repoCache(cacheDir, m.repo);
  const hadRoot = await exists(cache.root);
  if (!hadRoot) undo.add(() => fs.promises.rm(cache.root, { recursive: true, force: true }));
  await fs.promises.mkdir(cache.blobs, { recursive: true });
  const counts = { added: 0, reused: 0, bytes: 0 };
  const done = new Set<string>();
  for (const f of m.files) {
    if (done.has(f.blob)) continue;
    done.add(f.blob);
    const target = blobFile(cache, f.blob);
    // Another revision of the same repo, earlier in this import, already moved it in.
    const from = placed.has(target) ? null : staged(m.repo, f.blob);
    placed.add(target);
    if (from === null) {
      counts.reused++;
      continue;
    }
    // A blob of that name already there differs (it was checked): keep it aside until the import has succeeded.
    if (await exists(target)) {
      const aside = `${target}.replaced-${process.pid}`;
      await fs.promises.rename(target, aside);
      undo.keepAside(aside);
      undo.add(() => fs.promises.rename(aside, target));
    } else undo.add(() => fs.promises.rm(target, { force: true }));
    await fs.promises.rename(from, target);
    counts.added++;
    counts.bytes += f.size;
  }
  const snap = snapshotDir(cache, m.commit);
  if (!(await exists(snap))) undo.add(() => fs.promises.rm(snap, { recursive: true, force: true }));
  for (const f of m.files) {
    const link = snapshotFile(cache, m.commit, f.path);
    const before = await fs.promises.readlink(link).catch(() => null);
    await linkSnapshotFile(cache, m.commit, f.path, f.blob);
    undo.add(async () => {
      await fs.promises.rm(link, { force: true });
      if (before !== null) await fs.promises.symlink(before, link);
    });
  }
  for (const ref of m.refs.filter((r) => !isCommitSha(r))) {
    const before = await readRef(cache, ref);
    await writeRef(cache, ref, m.commit);
    const file = path.join(cache.refs, ...ref.split('/'));
    undo.add(() => (before === undefined ? fs.promises.rm(file, { force: true }) : fs.promises.writeFile(file, before)));
  }
  return counts;
}

/**
 * The commit step of an import or a pull, after every blob was verified: blobs renamed into the cache (same
 * disk, so each move is atomic), snapshots linked, refs written, then the download records and the registry
 * merged in ONE SQLite transaction. If anything fails, every change made here is put back.
 */
export async function placeModels(
  core: CoreServices,
  hubStore: HubStore,
  models: readonly BundleModel[],
  staged: StagedBlob,
  registry: readonly BundleRegistryModel[],
  validations: readonly ValidationReportDTO[] = [],
): Promise<BundleImportReport> {
  const cacheDir = core.settings.values().hubCacheDir;
  await ensureCacheDirTag(cacheDir);
  const undo = new UndoLog();
  const report: BundleImportReport = { models: [], registry: { modelsCreated: [], modelsUpdated: [], versionsAdded: [], metricsAdded: 0, validationsAdded: 0, kept: [] } };
  const placed = new Set<string>();
  try {
    for (const m of models) {
      const c = await placeModel(cacheDir, m, staged, undo, placed);
      report.models.push({
        repo: m.repo,
        commit: m.commit,
        files: m.files.length,
        blobsAdded: c.added,
        blobsReused: c.reused,
        bytesAdded: c.bytes,
        snapshotPath: snapshotDir(repoCache(cacheDir, m.repo), m.commit),
      });
    }
    report.registry = core.db
      .transaction(() => {
        for (const m of models) {
          hubStore.record({
            repo: m.repo,
            commit: m.commit,
            revision: m.refs[0] ?? m.revision,
            variant: m.variant ?? 'fp32',
            files: m.files.map((f) => ({ path: f.path, size: f.size, blob: f.blob })),
            cacheDir,
          });
        }
        return { ...mergeRegistry(core.db, registry), validationsAdded: mergeValidations(core.db, validations) };
      })
      .immediate();
  } catch (err) {
    await undo.undo();
    throw err;
  }
  await undo.commit();
  core.bus.emit('registry.changed', { model: null, action: 'import' });
  return report;
}
