import { useEffect } from 'react';
import { api } from './api-client';
import { PAGES } from './pages/page-registry';
import { useCollectionsStore } from './stores/collections-store';
import { useJobsStore } from './stores/jobs-store';
import { useRegistryStore } from './stores/registry-store';
import { useSettingsStore } from './stores/settings-store';
import { useStatusStore } from './stores/status-store';
import { useUiStore } from './stores/ui-store';

function useLiveData(): void {
  useEffect(() => {
    const client = api();
    void useStatusStore.getState().refresh();
    void useJobsStore.getState().load();
    void useSettingsStore.getState().load();
    let refreshTimer: ReturnType<typeof setTimeout> | undefined;
    // Job counts in the status change with jobs; refresh at most twice a second.
    const refreshSoon = (): void => {
      refreshTimer ??= setTimeout(() => {
        refreshTimer = undefined;
        void useStatusStore.getState().refresh();
      }, 500);
    };
    const offs = [
      client.on('job.updated', (job) => {
        useJobsStore.getState().apply(job);
        useCollectionsStore.getState().applyJob(job);
        if (job.state !== 'running') refreshSoon();
      }),
      client.on('settings.changed', (view) => {
        useSettingsStore.getState().apply(view);
        refreshSoon();
      }),
      // Another window, browser tab or HTTP script changed the registry: reload if the Models page was opened.
      client.on('registry.changed', () => {
        if (useRegistryStore.getState().loaded) void useRegistryStore.getState().load();
      }),
      // Collections and migrations changed by this or another surface: reload once the Search or Migrations page was opened.
      client.on('collection.changed', () => {
        if (useCollectionsStore.getState().loaded) void useCollectionsStore.getState().load();
      }),
      client.on('migration.changed', () => void useCollectionsStore.getState().refreshMigration()),
      client.onConnection((connected) => {
        useStatusStore.getState().setConnected(connected);
        if (connected) {
          void useJobsStore.getState().load();
          refreshSoon();
        }
      }),
    ];
    return () => offs.forEach((off) => off());
  }, []);
}

function useTheme(): void {
  const theme = useSettingsStore((s) => s.view?.values.theme ?? 'system');
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
}

export function App(): React.JSX.Element {
  useLiveData();
  useTheme();
  const page = useUiStore((s) => s.page);
  const go = useUiStore((s) => s.go);
  const connected = useStatusStore((s) => s.connected);
  const current = PAGES.find((p) => p.id === page) ?? PAGES[0]!;
  const Page = current.component;
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Areas">
        <div className="brand">Model Center</div>
        {PAGES.map((p) => (
          <button key={p.id} className={p.id === current.id ? 'nav active' : 'nav'} aria-current={p.id === current.id ? 'page' : undefined} onClick={() => go(p.id)}>
            {p.label}
          </button>
        ))}
        <div className="sidebar-foot muted">
          {api().transport === 'http' ? 'browser' : 'desktop'} · <span data-testid="connection">{connected ? 'live' : 'reconnecting…'}</span>
        </div>
      </nav>
      <main className="content">
        <Page />
      </main>
    </div>
  );
}
