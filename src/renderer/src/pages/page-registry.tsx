import { BenchmarksPage } from './BenchmarksPage';
import { DetectedPage } from './DetectedPage';
import { EmbeddingsPage } from './EmbeddingsPage';
import { InventoryPage } from './InventoryPage';
import { ModelsPage } from './ModelsPage';
import { DownloadsPage } from './DownloadsPage';
import { MigrationPage } from './MigrationPage';
import { SearchPage } from './SearchPage';
import { SettingsPage } from './SettingsPage';
import { StatusPage } from './StatusPage';

export interface PageEntry {
  id: string;
  label: string;
  component: () => React.JSX.Element;
}

/** The sidebar's areas, in order. An area is listed only once its feature works (no placeholders). */
export const PAGES: PageEntry[] = [
  { id: 'status', label: 'Status', component: StatusPage },
  { id: 'models', label: 'Models', component: ModelsPage },
  { id: 'embeddings', label: 'Embeddings', component: EmbeddingsPage },
  { id: 'downloads', label: 'Downloads', component: DownloadsPage },
  { id: 'detected', label: 'Detected', component: DetectedPage },
  { id: 'search', label: 'Search', component: SearchPage },
  { id: 'migrations', label: 'Migrations', component: MigrationPage },
  { id: 'inventory', label: 'Inventory', component: InventoryPage },
  { id: 'benchmarks', label: 'Benchmarks', component: BenchmarksPage },
  { id: 'settings', label: 'Settings', component: SettingsPage },
];
