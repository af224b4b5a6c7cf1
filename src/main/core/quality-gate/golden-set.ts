import type { GoldenQueryDTO } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CollectionRow } from '../collections/collection-store';
import type { Db } from '../db/open-database';
import type { CoreServices } from '../core-services';
import { queryFromChunk, sampleChunks } from '../migrations/compare';
import type { GoldenItem } from './golden-set-file';

interface QueryRow {
  id: number;
  query: string;
  expected: string;
  origin: GoldenQueryDTO['origin'];
  created_at: string;
}

/** The chunk ids of this collection among `ids` (the others were replaced by a re-import, or never existed). */
function chunksPresent(db: Db, c: CollectionRow, ids: readonly number[]): Set<number> {
  if (!ids.length) return new Set();
  const present = db
    .prepare(`SELECT id FROM collection_chunks WHERE collection_id = ? AND id IN (SELECT value FROM json_each(?))`)
    .pluck()
    .all(c.id, JSON.stringify(ids)) as number[];
  return new Set(present);
}

export function listGolden(db: Db, c: CollectionRow): GoldenQueryDTO[] {
  const rows = db.prepare('SELECT * FROM gate_queries WHERE collection_id = ? ORDER BY id').all(c.id) as QueryRow[];
  const expected = rows.map((r) => JSON.parse(r.expected) as number[]);
  const present = chunksPresent(db, c, [...new Set(expected.flat())]);
  return rows.map((r, i) => ({
    id: r.id,
    query: r.query,
    expected: expected[i]!,
    missing: expected[i]!.filter((id) => !present.has(id)),
    origin: r.origin,
    createdAt: r.created_at,
  }));
}

export function goldenCount(db: Db, c: CollectionRow): number {
  return db.prepare('SELECT count(*) FROM gate_queries WHERE collection_id = ?').pluck().get(c.id) as number;
}

/**
 * Adds queries in one transaction; a query already in the set takes the new expected chunks. Expected ids must
 * be chunks of this collection today, or the whole batch is refused (a typo would silently lower recall).
 */
export function addGolden(db: Db, c: CollectionRow, items: readonly GoldenItem[], origin: GoldenQueryDTO['origin']): number {
  const wanted = [...new Set(items.flatMap((q) => q.expected))];
  const present = chunksPresent(db, c, wanted);
  const unknown = wanted.filter((id) => !present.has(id));
  if (unknown.length) {
    throw new AppError('INVALID_INPUT', `Chunk${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? '…' : ''} ${unknown.length > 1 ? 'are' : 'is'} not in collection "${c.name}"; no query was added.`, {
      hint: `Chunk ids are in search results: model-center collection search ${c.name} "<query>" --json (field chunkId).`,
    });
  }
  const upsert = db.prepare(
    `INSERT INTO gate_queries (collection_id, query, expected, origin, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(collection_id, query) DO UPDATE SET expected = excluded.expected, origin = excluded.origin`,
  );
  const now = new Date().toISOString();
  return db.transaction(() => {
    for (const q of items) upsert.run(c.id, q.query.trim(), JSON.stringify([...new Set(q.expected)]), origin, now);
    return items.length;
  }).immediate();
}

/** Queries made from the collection's own chunks (spread evenly), frozen: each expects the chunk it came from. */
export function sampleGolden(services: CoreServices, c: CollectionRow, count: number): number {
  const chunks = sampleChunks(services, c, count);
  if (!chunks.length) throw new AppError('GATE_NOT_READY', `Collection "${c.name}" has no chunks to sample queries from.`, { hint: `Import documents first: model-center collection import ${c.name} <files>` });
  const seen = new Set<string>();
  const items = chunks.flatMap((ch) => {
    const query = queryFromChunk(ch.text).trim();
    if (!query || seen.has(query)) return [];
    seen.add(query);
    return [{ query, expected: [ch.id] }];
  });
  return addGolden(services.db, c, items, 'sampled');
}

export function removeGolden(db: Db, c: CollectionRow, ids: readonly number[] | undefined): number {
  if (!ids) return db.prepare('DELETE FROM gate_queries WHERE collection_id = ?').run(c.id).changes;
  return db.prepare('DELETE FROM gate_queries WHERE collection_id = ? AND id IN (SELECT value FROM json_each(?))').run(c.id, JSON.stringify(ids)).changes;
}
