import { create } from 'zustand';
import type { BenchComparisonDTO, BenchMachineDTO, BenchParamsInput, BenchResultDTO, MetricsRow } from '../../../shared/contract';
import { describeError, toErrorDTO } from '../../../shared/errors';
import { api } from '../api-client';

/** At most this many results are charted together (legends and bar groups stay readable). */
export const MAX_SELECTED = 6;

interface History {
  model: string;
  version: string;
  rows: MetricsRow[];
}

interface BenchState {
  /** Newest first, without latency samples. */
  results: BenchResultDTO[];
  /** Charted and compared results, in the order picked (the first is the comparison's baseline). */
  selected: number[];
  /** Full results (with latency samples) of the selected ones. */
  detail: Record<number, BenchResultDTO>;
  comparison: BenchComparisonDTO | null;
  history: History | null;
  /** The machine the core runs on: results and history points from others are marked. */
  machine: BenchMachineDTO | null;
  loaded: boolean;
  error: string | null;
  load(): Promise<void>;
  toggle(id: number): Promise<void>;
  run(params: BenchParamsInput): Promise<boolean>;
  remove(id: number): Promise<void>;
  loadHistory(model: string, version: string): Promise<void>;
}

const message = (err: unknown): string => describeError(toErrorDTO(err));

/** Benchmark results from the core; the page charts the selected ones. Reloaded when a bench job finishes. */
export const useBenchStore = create<BenchState>((set, get) => {
  /** Fetches what the selection needs: each result's samples, and the comparison table. */
  const refreshSelection = async (selected: number[]): Promise<void> => {
    const have = get().detail;
    const missing = selected.filter((id) => !have[id]);
    const fetched = await Promise.all(missing.map((id) => api().call('bench.get', { id })));
    const detail = { ...have, ...Object.fromEntries(fetched.map((r) => [r.id, r])) };
    const comparison = selected.length ? await api().call('bench.compare', { ids: selected }) : null;
    set({ selected, detail, comparison });
  };

  return {
    results: [],
    selected: [],
    detail: {},
    comparison: null,
    history: null,
    machine: null,
    loaded: false,
    error: null,
    async load() {
      try {
        const [results, machine] = await Promise.all([
          api().call('bench.list', { limit: 200 }),
          // Asked once (it runs the GPU tools); without it nothing is marked, and the results still show.
          get().machine ?? api().call('bench.machine', {}).catch(() => null),
        ]);
        const known = new Set(results.map((r) => r.id));
        let selected = get().selected.filter((id) => known.has(id));
        // First visit: chart the newest result of each model version (up to three), so the page says something.
        if (!get().loaded && selected.length === 0) {
          const seen = new Set<string>();
          selected = results
            .filter((r) => {
              const key = `${r.model.modelKey}|${r.run.executionProvider}`;
              if (seen.has(key)) return false;
              seen.add(key);
              return true;
            })
            .slice(0, 3)
            .map((r) => r.id)
            // Oldest first: the comparison's baseline is the earlier result.
            .reverse();
        }
        set({ results, machine, loaded: true, error: null });
        await refreshSelection(selected);
        const first = results.find((r) => r.id === selected[0]);
        if (first?.model.registryModel && first.model.version && !get().history) await get().loadHistory(first.model.registryModel, first.model.version);
      } catch (err) {
        set({ loaded: true, error: message(err) });
      }
    },
    async toggle(id) {
      const current = get().selected;
      const next = current.includes(id) ? current.filter((x) => x !== id) : [...current, id].slice(-MAX_SELECTED);
      try {
        await refreshSelection(next);
      } catch (err) {
        set({ error: message(err) });
      }
    },
    async run(params) {
      set({ error: null });
      try {
        await api().call('bench.run', params);
        return true;
      } catch (err) {
        set({ error: message(err) });
        return false;
      }
    },
    async remove(id) {
      try {
        await api().call('bench.delete', { id });
        set((s) => ({ selected: s.selected.filter((x) => x !== id) }));
        await get().load();
      } catch (err) {
        set({ error: message(err) });
      }
    },
    async loadHistory(model, version) {
      try {
        const rows = await api().call('registry.metricsHistory', { model, version });
        set({ history: { model, version, rows } });
      } catch (err) {
        set({ history: null, error: message(err) });
      }
    },
  };
});
