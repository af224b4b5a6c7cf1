import { create } from 'zustand';
import type { UpstreamModelDTO, UpstreamReportDTO } from '../../../shared/contract';
import { describeError, toErrorDTO } from '../../../shared/errors';
import { api } from '../api-client';

interface UpstreamState {
  report: UpstreamReportDTO | null;
  checking: boolean;
  /** The model (`upstreamRef`) whose update is being started. */
  updating: string | null;
  error: string | null;
  notice: string | null;
  /** The last saved check of every model (no network). */
  load(): Promise<void>;
  /** Asks the Hub and the Ollama registries now. */
  check(): Promise<void>;
  update(ref: string): Promise<void>;
}

/** Upstream changes of Hub and Ollama models: the saved checks the badges show, a fresh check, an update. */
export const useUpstreamStore = create<UpstreamState>((set, get) => ({
  report: null,
  checking: false,
  updating: null,
  error: null,
  notice: null,
  async load() {
    try {
      set({ report: await api().call('upstream.last', {}) });
    } catch (err) {
      set({ error: describeError(toErrorDTO(err)) });
    }
  },
  async check() {
    set({ checking: true, error: null, notice: null });
    try {
      await api().call('upstream.check', {});
      // The saved checks, not this answer: they also keep models this check did not reach.
      await get().load();
    } catch (err) {
      set({ error: describeError(toErrorDTO(err)) });
    }
    set({ checking: false });
  },
  async update(ref) {
    set({ updating: ref, error: null, notice: null });
    try {
      set({ notice: (await api().call('upstream.update', { model: ref })).message });
    } catch (err) {
      set({ error: describeError(toErrorDTO(err)) });
    }
    set({ updating: null });
  },
}));

/** The saved check of a registry model, if one covers it (a registry model follows one repo or tag). */
export function upstreamOf(report: UpstreamReportDTO | null, model: string): UpstreamModelDTO | undefined {
  return report?.models.find((m) => m.registryModels.includes(model));
}
