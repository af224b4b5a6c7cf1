import type { DomainSchema } from '../db/schema-migrations';

/**
 * Collections: documents cut into chunks, and vector indexes per model version. A collection is bound to the
 * registry model version that serves it (`model`, `version`); an index per (collection, model, version) holds
 * vectors in a sqlite-vec table `collection_vec_<index id>` (created when its dimension is known), so A keeps
 * serving while B fills. Sources stay `pending` (invisible to search) until their import commits; their
 * vectors wait in `collection_staging` meanwhile. Ids are AUTOINCREMENT so a chunk id is never reused: a
 * migration's cursor (last chunk id done) stays meaningful while imports add and replace documents.
 */
export const collectionsSchema: DomainSchema = {
  domain: 'collections',
  migrations: [
    `CREATE TABLE collections (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL UNIQUE,
      model TEXT NOT NULL,
      version TEXT NOT NULL,
      chunk_size INTEGER NOT NULL,
      chunk_overlap INTEGER NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE TABLE collection_sources (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
      path TEXT NOT NULL,
      format TEXT NOT NULL,
      content_hash TEXT NOT NULL,
      options TEXT NOT NULL,
      bytes INTEGER NOT NULL,
      documents INTEGER NOT NULL,
      chunks INTEGER NOT NULL,
      tokens INTEGER NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending','ready')),
      job_id INTEGER,
      replaces INTEGER,
      imported_at TEXT NOT NULL
    );
    CREATE INDEX collection_sources_collection ON collection_sources(collection_id, state);
    CREATE TABLE collection_chunks (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
      source_id INTEGER NOT NULL REFERENCES collection_sources(id) ON DELETE CASCADE,
      ordinal INTEGER NOT NULL,
      line INTEGER,
      start_offset INTEGER NOT NULL,
      end_offset INTEGER NOT NULL,
      tokens INTEGER NOT NULL,
      text TEXT NOT NULL
    );
    CREATE INDEX collection_chunks_collection ON collection_chunks(collection_id, id);
    CREATE INDEX collection_chunks_source ON collection_chunks(source_id);
    CREATE TABLE collection_indexes (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
      model TEXT NOT NULL,
      version TEXT NOT NULL,
      dimension INTEGER,
      vectors INTEGER NOT NULL DEFAULT 0,
      complete INTEGER NOT NULL DEFAULT 0,
      live INTEGER NOT NULL DEFAULT 0,
      created_at TEXT NOT NULL,
      UNIQUE (collection_id, model, version)
    );
    CREATE TABLE collection_staging (
      job_id INTEGER NOT NULL,
      index_id INTEGER NOT NULL REFERENCES collection_indexes(id) ON DELETE CASCADE,
      chunk_id INTEGER NOT NULL REFERENCES collection_chunks(id) ON DELETE CASCADE,
      vector BLOB NOT NULL,
      PRIMARY KEY (index_id, chunk_id)
    );
    CREATE INDEX collection_staging_job ON collection_staging(job_id);`,
  ],
};
