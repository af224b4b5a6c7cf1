import { create } from 'zustand';
import type { ImportReport, MlflowStatusDTO, ModelDetailDTO, ModelSummaryDTO, VersionStatus } from '../../../shared/contract';
import { describeError, toErrorDTO } from '../../../shared/errors';
import { api } from '../api-client';

interface RegistryState {
  models: ModelSummaryDTO[];
  selected: ModelDetailDTO | null;
  transitions: Partial<Record<VersionStatus, VersionStatus[]>>;
  loaded: boolean;
  /** Automatic MLflow logging as the core last saw it; null when it could not be asked. */
  mlflow: MlflowStatusDTO | null;
  busy: boolean;
  error: string | null;
  /** The last action's notes (normalised version, statuses changed by a rollback…), shown once. */
  notice: string | null;
  load(): Promise<void>;
  select(name: string | null): Promise<void>;
  registerVersion(model: string, version: string, status: VersionStatus, description: string): Promise<boolean>;
  setStatus(model: string, version: string, status: VersionStatus): Promise<void>;
  setCurrent(model: string, version: string, expectedCurrent: string | null): Promise<void>;
  rollback(model: string, expectedCurrent: string | null): Promise<void>;
  /** Pasted text: JSON (seed-003 model_registry.json) or an EMB_MODELS value / .env (seed 001). */
  importText(text: string): Promise<ImportReport | null>;
}

/** Registry view: the model list, one selected model's versions, and actions that reload both afterwards. */
export const useRegistryStore = create<RegistryState>((set, get) => {
  const refresh = async (): Promise<void> => {
    const [models, transitions, mlflow] = await Promise.all([
      api().call('registry.listModels', {}),
      api().call('registry.transitions', {}),
      // MLflow is optional: its status failing to load must never hide the registry.
      api()
        .call('registry.mlflowStatus', {})
        .catch(() => null),
    ]);
    const name = get().selected?.name;
    const selected = name && models.some((m) => m.name === name) ? await api().call('registry.getModel', { model: name }) : null;
    set({ models, transitions, selected, mlflow, loaded: true });
  };
  /** Runs an action, then reloads: the core is the truth (another window or the CLI may have acted too). */
  const act = async (work: () => Promise<string | null>): Promise<boolean> => {
    set({ busy: true, error: null, notice: null });
    try {
      const notice = await work();
      await refresh();
      set({ busy: false, notice });
      return true;
    } catch (err) {
      set({ busy: false, error: describeError(toErrorDTO(err)) });
      await refresh().catch(() => undefined);
      return false;
    }
  };
  return {
    models: [],
    selected: null,
    transitions: {},
    loaded: false,
    mlflow: null,
    busy: false,
    error: null,
    notice: null,
    async load() {
      try {
        await refresh();
      } catch (err) {
        set({ loaded: true, error: describeError(toErrorDTO(err)) });
      }
    },
    async select(name) {
      if (!name) return set({ selected: null });
      await act(async () => {
        set({ selected: await api().call('registry.getModel', { model: name }) });
        return null;
      });
    },
    registerVersion: (model, version, status, description) =>
      act(async () => {
        const r = await api().call('registry.registerVersion', { model, version, status, description: description || null });
        return [...r.messages, `Registered ${r.version.version} (${r.version.status}).`].join(' ');
      }),
    async setStatus(model, version, status) {
      await act(async () => {
        await api().call('registry.setStatus', { model, version, status });
        return `${version} is now ${status}.`;
      });
    },
    async setCurrent(model, version, expectedCurrent) {
      await act(async () => {
        await api().call('registry.setCurrent', { model, version, expectedCurrent });
        return `${version} is now the current version.`;
      });
    },
    async importText(text) {
      let report: ImportReport | null = null;
      await act(async () => {
        const method = /^\s*[[{]/.test(text) ? 'registry.importJson' : 'registry.importEnv';
        report = await api().call(method, { text });
        const r: ImportReport = report;
        return `Imported ${r.imported.length}, unchanged ${r.unchanged.length}, refused ${r.refused.length}.`;
      });
      return report;
    },
    async rollback(model, expectedCurrent) {
      await act(async () => (await api().call('registry.rollback', { model, expectedCurrent })).messages.join(' '));
    },
  };
});
