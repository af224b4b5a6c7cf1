import { create } from 'zustand';
import type { DedupeResultDTO, InventoryReportDTO, RetentionResultDTO } from '../../../shared/contract';
import { describeError, toErrorDTO } from '../../../shared/errors';
import { api } from '../api-client';

interface InventoryState {
  report: InventoryReportDTO | null;
  loaded: boolean;
  error: string | null;
  /** The dedupe dry run shown for confirmation, or what the confirmed run started. */
  dedupe: DedupeResultDTO | null;
  retention: RetentionResultDTO | null;
  load(): Promise<void>;
  scan(): Promise<void>;
  previewDedupe(): Promise<void>;
  confirmDedupe(): Promise<void>;
  previewRetention(maxBytes: number): Promise<void>;
  confirmRetention(maxBytes: number): Promise<void>;
  clearError(): void;
}

/**
 * The last inventory and the actions on it. Scans and dedupes run as jobs (the jobs store follows them live); the
 * page reloads the report when a scan job ends and scans again when a dedupe job ends.
 */
export const useInventoryStore = create<InventoryState>((set, get) => {
  const fail = (err: unknown): void => set({ error: describeError(toErrorDTO(err)) });
  return {
    report: null,
    loaded: false,
    error: null,
    dedupe: null,
    retention: null,
    async load() {
      try {
        set({ report: await api().call('inventory.get', {}), loaded: true });
      } catch (err) {
        set({ loaded: true });
        fail(err);
      }
    },
    async scan() {
      set({ error: null });
      try {
        await api().call('inventory.scan', { verifyNames: false });
      } catch (err) {
        fail(err);
      }
    },
    async previewDedupe() {
      set({ error: null });
      try {
        set({ dedupe: await api().call('inventory.dedupe', { dryRun: true }) });
      } catch (err) {
        fail(err);
      }
    },
    async confirmDedupe() {
      const preview = get().dedupe;
      if (!preview?.dryRun) return;
      set({ error: null });
      try {
        set({ dedupe: await api().call('inventory.dedupe', { dryRun: false, scannedAt: preview.scannedAt }) });
      } catch (err) {
        fail(err);
      }
    },
    async previewRetention(maxBytes) {
      set({ error: null });
      try {
        set({ retention: await api().call('inventory.retention', { maxBytes, dryRun: true }) });
      } catch (err) {
        fail(err);
      }
    },
    async confirmRetention(maxBytes) {
      set({ error: null });
      try {
        const only = get().retention?.remove.map((r) => r.id);
        set({ retention: await api().call('inventory.retention', { maxBytes, dryRun: false, only }) });
        await get().scan();
      } catch (err) {
        fail(err);
      }
    },
    clearError() {
      set({ error: null });
    },
  };
});
