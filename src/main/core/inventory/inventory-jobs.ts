import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { DedupeOutcomeDTO } from '../../../shared/contract';
import type { CoreServices } from '../core-services';
import type { HubStore } from '../hub/hub-store';
import type { JobKind } from '../jobs/job-kind';
import { buildInventory } from './build-inventory';
import { HashCache, sameStamp, sha256File, stampOf, type FileStamp } from './hash-cache';
import { saveSnapshot } from './inventory-snapshot';

export const INVENTORY_SCAN_JOB = 'inventory.scan';
export const INVENTORY_DEDUPE_JOB = 'inventory.dedupe';

const ScanParams = z.object({ verifyNames: z.boolean() });
type ScanParams = z.infer<typeof ScanParams>;

interface ScanSummary {
  models: number;
  files: number;
  duplicates: number;
  dedupeBytes: number;
  stats: { filesHashed: number; bytesHashed: number; fromCache: number; fromName: number };
}

/**
 * The inventory scan as a job: progress by bytes hashed, cancel and pause between chunks. Resuming simply scans
 * again: every file hashed before the pause is in the hash cache, so the work continues where it stopped.
 */
export function inventoryScanJob(core: CoreServices, hubStore: HubStore): JobKind<ScanParams, null, ScanSummary> {
  return {
    kind: INVENTORY_SCAN_JOB,
    paramsSchema: ScanParams,
    resumable: true,
    concurrency: 1,
    title: (p) => (p.verifyNames ? 'Inventory of model stores (verifying names)' : 'Inventory of model stores'),
    async run({ params, signal, report }) {
      const r = await buildInventory(core, hubStore, { hash: true, verifyNames: params.verifyNames, signal, report });
      saveSnapshot(core.db, r);
      core.log.info(`inventory: ${r.models.length} models, ${r.files.length} files, ${r.duplicates.length} duplicate groups, hashed ${r.stats.filesHashed} file(s)`);
      return { models: r.models.length, files: r.files.length, duplicates: r.duplicates.length, dedupeBytes: r.totals.dedupeBytes, stats: r.stats };
    },
  };
}

const LinkAction = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), sizeBytes: z.number().int().nonnegative(), keep: z.string(), link: z.array(z.string()) });
const DedupeParams = z.object({ actions: z.array(LinkAction), scannedAt: z.string() });
type DedupeParams = z.infer<typeof DedupeParams>;

async function lstamp(p: string): Promise<(FileStamp & { nlink: number }) | string> {
  try {
    const st = await stampOf(p, false);
    return st.isFile ? st : 'is no longer a regular file (a link or a folder now)';
  } catch {
    return 'is gone';
  }
}

/**
 * Replaces duplicates by hardlinks, exactly the pairs the dry run listed. Each file is re-checked right before it
 * is touched: still a regular file of the planned size on the keeper's filesystem, its content hashed again and
 * equal to the planned sha256, and unchanged (size, mtime, inode) between that hash and the swap. The swap links
 * the keeper to a temporary name in the duplicate's own folder, then renames it over the duplicate, so the path
 * always holds the full content: a crash leaves either the old file or the link, never neither.
 */
export function inventoryDedupeJob(core: CoreServices): JobKind<DedupeParams, null, DedupeOutcomeDTO> {
  return {
    kind: INVENTORY_DEDUPE_JOB,
    paramsSchema: DedupeParams,
    resumable: false,
    concurrency: 1,
    title: (p) => `Dedupe ${p.actions.reduce((n, a) => n + a.link.length, 0)} duplicate file(s) by hardlinks`,
    async run({ params, signal, report }) {
      const cache = new HashCache(core.db);
      const out: DedupeOutcomeDTO = { linked: [], skipped: [], bytesSaved: 0 };
      const total = params.actions.reduce((s, a) => s + a.sizeBytes * (1 + a.link.length), 0);
      let done = 0;
      const onBytes = (n: number): void => {
        done += n;
        report({ progress: total ? (100 * done) / total : 100, phase: 'verifying', detail: { bytesDone: done, bytesTotal: total } });
      };
      const skipAll = (a: DedupeParams['actions'][number], reason: string): void => {
        for (const p of a.link) out.skipped.push({ path: p, reason });
        done += a.sizeBytes * (1 + a.link.length);
      };
      for (const a of params.actions) {
        signal.throwIfAborted();
        const keep = await lstamp(a.keep);
        if (typeof keep === 'string') {
          skipAll(a, `the file to keep, ${a.keep}, ${keep}`);
          continue;
        }
        if (keep.size !== a.sizeBytes) {
          skipAll(a, `the file to keep, ${a.keep}, changed size since the scan`);
          continue;
        }
        const keepSha = await sha256File(a.keep, signal, onBytes);
        const keepAfter = await lstamp(a.keep);
        if (keepSha !== a.sha256 || typeof keepAfter === 'string' || !sameStamp(keep, keepAfter)) {
          skipAll(a, `the file to keep, ${a.keep}, changed since the scan (content re-hashed)`);
          continue;
        }
        for (const dup of a.link) {
          signal.throwIfAborted();
          const skip = (reason: string): void => {
            out.skipped.push({ path: dup, reason });
          };
          const st = await lstamp(dup);
          if (typeof st === 'string') {
            skip(st);
            done += a.sizeBytes;
            continue;
          }
          if (st.dev !== keep.dev) {
            skip(`on another filesystem than ${a.keep}: a hardlink cannot cross filesystems`);
            done += a.sizeBytes;
            continue;
          }
          if (st.ino === keep.ino) {
            skip(`already a hardlink of ${a.keep}`);
            done += a.sizeBytes;
            continue;
          }
          if (st.size !== a.sizeBytes) {
            skip('changed size since the scan');
            done += a.sizeBytes;
            continue;
          }
          const sha = await sha256File(dup, signal, onBytes);
          const after = await lstamp(dup);
          if (sha !== a.sha256 || typeof after === 'string' || !sameStamp(st, after)) {
            skip('content changed since the scan (re-hashed right before linking)');
            continue;
          }
          const tmp = path.join(path.dirname(dup), `.${path.basename(dup)}.mc-dedupe-${process.pid}-${randomBytes(4).toString('hex')}`);
          try {
            await fs.link(a.keep, tmp);
            const linked = await lstamp(tmp);
            const last = await lstamp(dup);
            if (typeof linked === 'string' || linked.ino !== keep.ino) throw new Error('the temporary link does not point at the file to keep');
            if (typeof last === 'string' || !sameStamp(st, last)) throw new Error('changed just before linking');
            await fs.rename(tmp, dup);
          } catch (err) {
            await fs.rm(tmp, { force: true });
            skip(`not linked: ${(err as Error).message}`);
            continue;
          }
          cache.put(dup, { size: a.sizeBytes, mtimeNs: keep.mtimeNs }, a.sha256);
          // The old file's bytes come back when that was its last link.
          const saved = st.nlink === 1 ? a.sizeBytes : 0;
          out.bytesSaved += saved;
          out.linked.push({ path: dup, keep: a.keep, sizeBytes: a.sizeBytes });
          core.log.info(`dedupe: ${dup} → hardlink of ${a.keep} (${a.sizeBytes} bytes)`);
        }
      }
      return out;
    },
  };
}
