import { create } from 'zustand';

function pageFromHash(): string {
  const m = /^#\/([a-z-]+)/.exec(window.location.hash);
  return m?.[1] ?? 'status';
}

interface UiState {
  page: string;
  go(page: string): void;
}

/** Which area is open, mirrored in the URL hash so a reload (or a link) lands on the same page. */
export const useUiStore = create<UiState>((set) => {
  window.addEventListener('hashchange', () => set({ page: pageFromHash() }));
  return {
    page: pageFromHash(),
    go(page) {
      window.location.hash = `#/${page}`;
      set({ page });
    },
  };
});
