import type { DomainSchema } from '../db/schema-migrations';

/**
 * The registry's tables. Versions keep their semver parts as integers so ordering is done by SQLite, not by
 * string comparison ("1.10.0" > "1.9.0"). Metrics are rows, never a column that gets overwritten.
 * `document_metadata` is the per-chunk version stamp (seed 003) that the collections and migrations domains
 * write; it lives here because its meaning (model + version) is the registry's.
 */
export const registrySchema: DomainSchema = {
  domain: 'registry',
  migrations: [
    `CREATE TABLE registry_models (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL UNIQUE,
      type TEXT NOT NULL CHECK (type IN ('embedding','llm','reranker','stt')),
      provider TEXT NOT NULL CHECK (provider IN ('huggingface','ollama','vosk','local')),
      source TEXT,
      dimension INTEGER,
      max_seq_length INTEGER,
      pooling TEXT,
      size_bytes INTEGER,
      license TEXT,
      notes TEXT,
      current_version TEXT,
      previous_version TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE TABLE registry_aliases (
      alias TEXT PRIMARY KEY,
      model_id INTEGER NOT NULL REFERENCES registry_models(id) ON DELETE CASCADE
    );
    CREATE TABLE registry_versions (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      model_id INTEGER NOT NULL REFERENCES registry_models(id) ON DELETE CASCADE,
      version TEXT NOT NULL,
      major INTEGER NOT NULL,
      minor INTEGER NOT NULL,
      patch INTEGER NOT NULL,
      prerelease TEXT,
      description TEXT,
      status TEXT NOT NULL CHECK (status IN ('development','staging','production','deprecated','archived')),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      UNIQUE (model_id, version)
    );
    CREATE TABLE registry_metrics (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      version_id INTEGER NOT NULL REFERENCES registry_versions(id) ON DELETE CASCADE,
      recorded_at TEXT NOT NULL,
      source TEXT,
      metrics TEXT NOT NULL
    );
    CREATE INDEX registry_metrics_version ON registry_metrics(version_id, id);
    CREATE TABLE registry_status_history (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      version_id INTEGER NOT NULL REFERENCES registry_versions(id) ON DELETE CASCADE,
      from_status TEXT,
      to_status TEXT NOT NULL,
      reason TEXT,
      at TEXT NOT NULL
    );
    CREATE TABLE registry_migration_strategies (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      model_id INTEGER NOT NULL REFERENCES registry_models(id) ON DELETE CASCADE,
      from_version TEXT NOT NULL,
      to_version TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('metadata','reembed')),
      description TEXT,
      created_at TEXT NOT NULL,
      UNIQUE (model_id, from_version, to_version)
    );
    CREATE TABLE document_metadata (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      collection TEXT NOT NULL,
      chunk_id TEXT NOT NULL,
      embedding_model TEXT NOT NULL,
      embedding_model_version TEXT NOT NULL,
      indexed_at TEXT NOT NULL,
      migration_history TEXT NOT NULL DEFAULT '[]',
      UNIQUE (collection, chunk_id)
    );
    CREATE INDEX document_metadata_model ON document_metadata(embedding_model, embedding_model_version);`,
    // 2: the MLflow run (and registered model version) each of our versions was logged to, so metrics recorded
    // later are appended to the same run instead of starting a new one; and the outcome of the last attempt, in
    // SQLite rather than memory so `model-center mlflow-status` sees what the app (another process) last saw.
    `CREATE TABLE registry_mlflow_runs (
      version_id INTEGER PRIMARY KEY REFERENCES registry_versions(id) ON DELETE CASCADE,
      run_id TEXT NOT NULL,
      registered_version TEXT,
      synced_at TEXT NOT NULL
    );
    CREATE TABLE registry_mlflow_state (
      uri TEXT PRIMARY KEY,
      reachable INTEGER,
      last_error TEXT,
      last_sync_at TEXT,
      updated_at TEXT NOT NULL
    );`,
    // 3: a version may have its own files (a new export, another repo or revision); null means the model's source.
    // Inference and re-embedding migrations resolve a version's files through this.
    `ALTER TABLE registry_versions ADD COLUMN source TEXT;`,
  ],
};
