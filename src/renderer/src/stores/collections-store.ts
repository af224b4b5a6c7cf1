import { create } from 'zustand';
import type {
  CollectionSummaryDTO,
  CompareReportDTO,
  JobDTO,
  MethodInput,
  MigrationDTO,
  MigrationPlanDTO,
  SearchResultDTO,
} from '../../../shared/contract';
import { toErrorDTO, type ErrorDTO } from '../../../shared/errors';
import { api } from '../api-client';

interface CollectionsState {
  collections: CollectionSummaryDTO[];
  loaded: boolean;
  /** Kept whole (not as text) so the page can offer what fixes it, e.g. the Downloads page for a missing model. */
  error: ErrorDTO | null;
  /** The collection the monitor shows; its latest migration, read from the core (the job table), never kept only here. */
  selected: string | null;
  migration: MigrationDTO | null;
  plan: MigrationPlanDTO | null;
  busy: boolean;
  notice: string | null;
  search: SearchResultDTO | null;
  searching: boolean;
  load(): Promise<void>;
  select(name: string | null): Promise<void>;
  refreshMigration(): Promise<void>;
  /** A job event: live figures of the selected migration (progress, rate, a chart point) without a round trip. */
  applyJob(job: JobDTO): void;
  importFiles(input: MethodInput<'collections.import'>): Promise<boolean>;
  dryRun(to: string): Promise<void>;
  start(to: string): Promise<void>;
  control(action: 'pause' | 'resume' | 'cancel'): Promise<void>;
  compare(queries: string[], sample: number, k: number): Promise<CompareReportDTO | null>;
  setRollout(percent: number, skipGate?: boolean): Promise<void>;
  setShadow(enabled: boolean): Promise<void>;
  finalize(keepPrevious: boolean, skipGate?: boolean): Promise<void>;
  rollback(deleteVectors: boolean): Promise<void>;
  runSearch(input: MethodInput<'collections.search'>): Promise<void>;
}

/** Collections, the selected one's migration and the search playground: one domain, one store. */
export const useCollectionsStore = create<CollectionsState>((set, get) => {
  const refreshMigration = async (): Promise<void> => {
    const name = get().selected;
    if (!name) return set({ migration: null });
    try {
      const migration = await api().call('migrations.get', { collection: name });
      if (get().selected === name) set({ migration });
    } catch (err) {
      // NOT_FOUND: never migrated; the monitor then offers to plan one.
      if (toErrorDTO(err).code === 'NOT_FOUND') set({ migration: null });
      else set({ error: toErrorDTO(err) });
    }
  };
  /** Runs an action, then reloads what it may have changed; the core is the truth (the CLI may act too). */
  const act = async (work: () => Promise<string | null>): Promise<void> => {
    set({ busy: true, error: null, notice: null });
    try {
      const notice = await work();
      set({ notice });
    } catch (err) {
      set({ error: toErrorDTO(err) });
    } finally {
      set({ busy: false });
      await Promise.all([get().load(), refreshMigration()]);
    }
  };
  const collection = (): string => {
    const name = get().selected;
    if (!name) throw new Error('Choose a collection first.');
    return name;
  };
  return {
    collections: [],
    loaded: false,
    error: null,
    selected: null,
    migration: null,
    plan: null,
    busy: false,
    notice: null,
    search: null,
    searching: false,
    async load() {
      try {
        const collections = await api().call('collections.list', {});
        const selected = get().selected ?? collections[0]?.name ?? null;
        set({ collections, loaded: true, selected: selected && collections.some((c) => c.name === selected) ? selected : (collections[0]?.name ?? null) });
      } catch (err) {
        set({ loaded: true, error: toErrorDTO(err) });
      }
    },
    async select(name) {
      set({ selected: name, migration: null, plan: null, notice: null, error: null });
      await refreshMigration();
    },
    refreshMigration,
    applyJob(job) {
      const m = get().migration;
      if (!m || m.job?.id !== job.id) return;
      const d = (job.detail ?? {}) as { done?: number; total?: number; rate?: number | null; etaSeconds?: number | null };
      const samples = [...m.samples];
      const last = samples.at(-1);
      if (typeof d.done === 'number' && (!last || Date.parse(job.updatedAt) - Date.parse(last.at) >= 1000)) {
        samples.push({ at: job.updatedAt, done: d.done, rate: d.rate ?? 0 });
      }
      set({
        migration: {
          ...m,
          job,
          done: d.done ?? m.done,
          total: d.total ?? m.total,
          rate: job.state === 'running' ? (d.rate ?? m.rate) : null,
          etaSeconds: job.state === 'running' ? (d.etaSeconds ?? null) : null,
          samples,
        },
      });
      if (job.state !== 'running' && job.state !== 'queued') void refreshMigration();
    },
    async importFiles(input) {
      try {
        await api().call('collections.import', input);
        set({ notice: `Importing into ${input.name}: follow the job below.`, error: null });
        return true;
      } catch (err) {
        set({ error: toErrorDTO(err) });
        return false;
      }
    },
    dryRun: (to) =>
      act(async () => {
        set({ plan: await api().call('migrations.plan', { collection: collection(), to }) });
        return null;
      }),
    start: (to) =>
      act(async () => {
        await api().call('migrations.start', { collection: collection(), to });
        set({ plan: null });
        return `Migration to ${to} started.`;
      }),
    control: (action) =>
      act(async () => {
        const method = ({ pause: 'migrations.pause', resume: 'migrations.resume', cancel: 'migrations.cancel' } as const)[action];
        await api().call(method, { collection: collection() });
        return null;
      }),
    async compare(queries, sample, k) {
      let report: CompareReportDTO | null = null;
      await act(async () => {
        report = await api().call('migrations.compare', { collection: collection(), queries: queries.length ? queries : undefined, sample, k });
        return null;
      });
      return report;
    },
    setRollout: (percent, skipGate = false) =>
      act(async () => {
        await api().call('migrations.setRollout', { collection: collection(), percent, skipGate });
        return `${percent} % of searches now go to B${skipGate ? ' (quality gate skipped)' : ''}.`;
      }),
    setShadow: (enabled) =>
      act(async () => {
        await api().call('migrations.setShadow', { collection: collection(), enabled });
        return enabled ? 'Shadow mode on: searches run on both versions.' : 'Shadow mode off.';
      }),
    finalize: (keepPrevious, skipGate = false) =>
      act(async () => (await api().call('migrations.finalize', { collection: collection(), confirm: !keepPrevious, keepPrevious, skipGate })).outcome),
    rollback: (deleteVectors) => act(async () => (await api().call('migrations.rollback', { collection: collection(), deleteVectors })).outcome),
    async runSearch(input) {
      set({ searching: true, error: null });
      try {
        set({ search: await api().call('collections.search', input) });
      } catch (err) {
        set({ error: toErrorDTO(err), search: null });
      } finally {
        set({ searching: false });
      }
    },
  };
});
