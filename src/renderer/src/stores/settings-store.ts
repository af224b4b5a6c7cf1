import { create } from 'zustand';
import type { EditableSettings, SettingsView } from '../../../shared/contract';
import { api } from '../api-client';
import { describeError, toErrorDTO } from '../../../shared/errors';

interface SettingsState {
  view: SettingsView | null;
  saving: boolean;
  error: string | null;
  load(): Promise<void>;
  apply(view: SettingsView): void;
  update(patch: Partial<EditableSettings>): Promise<boolean>;
  setToken(token: string): Promise<boolean>;
  clearToken(): Promise<void>;
}

export const useSettingsStore = create<SettingsState>((set) => {
  const attempt = async (work: () => Promise<SettingsView>): Promise<boolean> => {
    set({ saving: true, error: null });
    try {
      set({ view: await work(), saving: false });
      return true;
    } catch (err) {
      set({ saving: false, error: describeError(toErrorDTO(err)) });
      return false;
    }
  };
  return {
    view: null,
    saving: false,
    error: null,
    async load() {
      await attempt(() => api().call('settings.get', {}));
    },
    apply: (view) => set({ view }),
    update: (patch) => attempt(() => api().call('settings.update', patch)),
    setToken: (token) => attempt(() => api().call('settings.setHfToken', { token })),
    async clearToken() {
      await attempt(() => api().call('settings.clearHfToken', {}));
    },
  };
});
