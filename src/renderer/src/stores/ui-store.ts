import { create } from 'zustand';

function pageFromHash(): string {
  const m = /^#\/([a-z-]+)/.exec(window.location.hash);
  return m?.[1] ?? 'status';
}

interface UiState {
  page: string;
  /** A repo another page asked the Downloads page to fill in (taken once by its form). */
  downloadRepo: string | null;
  go(page: string): void;
  /** Opens the Downloads page with `repo` in its form. */
  goDownload(repo: string): void;
  takeDownloadRepo(): string | null;
}

/** Which area is open, mirrored in the URL hash so a reload (or a link) lands on the same page. */
export const useUiStore = create<UiState>((set, get) => {
  window.addEventListener('hashchange', () => set({ page: pageFromHash() }));
  const go = (page: string): void => {
    window.location.hash = `#/${page}`;
    set({ page });
  };
  return {
    page: pageFromHash(),
    downloadRepo: null,
    go,
    goDownload(repo) {
      set({ downloadRepo: repo });
      go('downloads');
    },
    takeDownloadRepo() {
      const repo = get().downloadRepo;
      if (repo !== null) set({ downloadRepo: null });
      return repo;
    },
  };
});
