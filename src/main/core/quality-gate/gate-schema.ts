import type { DomainSchema } from '../db/schema-migrations';

/**
 * The migration quality gate of each collection: its golden queries (with the chunks a good answer holds), the
 * admin's thresholds, and every run with its numbers and what it did. Rows go with their collection.
 */
export const gateSchema: DomainSchema = {
  domain: 'quality-gate',
  migrations: [
    `CREATE TABLE gate_queries (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
      query TEXT NOT NULL,
      expected TEXT NOT NULL DEFAULT '[]',
      origin TEXT NOT NULL CHECK (origin IN ('typed','imported','sampled')),
      created_at TEXT NOT NULL,
      UNIQUE (collection_id, query)
    );
    CREATE TABLE gate_settings (
      collection_id INTEGER PRIMARY KEY REFERENCES collections(id) ON DELETE CASCADE,
      settings TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE TABLE gate_runs (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
      migration_id INTEGER,
      at TEXT NOT NULL,
      trigger TEXT NOT NULL,
      passed INTEGER NOT NULL,
      action TEXT NOT NULL,
      report TEXT NOT NULL
    );
    CREATE INDEX gate_runs_collection ON gate_runs(collection_id, id);`,
  ],
};
