import { create } from 'zustand';
import type { DownloadedModelDTO, Variant, VerifyResultDTO } from '../../../shared/contract';
import { describeError, toErrorDTO } from '../../../shared/errors';
import { api } from '../api-client';

interface HubState {
  models: DownloadedModelDTO[];
  loaded: boolean;
  error: string | null;
  /** Last verification per repo, shown next to the model. */
  verify: Record<string, VerifyResultDTO | { error: string } | 'running'>;
  load(): Promise<void>;
  download(input: { repo: string; revision: string; variant: Variant; include: string[] }): Promise<string | null>;
  verifyModel(repo: string): Promise<void>;
  deleteModel(repo: string): Promise<string | null>;
}

const message = (err: unknown): string => describeError(toErrorDTO(err));

/** Downloaded models and the actions on them; the download jobs themselves live in the jobs store. */
export const useHubStore = create<HubState>((set, get) => ({
  models: [],
  loaded: false,
  error: null,
  verify: {},
  async load() {
    try {
      set({ models: await api().call('hub.listDownloaded', {}), loaded: true, error: null });
    } catch (err) {
      set({ error: message(err), loaded: true });
    }
  },
  async download(input) {
    try {
      await api().call('hub.download', input);
      return null;
    } catch (err) {
      return message(err);
    }
  },
  async verifyModel(repo) {
    set((s) => ({ verify: { ...s.verify, [repo]: 'running' } }));
    try {
      const result = await api().call('hub.verify', { repo });
      set((s) => ({ verify: { ...s.verify, [repo]: result } }));
      await get().load();
    } catch (err) {
      set((s) => ({ verify: { ...s.verify, [repo]: { error: message(err) } } }));
    }
  },
  async deleteModel(repo) {
    try {
      await api().call('hub.delete', { repo });
      await get().load();
      return null;
    } catch (err) {
      return message(err);
    }
  },
}));
