import type { DomainSchema } from '../db/schema-migrations';

/**
 * Re-embedding migrations of collections (A → B). The row is the migration's memory: its job, counters, errors,
 * rollout and shadow settings and per-version search counts, so a monitor opened at any time, in any process,
 * shows the whole story. Progress samples and the shadow log are rows too (the charts' history).
 */
export const migrationsSchema: DomainSchema = {
  domain: 'migrations',
  migrations: [
    `CREATE TABLE collection_migrations (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
      from_model TEXT NOT NULL,
      from_version TEXT NOT NULL,
      from_dimension INTEGER,
      to_model TEXT NOT NULL,
      to_version TEXT NOT NULL,
      to_dimension INTEGER,
      to_index_id INTEGER NOT NULL,
      job_id INTEGER,
      state TEXT NOT NULL CHECK (state IN ('active','ready','finalized','rolled-back','cancelled','failed')),
      done INTEGER NOT NULL DEFAULT 0,
      total INTEGER NOT NULL DEFAULT 0,
      truncated INTEGER NOT NULL DEFAULT 0,
      errors TEXT NOT NULL DEFAULT '[]',
      rollout_percent REAL NOT NULL DEFAULT 0,
      shadow INTEGER NOT NULL DEFAULT 0,
      route_current INTEGER NOT NULL DEFAULT 0,
      route_candidate INTEGER NOT NULL DEFAULT 0,
      compare TEXT,
      outcome TEXT,
      created_at TEXT NOT NULL,
      embedded_at TEXT,
      finished_at TEXT,
      updated_at TEXT NOT NULL
    );
    CREATE INDEX collection_migrations_collection ON collection_migrations(collection_id, id);
    CREATE TABLE collection_migration_samples (
      migration_id INTEGER NOT NULL REFERENCES collection_migrations(id) ON DELETE CASCADE,
      at TEXT NOT NULL,
      done INTEGER NOT NULL,
      rate REAL NOT NULL
    );
    CREATE INDEX collection_migration_samples_migration ON collection_migration_samples(migration_id, at);
    CREATE TABLE collection_shadow_log (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      migration_id INTEGER NOT NULL REFERENCES collection_migrations(id) ON DELETE CASCADE,
      at TEXT NOT NULL,
      query TEXT NOT NULL,
      served TEXT NOT NULL,
      overlap REAL NOT NULL,
      current_ids TEXT NOT NULL,
      candidate_ids TEXT NOT NULL
    );
    CREATE INDEX collection_shadow_log_migration ON collection_shadow_log(migration_id, id);`,
    // v2: the audit trail of which version served when, and why it changed (see serving-log.ts).
    `CREATE TABLE collection_serving_log (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
      migration_id INTEGER REFERENCES collection_migrations(id) ON DELETE SET NULL,
      at TEXT NOT NULL,
      event TEXT NOT NULL,
      current TEXT NOT NULL,
      candidate TEXT,
      rollout_percent REAL NOT NULL,
      reason TEXT NOT NULL,
      gate_run_id INTEGER
    );
    CREATE INDEX collection_serving_log_collection ON collection_serving_log(collection_id, id);`,
  ],
};
