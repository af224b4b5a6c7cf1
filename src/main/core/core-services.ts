import type { Db } from './db/open-database';
import type { SchemaVersions } from './db/schema-migrations';
import type { EventBus } from './events/event-bus';
import type { JobRunner } from './jobs/job-runner';
import type { JobStore } from './jobs/job-store';
import type { Logger } from './log/logger';
import type { Env } from './paths';
import type { SecretStore } from './secrets/secret-store';
import type { SettingsStore } from './settings/settings-store';

export type Surface = 'electron' | 'server' | 'cli' | 'test';

/** What every domain's handlers may use: the shared services of one running core. */
export interface CoreServices {
  surface: Surface;
  env: Env;
  dataDir: string;
  dbPath: string;
  offline: boolean;
  db: Db;
  schemaVersions: SchemaVersions;
  bus: EventBus;
  log: Logger;
  secrets: SecretStore;
  settings: SettingsStore;
  jobStore: JobStore;
  jobs: JobRunner;
  /** Work a domain must finish (bounded) before the database closes, e.g. background MLflow logging in a CLI run. */
  beforeClose: Array<() => Promise<void>>;
}
