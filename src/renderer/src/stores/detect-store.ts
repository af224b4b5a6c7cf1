import { create } from 'zustand';
import type { DetectResultDTO } from '../../../shared/contract';
import { describeError, toErrorDTO } from '../../../shared/errors';
import { api } from '../api-client';

interface DetectState {
  result: DetectResultDTO | null;
  loading: boolean;
  error: string | null;
  refresh(): Promise<void>;
}

/** What `detect` found; scanned on demand (it walks folders, so not on every render). */
export const useDetectStore = create<DetectState>((set) => ({
  result: null,
  loading: false,
  error: null,
  async refresh() {
    set({ loading: true, error: null });
    try {
      set({ result: await api().call('detect', {}), loading: false });
    } catch (err) {
      set({ error: describeError(toErrorDTO(err)), loading: false });
    }
  },
}));
