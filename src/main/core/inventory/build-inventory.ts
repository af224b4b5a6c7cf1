import fs from 'node:fs/promises';
import {
  INVENTORY_TOOLS,
  type InventoryFileDTO,
  type InventoryModelDTO,
  type InventoryReportDTO,
  type InventoryTool,
} from '../../../shared/contract';
import type { CoreServices } from '../core-services';
import { activeJobs } from '../detect/in-use';
import type { HubStore } from '../hub/hub-store';
import type { JobReport } from '../jobs/job-kind';
import { findDuplicates } from './duplicates';
import { groupBy } from './group-by';
import { scanJanRoot, scanLmStudioRoot, scanStLegacyRoot, scanVoskModels } from './folder-scanners';
import type { FileRef, FoundModel } from './found-model';
import { HashCache, sha256File, stampOf } from './hash-cache';
import { inventoryRoots } from './inventory-roots';
import { scanHfCacheRoot, scanOllamaRoot } from './store-scanners';
import { collectUsers, markUsage } from './usage-marks';

export interface ScanOptions {
  /** Hash files (the inventory, dedupe); the retention plan needs sizes only. */
  hash: boolean;
  /** Also hash files whose content-addressed name nobody checked, and report the ones that do not match. */
  verifyNames?: boolean;
  signal?: AbortSignal;
  report?: (u: JobReport) => void;
}

interface FileAcc {
  path: string;
  owner: FileRef;
  tool: InventoryTool;
  models: Set<string>;
}

type Stamped = FileAcc & Awaited<ReturnType<typeof stampOf>>;

