import { create } from 'zustand';
import type { JobDTO } from '../../../shared/contract';
import { api } from '../api-client';

interface JobsState {
  byId: Record<number, JobDTO>;
  loaded: boolean;
  error: string | null;
  load(): Promise<void>;
  apply(job: JobDTO): void;
}

/** Live job list: loaded once, then kept current by `job.updated` events. */
export const useJobsStore = create<JobsState>((set) => ({
  byId: {},
  loaded: false,
  error: null,
  async load() {
    try {
      const jobs = await api().call('jobs.list', { limit: 200 });
      set({ byId: Object.fromEntries(jobs.map((j) => [j.id, j])), loaded: true, error: null });
    } catch (err) {
      set({ error: (err as Error).message, loaded: true });
    }
  },
  apply(job) {
    set((s) => {
      const prev = s.byId[job.id];
      // Events can arrive out of order across processes; keep the newest.
      if (prev && prev.updatedAt > job.updatedAt) return s;
      return { byId: { ...s.byId, [job.id]: job } };
    });
  },
}));

export function sortedJobs(byId: Record<number, JobDTO>): JobDTO[] {
  return Object.values(byId).sort((a, b) => b.id - a.id);
}
