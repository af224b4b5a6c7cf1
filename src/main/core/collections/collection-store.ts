import type { CollectionDetailDTO, CollectionSummaryDTO } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { Db } from '../db/open-database';
import { cachedStatement } from './statement-cache';
import { deleteVectors, dropVectorTable, vectorBytes } from './vector-store';

export interface CollectionRow {
  id: number;
  name: string;
  model: string;
  version: string;
  chunk_size: number;
  chunk_overlap: number;
  created_at: string;
  updated_at: string;
}

export interface IndexRow {
  id: number;
  collection_id: number;
  model: string;
  version: string;
  dimension: number | null;
  vectors: number;
  /** Holds a vector for every ready chunk. */
  complete: number;
  /** Kept complete by imports: the current index, and a migration's target while the migration is open. */
  live: number;
  created_at: string;
}

export interface ChunkInfo {
  id: number;
  text: string;
  source: string;
  start: number;
  end: number;
  line: number | null;
}

export function findCollection(db: Db, name: string): CollectionRow | undefined {
  return db.prepare('SELECT * FROM collections WHERE name = ?').get(name.trim().toLowerCase()) as CollectionRow | undefined;
}

export function requireCollection(db: Db, name: string): CollectionRow {
  const row = findCollection(db, name);
  if (!row) {
    const names = db.prepare('SELECT name FROM collections ORDER BY name').pluck().all() as string[];
    throw new AppError('NOT_FOUND', `There is no collection "${name}".`, {
      hint: names.length ? `Collections: ${names.join(', ')}.` : 'Create one by importing files: model-center collection import <name> <file|dir>…',
    });
  }
  return row;
}

