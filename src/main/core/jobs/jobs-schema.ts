import type { DomainSchema } from '../db/schema-migrations';

export const jobsSchema: DomainSchema = {
  domain: 'jobs',
  migrations: [
    `CREATE TABLE jobs (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      kind TEXT NOT NULL,
      title TEXT NOT NULL,
      params TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('queued','running','paused','cancelled','failed','done','interrupted')),
      progress REAL NOT NULL DEFAULT 0,
      phase TEXT,
      message TEXT,
      detail TEXT,
      error TEXT,
      checkpoint TEXT,
      result TEXT,
      resumable INTEGER NOT NULL DEFAULT 0,
      owner_pid INTEGER,
      heartbeat_at TEXT,
      control TEXT CHECK (control IN ('cancel','pause')),
      created_at TEXT NOT NULL,
      started_at TEXT,
      updated_at TEXT NOT NULL,
      finished_at TEXT
    );
    CREATE INDEX jobs_state ON jobs(state);
    CREATE INDEX jobs_updated ON jobs(updated_at);`,
  ],
};