async function scanTool(tool: InventoryTool, root: string, hubStore: HubStore, warnings: string[]): Promise<FoundModel[]> {
  switch (tool) {
    case 'huggingface':
      return scanHfCacheRoot(root, (repo) => new Set(hubStore.forRepo(repo).map((r) => r.commit)));
    case 'ollama':
      return scanOllamaRoot(root, warnings);
    case 'sentence-transformers':
      return scanStLegacyRoot(root);
    case 'vosk':
      return scanVoskModels(root);
    case 'lmstudio':
      return scanLmStudioRoot(root);
    case 'jan':
      return scanJanRoot(root);
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * One inventory of every model store: the models each tool has, every file they use (links followed, so a file
 * reached twice is one file), its sha256 (from a content-addressed name, the cache, or read now), duplicates across
 * tools, and whether each model is safe to delete.
 */
export async function buildInventory(core: CoreServices, hubStore: HubStore, options: ScanOptions): Promise<InventoryReportDTO> {
  const report = options.report ?? ((): void => undefined);
  const warnings: string[] = [];
  report({ progress: 0, phase: 'listing', message: 'listing model stores' });
  const roots = await inventoryRoots(core);
  const rootInfo: InventoryReportDTO['roots'] = [];
  const found: Array<FoundModel & { id: string }> = [];
  const ids = new Set<string>();
  for (const tool of INVENTORY_TOOLS) {
    for (const root of roots[tool]) {
      const exists = await fs.stat(root).then((s) => s.isDirectory(), () => false);
      rootInfo.push({ tool, path: root, exists });
      if (!exists) continue;
      try {
        for (const m of await scanTool(tool, root, hubStore, warnings)) {
          // The same name in two roots of one tool (an old and a new LM Studio folder): both are listed.
          const id = ids.has(`${tool}:${m.name}`) ? `${tool}:${m.location}` : `${tool}:${m.name}`;
          ids.add(id);
          found.push({ ...m, id });
        }
      } catch (err) {
        warnings.push(`Could not scan ${root} (${tool}): ${(err as Error).message}`);
      }
    }
  }
  options.signal?.throwIfAborted();

  // One entry per real file; the store that holds it (a blob folder over a link pointing at it) describes it.
  const byPath = new Map<string, FileAcc>();
  for (const m of found) {
    for (const ref of m.files) {
      const real = await fs.realpath(ref.path).catch(() => null);
      if (!real) {
        warnings.push(`${ref.path} (${m.id}) vanished while scanning`);
        continue;
      }
      const acc = byPath.get(real);
      if (!acc) byPath.set(real, { path: real, owner: ref, tool: m.tool, models: new Set([m.id]) });
      else {
        acc.models.add(m.id);
        if (ref.blob && !acc.owner.blob) {
          acc.owner = ref;
          acc.tool = m.tool;
        }
      }
    }
  }
  report({ progress: 5, phase: 'reading', message: `${byPath.size} files in ${found.length} models` });
  const stamped: Stamped[] = [];
  for (const acc of byPath.values()) {
    try {
      const st = await stampOf(acc.path);
      if (st.isFile) stamped.push({ ...acc, ...st });
    } catch (err) {
      warnings.push(`Cannot read ${acc.path}: ${(err as Error).message}`);
    }
  }
  options.signal?.throwIfAborted();

  const hashes = new Map<string, { sha256: string; source: InventoryFileDTO['hashSource'] }>();
  const stats = { filesHashed: 0, bytesHashed: 0, fromCache: 0, fromName: 0 };
  if (options.hash) {
    const cache = new HashCache(core.db);
    const byInode = new Map<string, string>();
    const todo: Stamped[] = [];
    for (const f of stamped) {
      const inode = `${f.dev}:${f.ino}`;
      const named = f.owner.named;
      if (named && (named.verified || !options.verifyNames)) {
        hashes.set(f.path, { sha256: named.sha256, source: named.verified ? 'name-verified' : 'name' });
        stats.fromName++;
        continue;
      }
      const cached = cache.get(f.path, f) ?? byInode.get(inode) ?? null;
      if (cached) {
        hashes.set(f.path, { sha256: cached, source: 'cache' });
        byInode.set(inode, cached);
        stats.fromCache++;
        if (named && named.sha256 !== cached) warnings.push(`${f.path}: its content's sha256 ${cached} differs from its name (a corrupt download; fetch it again)`);
        continue;
      }
      todo.push(f);
    }
    const total = todo.reduce((s, f) => s + f.size, 0);
    let done = 0;
    const started = Date.now();
    for (const f of todo) {
      const inode = `${f.dev}:${f.ino}`;
      const again = byInode.get(inode);
      if (again) {
        hashes.set(f.path, { sha256: again, source: 'cache' });
        stats.fromCache++;
        done += f.size;
        continue;
      }
      const sha = await sha256File(f.path, options.signal, (n) => {
        done += n;
        const secs = (Date.now() - started) / 1000;
        const speed = secs > 0 ? done / secs : 0;
        report({
          progress: 10 + (total ? (85 * done) / total : 85),
          phase: 'hashing',
          message: `hashing ${f.owner.label}`,
          detail: { bytesDone: done, bytesTotal: total, speed: Math.round(speed), eta: speed > 0 ? Math.round((total - done) / speed) : null },
        });
      });
      cache.put(f.path, f, sha);
      byInode.set(inode, sha);
      hashes.set(f.path, { sha256: sha, source: 'computed' });
      stats.filesHashed++;
      stats.bytesHashed += f.size;
      if (f.owner.named && f.owner.named.sha256 !== sha) warnings.push(`${f.path}: its content's sha256 ${sha} differs from its name (a corrupt download; fetch it again)`);
    }
  }
  report({ progress: 96, phase: 'finishing', message: 'duplicates and safe-to-delete marks' });

  const files: InventoryFileDTO[] = stamped
    .map((f) => ({
      path: f.path,
      tool: f.tool,
      label: f.owner.label,
      sizeBytes: f.size,
      sha256: hashes.get(f.path)?.sha256 ?? null,
      hashSource: hashes.get(f.path)?.source ?? null,
      device: f.dev,
      inode: f.ino,
      links: f.nlink,
      modifiedAt: iso(f.mtimeMs),
      immutable: f.owner.blob,
      models: [...f.models].sort(),
    }))
    .sort((a, b) => a.path.localeCompare(b.path));

  // Bytes a model's deletion gives back: inodes only it uses, with no links besides the files listed.
  const inodePaths = groupBy(stamped, (f) => [`${f.dev}:${f.ino}`]);
  const freeable = new Map<string, number>();
  for (const list of inodePaths.values()) {
    const owners = new Set(list.flatMap((f) => [...f.models]));
    const first = list[0]!;
    if (owners.size === 1 && first.nlink <= list.length) {
      const [only] = owners;
      freeable.set(only!, (freeable.get(only!) ?? 0) + first.size);
    }
  }

  const byModel = groupBy(stamped, (f) => [...f.models]);
  const models = found.map((m) => {
    const fs_ = byModel.get(m.id) ?? [];
    const newest = (pick: (f: Stamped) => number): string | null => (fs_.length ? iso(Math.max(...fs_.map(pick))) : null);
    return {
      id: m.id,
      tool: m.tool,
      name: m.name,
      location: m.location,
      sizeBytes: fs_.reduce((s, f) => s + f.size, 0),
      files: fs_.length,
      freeableBytes: freeable.get(m.id) ?? 0,
      // The weights (its largest file) are read only when the model is loaded; small config files are read by
      // scanners too (this one, `detect`), which would make every model look just used.
      lastUsed: fs_.length ? iso([...fs_].sort((a, b) => b.size - a.size || b.atimeMs - a.atimeMs)[0]!.atimeMs) : null,
      lastModified: newest((f) => f.mtimeMs),
      safeToDelete: true,
      usedBy: [] as string[],
      notes: m.notes,
      filePaths: new Set(fs_.map((f) => f.path)),
    };
  });
  const usage = collectUsers(core.db, activeJobs(core), core.dataDir);
  markUsage(models, usage.users);

  const { groups } = options.hash ? findDuplicates(files) : { groups: [] };
  const inodeSize = (list: Array<Pick<Stamped, 'dev' | 'ino' | 'size'>>): number => {
    const seen = new Map<string, number>();
    for (const f of list) seen.set(`${f.dev}:${f.ino}`, f.size);
    return [...seen.values()].reduce((s, n) => s + n, 0);
  };
  // A file hardlinked into two tools' stores is counted for the first of them (in INVENTORY_TOOLS order), so the
  // tools add up to the total; the others show it as shared.
  const ownerOf = new Map<string, InventoryTool>();
  for (const tool of INVENTORY_TOOLS) for (const f of stamped) if (f.tool === tool && !ownerOf.has(`${f.dev}:${f.ino}`)) ownerOf.set(`${f.dev}:${f.ino}`, tool);
  const tools = INVENTORY_TOOLS.map((tool) => {
    const mine = stamped.filter((f) => f.tool === tool);
    const counted = mine.filter((f) => ownerOf.get(`${f.dev}:${f.ino}`) === tool);
    const held = inodeSize(mine);
    const sizeBytes = inodeSize(counted);
    return { tool, models: found.filter((m) => m.tool === tool).length, files: mine.length, sizeBytes, sharedBytes: held - sizeBytes };
  });
  return {
    scannedAt: new Date().toISOString(),
    hashed: options.hash,
    roots: rootInfo,
    tools,
    models: models.map(({ filePaths: _f, ...m }): InventoryModelDTO => m).sort((a, b) => b.sizeBytes - a.sizeBytes || a.id.localeCompare(b.id)),
    files,
    duplicates: groups,
    totals: {
      sizeBytes: inodeSize(stamped),
      files: files.length,
      wastedBytes: groups.reduce((s, g) => s + g.wastedBytes, 0),
      linkableBytes: groups.reduce((s, g) => s + g.linkableBytes, 0),
      dedupeBytes: groups.reduce((s, g) => s + g.dedupeBytes, 0),
    },
    stats,
    usage: { tables: usage.tables, missing: usage.missing },
    warnings,
  };
}