export function createCollection(db: Db, c: { name: string; model: string; version: string; chunkSize: number; chunkOverlap: number }, now = new Date().toISOString()): CollectionRow {
  const id = Number(
    db
      .prepare('INSERT INTO collections (name, model, version, chunk_size, chunk_overlap, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(c.name, c.model, c.version, c.chunkSize, c.chunkOverlap, now, now).lastInsertRowid,
  );
  ensureIndex(db, id, c.model, c.version, { live: true, complete: true });
  return db.prepare('SELECT * FROM collections WHERE id = ?').get(id) as CollectionRow;
}

export function getIndex(db: Db, id: number): IndexRow | undefined {
  return db.prepare('SELECT * FROM collection_indexes WHERE id = ?').get(id) as IndexRow | undefined;
}

export function findIndex(db: Db, collectionId: number, model: string, version: string): IndexRow | undefined {
  return db.prepare('SELECT * FROM collection_indexes WHERE collection_id = ? AND model = ? AND version = ?').get(collectionId, model, version) as IndexRow | undefined;
}

/** The index of a model version in a collection, created (empty) if it has none yet. */
export function ensureIndex(db: Db, collectionId: number, model: string, version: string, flags: { live?: boolean; complete?: boolean } = {}): IndexRow {
  const found = findIndex(db, collectionId, model, version);
  if (found) {
    if (flags.live !== undefined) db.prepare('UPDATE collection_indexes SET live = ? WHERE id = ?').run(flags.live ? 1 : 0, found.id);
    return getIndex(db, found.id)!;
  }
  const id = Number(
    db
      .prepare('INSERT INTO collection_indexes (collection_id, model, version, live, complete, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(collectionId, model, version, flags.live ? 1 : 0, flags.complete ? 1 : 0, new Date().toISOString()).lastInsertRowid,
  );
  return getIndex(db, id)!;
}

export function currentIndex(db: Db, c: CollectionRow): IndexRow {
  return ensureIndex(db, c.id, c.model, c.version);
}

export function listIndexes(db: Db, collectionId: number): IndexRow[] {
  return db.prepare('SELECT * FROM collection_indexes WHERE collection_id = ? ORDER BY id').all(collectionId) as IndexRow[];
}

export function liveIndexes(db: Db, collectionId: number): IndexRow[] {
  return db.prepare('SELECT * FROM collection_indexes WHERE collection_id = ? AND live = 1 ORDER BY id').all(collectionId) as IndexRow[];
}

export function setIndexDimension(db: Db, index: IndexRow, dimension: number): void {
  if (index.dimension !== null && index.dimension !== dimension) {
    throw new AppError('DIMENSION_MISMATCH', `${index.model}@${index.version} returned ${dimension}-dimensional vectors, but this collection's index for it holds ${index.dimension}.`, {
      hint: 'The model files changed under the same version. Register the new files as a new version and migrate to it.',
    });
  }
  if (index.dimension === null) db.prepare('UPDATE collection_indexes SET dimension = ? WHERE id = ?').run(dimension, index.id);
}

/** Deletes an index with its vectors. */
export function deleteIndex(db: Db, indexId: number): void {
  dropVectorTable(db, indexId);
  db.prepare('DELETE FROM collection_indexes WHERE id = ?').run(indexId);
}

export function readyChunkCount(db: Db, collectionId: number): number {
  return Number(
    db.prepare("SELECT coalesce(sum(chunks), 0) FROM collection_sources WHERE collection_id = ? AND state = 'ready'").pluck().get(collectionId),
  );
}

/** Removes sources with their chunks, the chunks' vectors in every index, and their document metadata. */
export function deleteSources(db: Db, collection: CollectionRow, sourceIds: readonly number[]): number {
  if (!sourceIds.length) return 0;
  const chunkIds: number[] = [];
  const ofSource = db.prepare('SELECT id FROM collection_chunks WHERE source_id = ?').pluck();
  for (const s of sourceIds) chunkIds.push(...(ofSource.all(s) as number[]));
  for (const index of listIndexes(db, collection.id)) {
    const n = deleteVectors(db, index.id, chunkIds);
    if (n) db.prepare('UPDATE collection_indexes SET vectors = vectors - ? WHERE id = ?').run(n, index.id);
  }
  const meta = db.prepare('DELETE FROM document_metadata WHERE collection = ? AND chunk_id = ?');
  for (const id of chunkIds) meta.run(collection.name, String(id));
  const del = db.prepare('DELETE FROM collection_sources WHERE id = ?');
  for (const s of sourceIds) del.run(s);
  return chunkIds.length;
}

export function deleteCollection(db: Db, c: CollectionRow): number {
  const chunks = Number(db.prepare('SELECT count(*) FROM collection_chunks WHERE collection_id = ?').pluck().get(c.id));
  for (const index of listIndexes(db, c.id)) dropVectorTable(db, index.id);
  db.prepare('DELETE FROM document_metadata WHERE collection = ?').run(c.name);
  db.prepare('DELETE FROM collections WHERE id = ?').run(c.id);
  return chunks;
}

/** Text and provenance of chunks, in the order asked. */
export function chunkInfo(db: Db, ids: readonly number[]): ChunkInfo[] {
  if (!ids.length) return [];
  const one = cachedStatement(
    db,
    `SELECT c.id, c.text, s.path AS source, c.start_offset AS start, c.end_offset AS end, c.line
       FROM collection_chunks c JOIN collection_sources s ON s.id = c.source_id WHERE c.id = ?`,
  );
  return ids.flatMap((id) => (one.get(id) as ChunkInfo | undefined) ?? []);
}

export type MigrationBadge = CollectionSummaryDTO['migration'];

export function collectionSummary(db: Db, c: CollectionRow, migration: MigrationBadge): CollectionSummaryDTO {
  const totals = db
    .prepare("SELECT count(*) AS sources, coalesce(sum(chunks), 0) AS chunks, coalesce(sum(tokens), 0) AS tokens FROM collection_sources WHERE collection_id = ? AND state = 'ready'")
    .get(c.id) as { sources: number; chunks: number; tokens: number };
  return {
    name: c.name,
    model: c.model,
    version: c.version,
    dimension: currentIndex(db, c).dimension,
    chunks: totals.chunks,
    sources: totals.sources,
    tokens: totals.tokens,
    chunkSize: c.chunk_size,
    chunkOverlap: c.chunk_overlap,
    migration,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
  };
}

export function collectionDetail(db: Db, c: CollectionRow, migration: MigrationBadge, candidateIndexId: number | null): CollectionDetailDTO {
  const sources = db
    .prepare(
      `SELECT id, path, format, content_hash AS contentHash, documents, chunks, bytes, imported_at AS importedAt
         FROM collection_sources WHERE collection_id = ? AND state = 'ready' ORDER BY path`,
    )
    .all(c.id) as CollectionDetailDTO['sources'];
  const current = currentIndex(db, c);
  return {
    ...collectionSummary(db, c, migration),
    sources,
    indexes: listIndexes(db, c.id).map((i) => ({
      model: i.model,
      version: i.version,
      dimension: i.dimension,
      vectors: i.vectors,
      role: i.id === current.id ? 'current' : i.id === candidateIndexId ? 'candidate' : 'kept',
      bytes: vectorBytes(i.vectors, i.dimension),
    })),
  };
}
