import { create } from 'zustand';
import type { DownloadedModelDTO, MethodOutput, RepoFilesDTO, Variant, VerifyResultDTO } from '../../../shared/contract';
import { describeError, toErrorDTO } from '../../../shared/errors';
import { api } from '../api-client';

export type DeleteResult = MethodOutput<'hub.delete'>;

/** One downloaded revision: the models list has a row per commit, and verify and delete act on that commit. */
export const revisionKey = (m: { repo: string; commit: string }): string => `${m.repo}@${m.commit}`;

interface HubState {
  models: DownloadedModelDTO[];
  loaded: boolean;
  error: string | null;
  /** Last verification per downloaded revision (`revisionKey`), shown on its row. */
  verify: Record<string, VerifyResultDTO | { error: string } | 'running'>;
  /** What the last delete freed: the row is gone, so the page says it. */
  lastDeleted: DeleteResult | null;
  load(): Promise<void>;
  download(input: { repo: string; revision: string; variant: Variant; include: string[] }): Promise<string | null>;
  /** A repo's files and variant sizes at a revision, before downloading. */
  lookup(repo: string, revision: string): Promise<{ result: RepoFilesDTO } | { error: string }>;
  verifyModel(model: DownloadedModelDTO): Promise<void>;
  /** Without `commit`, every revision of the repo goes. */
  deleteModel(repo: string, commit?: string): Promise<string | null>;
}

const message = (err: unknown): string => describeError(toErrorDTO(err));

/** Downloaded models and the actions on them; the download jobs themselves live in the jobs store. */
export const useHubStore = create<HubState>((set, get) => ({
  models: [],
  loaded: false,
  error: null,
  verify: {},
  lastDeleted: null,
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
  async lookup(repo, revision) {
    try {
      return { result: await api().call('hub.files', { repo, revision }) };
    } catch (err) {
      return { error: message(err) };
    }
  },
  async verifyModel(model) {
    const key = revisionKey(model);
    set((s) => ({ verify: { ...s.verify, [key]: 'running' } }));
    try {
      const result = await api().call('hub.verify', { repo: model.repo, revision: model.commit });
      set((s) => ({ verify: { ...s.verify, [key]: result } }));
      await get().load();
    } catch (err) {
      set((s) => ({ verify: { ...s.verify, [key]: { error: message(err) } } }));
    }
  },
  async deleteModel(repo, commit) {
    try {
      const result = await api().call('hub.delete', { repo, revision: commit });
      set({ lastDeleted: result });
      await get().load();
      return null;
    } catch (err) {
      return message(err);
    }
  },
}));
