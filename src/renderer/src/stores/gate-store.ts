import { create } from 'zustand';
import type { GateDTO, GateSettingsDTO, ServingEntryDTO } from '../../../shared/contract';
import { describeError, toErrorDTO } from '../../../shared/errors';
import { api } from '../api-client';

interface GateState {
  collection: string | null;
  gate: GateDTO | null;
  history: ServingEntryDTO[];
  busy: boolean;
  error: string | null;
  notice: string | null;
  /** The collection's golden set, thresholds, runs and serving history, read from the core. */
  load(collection: string): Promise<void>;
  add(query: string, expected: number[]): Promise<void>;
  importFile(file: File): Promise<void>;
  sample(count: number): Promise<void>;
  remove(ids?: number[]): Promise<void>;
  save(settings: Partial<GateSettingsDTO>): Promise<void>;
  run(): Promise<void>;
}

/** The migration quality gate of the selected collection: one domain, one store. */
export const useGateStore = create<GateState>((set, get) => {
  const act = async (work: (collection: string) => Promise<string | null>): Promise<void> => {
    const collection = get().collection;
    if (!collection) return;
    set({ busy: true, error: null, notice: null });
    try {
      set({ notice: await work(collection) });
    } catch (err) {
      set({ error: describeError(toErrorDTO(err)) });
    } finally {
      set({ busy: false });
      await get().load(collection);
    }
  };
  return {
    collection: null,
    gate: null,
    history: [],
    busy: false,
    error: null,
    notice: null,
    async load(collection) {
      if (collection !== get().collection) set({ collection, gate: null, history: [], error: null, notice: null });
      try {
        const [gate, history] = await Promise.all([api().call('gate.get', { collection }), api().call('migrations.history', { collection })]);
        if (get().collection === collection) set({ gate, history });
      } catch (err) {
        set({ error: describeError(toErrorDTO(err)) });
      }
    },
    add: (query, expected) =>
      act(async (collection) => {
        await api().call('gate.addQueries', { collection, queries: [{ query, expected }] });
        return 'Golden query added.';
      }),
    importFile: (file) =>
      act(async (collection) => {
        const before = get().gate?.queries.length ?? 0;
        const gate = await api().call('gate.importQueries', { collection, fileName: file.name, content: await file.text() });
        return `${file.name}: ${gate.queries.length - before} new golden queries (${gate.queries.length} in all).`;
      }),
    sample: (count) =>
      act(async (collection) => {
        const gate = await api().call('gate.sampleQueries', { collection, count });
        return `${gate.queries.filter((q) => q.origin === 'sampled').length} sampled queries frozen.`;
      }),
    remove: (ids) =>
      act(async (collection) => {
        await api().call('gate.removeQueries', { collection, ids });
        return ids ? null : 'Every golden query removed: the gate is not armed.';
      }),
    save: (settings) =>
      act(async (collection) => {
        await api().call('gate.setSettings', { collection, settings });
        return 'Thresholds saved.';
      }),
    run: () =>
      act(async (collection) => {
        const run = await api().call('gate.run', { collection });
        return run.summary;
      }),
  };
});
