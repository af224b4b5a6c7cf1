import type { inventoryContract } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CoreServices } from '../core-services';
import type { DomainHandlers, Handlers } from '../handlers';
import type { HubStore } from '../hub/hub-store';
import { buildInventory } from './build-inventory';
import { findDuplicates } from './duplicates';
import { INVENTORY_DEDUPE_JOB, INVENTORY_SCAN_JOB } from './inventory-jobs';
import { inventoryRoots } from './inventory-roots';
import { loadSnapshot } from './inventory-snapshot';
import { applyRetention, planRetention } from './retention-plan';

export function createInventoryHandlers(core: CoreServices, hubStore: HubStore, handlers: () => Handlers): DomainHandlers<typeof inventoryContract> {
  return {
    'inventory.scan': ({ verifyNames }) => {
      core.log.info(`inventory scan${verifyNames ? ' (verifying names)' : ''}`);
      return core.jobs.start(INVENTORY_SCAN_JOB, { verifyNames });
    },
    'inventory.get': () => loadSnapshot(core.db),
    'inventory.dedupe': ({ dryRun, scannedAt }) => {
      const snapshot = loadSnapshot(core.db);
      if (!snapshot) {
        throw new AppError('NOT_FOUND', 'There is no inventory yet to find duplicates in.', { hint: 'Scan first: `model-center inventory` or the Scan button of the Inventory page.' });
      }
      if (scannedAt && scannedAt !== snapshot.scannedAt) {
        throw new AppError('CONFLICT', `The inventory was scanned again (${snapshot.scannedAt}) after the preview you confirmed (${scannedAt}).`, {
          hint: 'Look at the new dry run, then confirm that one.',
        });
      }
      const { groups, actions } = findDuplicates(snapshot.files);
      const links = actions.map(({ sha256, sizeBytes, keep, link }) => ({ sha256, sizeBytes, keep, link }));
      const skipped = groups.flatMap((g) => g.skipped.map((s) => ({ sha256: g.sha256, ...s })));
      const bytesSaved = actions.reduce((s, a) => s + a.saves, 0);
      const job = !dryRun && links.length ? core.jobs.start(INVENTORY_DEDUPE_JOB, { actions: links, scannedAt: snapshot.scannedAt }) : null;
      return { dryRun, links, skipped, bytesSaved, job, scannedAt: snapshot.scannedAt };
    },
    'inventory.retention': async ({ maxBytes, dryRun, only }) => {
      // Sizes only (no hashing): a plan is made from what is on disk right now, not from an older scan.
      const report = await buildInventory(core, hubStore, { hash: false });
      const fresh = planRetention(report, maxBytes);
      // A confirmed preview: never more than it listed, even when a model became least recently used meanwhile.
      const plan = only ? { ...fresh, remove: fresh.remove.filter((r) => only.includes(r.id)) } : fresh;
      if (dryRun) return { dryRun, ...plan, bytesFreed: 0, warnings: report.warnings };
      const roots = await inventoryRoots(core);
      const applied = await applyRetention(plan, handlers(), roots);
      core.log.info(`retention under ${maxBytes} bytes: removed ${applied.done.join(', ') || 'nothing'}, ${applied.bytesFreed} bytes freed`);
      return {
        dryRun,
        ...plan,
        remove: plan.remove.filter((r) => applied.done.includes(r.id)),
        afterBytes: plan.totalBytes - applied.bytesFreed,
        reachable: plan.totalBytes - applied.bytesFreed <= maxBytes,
        bytesFreed: applied.bytesFreed,
        warnings: [...report.warnings, ...applied.warnings],
      };
    },
  };
}
