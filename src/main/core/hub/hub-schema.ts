import type { DomainSchema } from '../db/schema-migrations';

export const hubSchema: DomainSchema = {
  domain: 'hub',
  migrations: [
    `CREATE TABLE hub_models (
      repo TEXT NOT NULL,
      commit_sha TEXT NOT NULL,
      revision TEXT NOT NULL,
      variant TEXT NOT NULL,
      files TEXT NOT NULL,
      size_bytes INTEGER NOT NULL,
      cache_dir TEXT NOT NULL,
      downloaded_at TEXT NOT NULL,
      verified_at TEXT,
      PRIMARY KEY (repo, commit_sha)
    );`,
  ],
};
