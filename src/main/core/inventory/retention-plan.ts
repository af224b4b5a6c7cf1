import fs from 'node:fs/promises';
import path from 'node:path';
import { RepoIdSchema, type InventoryModelDTO, type InventoryReportDTO, type InventoryTool, type RetentionResultDTO } from '../../../shared/contract';
import type { Handlers } from '../handlers';

type Item = RetentionResultDTO['remove'][number];
export type RetentionPlan = Pick<RetentionResultDTO, 'budgetBytes' | 'totalBytes' | 'afterBytes' | 'remove' | 'protected' | 'reachable'>;

function item(m: InventoryModelDTO, reason: string, freeableBytes = m.freeableBytes): Item {
  return { id: m.id, tool: m.tool, name: m.name, location: m.location, freeableBytes, lastUsed: m.lastUsed ?? m.lastModified, reason };
}

/**
 * A retention budget: remove models that are safe to delete, least recently used first (last access time, else
 * last change), until what stays on disk is at most `budgetBytes`. Each removal counts only the bytes it really
 * gives back: a file shared by two models (two Ollama tags of one weights blob, a hardlink across tools) comes back
 * when the last model using it goes.
 */
export function planRetention(report: InventoryReportDTO, budgetBytes: number): RetentionPlan {
  const inodes = new Map<string, { size: number; links: number; paths: number; models: Set<string> }>();
  for (const f of report.files) {
    const key = `${f.device}:${f.inode}`;
    const node = inodes.get(key) ?? { size: f.sizeBytes, links: f.links, paths: 0, models: new Set<string>() };
    node.paths++;
    for (const m of f.models) node.models.add(m);
    inodes.set(key, node);
  }
  const removed = new Set<string>();
  const freed = new Set<string>();
  const gainOf = (id: string): number => {
    removed.add(id);
    let gain = 0;
    for (const [key, n] of inodes) {
      if (freed.has(key) || !n.models.has(id) || n.links > n.paths) continue;
      if ([...n.models].every((m) => removed.has(m))) {
        freed.add(key);
        gain += n.size;
      }
    }
    return gain;
  };
  const order = report.models
    .filter((m) => m.safeToDelete)
    .sort((a, b) => (a.lastUsed ?? a.lastModified ?? '').localeCompare(b.lastUsed ?? b.lastModified ?? '') || a.id.localeCompare(b.id));
  let after = report.totals.sizeBytes;
  const remove: Item[] = [];
  for (const m of order) {
    if (after <= budgetBytes) break;
    const gain = gainOf(m.id);
    after -= gain;
    remove.push(item(m, `least recently used (${(m.lastUsed ?? m.lastModified ?? 'never').slice(0, 10)})`, gain));
  }
  return {
    budgetBytes,
    totalBytes: report.totals.sizeBytes,
    afterBytes: Math.max(0, after),
    remove,
    protected: report.models.filter((m) => !m.safeToDelete).map((m) => item(m, m.usedBy.join('; '))),
    reachable: after <= budgetBytes,
  };
}

async function real(p: string): Promise<string> {
  return fs.realpath(p).catch(() => path.resolve(p));
}

/** A folder strictly inside one of the tool's roots, as written and with links resolved; never a root itself. */
async function insideRoots(location: string, roots: string[]): Promise<boolean> {
  const loc = path.resolve(location);
  const realLoc = await real(loc);
  for (const root of roots) {
    const realRoot = await real(root);
    const a = path.relative(path.resolve(root), loc);
    const b = path.relative(realRoot, realLoc);
    const strictly = (rel: string): boolean => rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    if (strictly(a) && strictly(b)) return true;
  }
  return false;
}

/**
 * Removes what the plan lists, each the way its tool would: Hub cache repos through `hub.delete`, Ollama models
 * through the Ollama server (its own bookkeeping stays right; a server that is down is a warning), other tools'
 * model folders from disk after checking they lie inside a folder the inventory scans. Returns the bytes freed
 * (as planned, for the removals that happened) and the problems met.
 */
export async function applyRetention(
  plan: RetentionPlan,
  handlers: Handlers,
  roots: Record<InventoryTool, string[]>,
): Promise<{ bytesFreed: number; warnings: string[]; done: string[] }> {
  const warnings: string[] = [];
  const done: string[] = [];
  let bytesFreed = 0;
  for (const r of plan.remove) {
    try {
      if (r.tool === 'huggingface') {
        if (!RepoIdSchema.safeParse(r.name).success) throw new Error('only model repos are removed (a dataset or space is left alone)');
        await handlers['hub.delete']({ repo: r.name });
      } else if (r.tool === 'ollama') {
        await handlers['ollama.delete']({ name: r.name });
      } else {
        if (!(await insideRoots(r.location, roots[r.tool]))) throw new Error(`refusing to delete ${r.location}: not inside a folder scanned for ${r.tool}`);
        await fs.rm(r.location, { recursive: true, force: true });
      }
      bytesFreed += r.freeableBytes;
      done.push(r.id);
    } catch (err) {
      const e = err as Error & { hint?: string };
      warnings.push(`${r.id}: not removed: ${e.message}${e.hint ? ` (${e.hint})` : ''}`);
    }
  }
  return { bytesFreed, warnings, done };
}
