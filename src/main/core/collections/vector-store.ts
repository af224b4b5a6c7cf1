import * as sqliteVec from 'sqlite-vec';
import { AppError } from '../../../shared/errors';
import type { Db } from '../db/open-database';
import { cachedStatement as cached, forgetStatements } from './statement-cache';

/**
 * Vectors live in sqlite-vec `vec0` tables, one per (collection, model version) index, keyed by chunk id, with
 * cosine distance: the store is the same SQLite file, so a batch of vectors and a job's checkpoint commit in one
 * transaction. KNN is sqlite-vec's own brute-force scan (`embedding MATCH ? AND k = ?`).
 */

/** Loads sqlite-vec into a connection; every connection that touches a vec0 table needs it. */
export function loadVectorExtension(db: Db): void {
  try {
    // Packaged apps unpack native files next to the asar archive (electron-builder.yml asarUnpack).
    db.loadExtension(sqliteVec.getLoadablePath().replace(/app\.asar([\\/])/, 'app.asar.unpacked$1'));
  } catch (cause) {
    throw new AppError('INTERNAL', `The sqlite-vec extension could not be loaded: ${(cause as Error).message}`, {
      hint: 'Collections need sqlite-vec (npm package sqlite-vec with its platform package, e.g. sqlite-vec-linux-x64). Reinstall with npm ci.',
      cause,
    });
  }
}

const isMissingTable = (err: unknown): boolean => /no such table/i.test((err as Error).message);

export function vectorTable(indexId: number): string {
  if (!Number.isSafeInteger(indexId) || indexId <= 0) throw new Error(`bad index id ${indexId}`);
  return `collection_vec_${indexId}`;
}

export function createVectorTable(db: Db, indexId: number, dimension: number): void {
  if (!Number.isInteger(dimension) || dimension <= 0 || dimension > 16_384) throw new AppError('INVALID_MODEL', `A model returned vectors of dimension ${dimension}.`);
  db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${vectorTable(indexId)} USING vec0(embedding float[${dimension}] distance_metric=cosine)`);
}

export function dropVectorTable(db: Db, indexId: number): void {
  db.exec(`DROP TABLE IF EXISTS ${vectorTable(indexId)}`);
  forgetStatements(db, vectorTable(indexId));
}

export function vectorTableExists(db: Db, indexId: number): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(vectorTable(indexId)) !== undefined;
}

function asBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Point lookup by rowid (vec0 answers these from its rowid index; IN lists and ranges are full scans). */
export function hasVector(db: Db, indexId: number, chunkId: number): boolean {
  return cached(db, `SELECT 1 FROM ${vectorTable(indexId)} WHERE rowid = ?`).get(BigInt(chunkId)) !== undefined;
}

/**
 * Inserts vectors of a row-major batch, skipping chunks that already have one (an import or an earlier run may
 * have written them). Returns how many were inserted. Call inside the caller's transaction.
 */
export function insertVectors(db: Db, indexId: number, chunkIds: readonly number[], vectors: Float32Array, dimension: number): number {
  const table = vectorTable(indexId);
  const exists = cached(db, `SELECT 1 FROM ${table} WHERE rowid = ?`);
  const insert = cached(db, `INSERT INTO ${table}(rowid, embedding) VALUES (?, ?)`);
  let inserted = 0;
  chunkIds.forEach((id, i) => {
    const rowid = BigInt(id);
    if (exists.get(rowid) !== undefined) return;
    insert.run(rowid, asBlob(vectors.subarray(i * dimension, (i + 1) * dimension)));
    inserted++;
  });
  return inserted;
}

/** Deletes the vectors of these chunks; returns how many there were. */
export function deleteVectors(db: Db, indexId: number, chunkIds: readonly number[]): number {
  if (!vectorTableExists(db, indexId)) return 0;
  const del = db.prepare(`DELETE FROM ${vectorTable(indexId)} WHERE rowid = ?`);
  let n = 0;
  for (const id of chunkIds) n += del.run(BigInt(id)).changes;
  return n;
}

export interface Neighbour {
  chunkId: number;
  /** Cosine distance (1 − cosine similarity). */
  distance: number;
}

/** The k nearest chunks by cosine distance, nearest first. */
export function nearest(db: Db, indexId: number, query: Float32Array, k: number): Neighbour[] {
  const sql = `SELECT rowid AS chunkId, distance FROM ${vectorTable(indexId)} WHERE embedding MATCH ? AND k = ? ORDER BY distance`;
  try {
    return cached(db, sql).all(asBlob(query), k) as Neighbour[];
  } catch (err) {
    // An index with no vectors yet has no table (it is created with the first batch, once the dimension is known).
    if (isMissingTable(err)) {
      forgetStatements(db, vectorTable(indexId));
      return [];
    }
    throw err;
  }
}

/** Rough bytes on disk of n vectors: float32 values plus vec0's per-row bookkeeping. */
export function vectorBytes(n: number, dimension: number | null): number {
  return n * ((dimension ?? 0) * 4 + 24);
}
