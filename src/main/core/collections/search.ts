import type { SearchHitDTO, SearchResultDTO } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { Db } from '../db/open-database';
import type { EmbeddingService } from '../inference/embedding-service';
import { chunkInfo, type CollectionRow, type IndexRow } from './collection-store';
import { refOf } from './model-binding';
import { nearest, type Neighbour } from './vector-store';

export type SearchRoute = 'auto' | 'current' | 'candidate';

/** Which index answers a search, and why. */
export interface RouteDecision {
  index: IndexRow;
  role: 'current' | 'candidate';
  reason: SearchResultDTO['served']['reason'];
  bucket: number | null;
}

/** Decides per query between a collection's current index and a migration's candidate (see migrations/rollout.ts). */
export interface SearchRouter {
  route(c: CollectionRow, query: string, route: SearchRoute): RouteDecision;
  /** After a search answered: per-version counts, shadow comparisons. Must not delay the answer. */
  served(c: CollectionRow, decision: RouteDecision, query: string, hits: Neighbour[], k: number): void;
}

export interface IndexSearch {
  neighbours: Neighbour[];
  embedMs: number;
  searchMs: number;
}

/** Embeds the query on the real-time lane with the index's model, then asks sqlite-vec for the k nearest chunks. */
export async function searchIndex(db: Db, embeddings: EmbeddingService, index: IndexRow, query: string, k: number): Promise<IndexSearch> {
  const t0 = performance.now();
  const q = await embeddings.embedWith(refOf(index), [query], { lane: 'rt' });
  const t1 = performance.now();
  if (index.dimension !== null && q.dimension !== index.dimension) {
    throw new AppError('DIMENSION_MISMATCH', `${refOf(index)} now returns ${q.dimension}-dimensional vectors; the collection's index holds ${index.dimension}.`, {
      hint: 'Its files changed under the same version. Register the new files as a new version and migrate the collection to it.',
    });
  }
  const neighbours = nearest(db, index.id, q.vectors, k);
  return { neighbours, embedMs: t1 - t0, searchMs: performance.now() - t1 };
}

export function toHits(db: Db, neighbours: Neighbour[], threshold: number | null): SearchHitDTO[] {
  const kept = neighbours.map((n) => ({ ...n, score: 1 - n.distance })).filter((n) => threshold === null || n.score >= threshold);
  const info = new Map(chunkInfo(db, kept.map((n) => n.chunkId)).map((c) => [c.id, c]));
  return kept.flatMap((n) => {
    const c = info.get(n.chunkId);
    return c ? [{ chunkId: n.chunkId, score: n.score, text: c.text, source: c.source, start: c.start, end: c.end, line: c.line }] : [];
  });
}
