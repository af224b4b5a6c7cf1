import type { DomainSchema } from '../db/schema-migrations';

export const inferenceSchema: DomainSchema = {
  domain: 'inference',
  migrations: [
    // The embedding cache: one vector per (exact model files, sha256 of the normalised text). WITHOUT ROWID keeps
    // the key and the vector together; the LRU index makes eviction a range delete.
    `CREATE TABLE inference_cache (
      model_key TEXT NOT NULL,
      text_hash TEXT NOT NULL,
      dimension INTEGER NOT NULL,
      vector BLOB NOT NULL,
      tokens INTEGER NOT NULL,
      truncated INTEGER NOT NULL,
      last_used INTEGER NOT NULL,
      PRIMARY KEY (model_key, text_hash)
    ) WITHOUT ROWID;
    CREATE INDEX inference_cache_lru ON inference_cache(last_used);
    CREATE TABLE inference_validations (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      model_key TEXT NOT NULL,
      model_ref TEXT NOT NULL,
      registry_model TEXT,
      version TEXT,
      ok INTEGER NOT NULL,
      report TEXT NOT NULL,
      checked_at TEXT NOT NULL
    );
    CREATE INDEX inference_validations_model ON inference_validations(registry_model, version, id);`,
    // 2: what `status` shows from any process on the data dir, not only the one that did the work: cache lookups
    // counted since a time (one row, bumped once per embed call), and the last execution-provider fallback.
    `CREATE TABLE inference_cache_counters (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      hits INTEGER NOT NULL,
      misses INTEGER NOT NULL,
      since TEXT NOT NULL
    );
    INSERT INTO inference_cache_counters (id, hits, misses, since) VALUES (1, 0, 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
    CREATE TABLE inference_provider_fallback (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      requested TEXT NOT NULL,
      used TEXT NOT NULL,
      reason TEXT NOT NULL,
      at TEXT NOT NULL
    );`,
  ],
};
