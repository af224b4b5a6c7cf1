import type { DomainSchema } from '../db/schema-migrations';

export const benchSchema: DomainSchema = {
  domain: 'bench',
  migrations: [
    // One row per finished benchmark: the columns it is looked up by, and the whole result (spreads, samples,
    // machine) as JSON. Registry metrics rows hold the headline figures separately (registry_metrics).
    `CREATE TABLE bench_results (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      job_id INTEGER,
      created_at TEXT NOT NULL,
      model_ref TEXT NOT NULL,
      model_key TEXT NOT NULL,
      registry_model TEXT,
      version TEXT,
      execution_provider TEXT NOT NULL,
      machine_id TEXT NOT NULL,
      result TEXT NOT NULL
    );
    CREATE INDEX bench_results_model ON bench_results(registry_model, version, id);`,
  ],
};
