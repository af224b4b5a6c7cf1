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
    // The last hub.verify of each snapshot, whoever downloaded it (a tree huggingface_hub wrote has no hub_models
    // row): a failure must outlive the process so the inference gate and status keep refusing the damaged files.
    `CREATE TABLE hub_verifications (
      repo TEXT NOT NULL,
      commit_sha TEXT NOT NULL,
      verified_at TEXT NOT NULL,
      ok INTEGER NOT NULL,
      problems TEXT NOT NULL,
      PRIMARY KEY (repo, commit_sha)
    );`,
  ],
};
