import { create } from 'zustand';
import type { StatusDTO } from '../../../shared/contract';
import { api } from '../api-client';

interface StatusState {
  status: StatusDTO | null;
  error: string | null;
  connected: boolean;
  refresh(): Promise<void>;
  setConnected(c: boolean): void;
}

export const useStatusStore = create<StatusState>((set) => ({
  status: null,
  error: null,
  connected: true,
  async refresh() {
    try {
      set({ status: await api().call('system.status', {}), error: null });
    } catch (err) {
      set({ error: (err as Error).message });
    }
  },
  setConnected: (connected) => set({ connected }),
}));
