import type { DomainSchema } from '../db/schema-migrations';

export const upstreamSchema: DomainSchema = {
  domain: 'upstream',
  migrations: [
    // The last check of each followed branch (the Models page badges), and updates waiting for their download
    // to finish before the new version is registered (kept in SQLite: the process may end in between).
    `CREATE TABLE upstream_checks (
      repo TEXT NOT NULL,
      branch TEXT NOT NULL,
      report TEXT NOT NULL,
      checked_at TEXT NOT NULL,
      PRIMARY KEY (repo, branch)
    );
    CREATE TABLE upstream_updates (
      job_id INTEGER PRIMARY KEY,
      repo TEXT NOT NULL,
      branch TEXT NOT NULL,
      from_commit TEXT NOT NULL,
      commit_sha TEXT NOT NULL,
      summary TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending','registered','failed')),
      registered TEXT NOT NULL DEFAULT '[]',
      message TEXT NOT NULL DEFAULT '',
      created_at TEXT NOT NULL
    );`,
  ],
};
