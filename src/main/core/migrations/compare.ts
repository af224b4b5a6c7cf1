import type { CompareReportDTO } from '../../../shared/contract';
import { chunkInfo, currentIndex, getIndex, type CollectionRow } from '../collections/collection-store';
import { searchIndex } from '../collections/search';
import { splitSegments } from '../collections/segments';
import type { CoreServices } from '../core-services';
import type { EmbeddingService } from '../inference/embedding-service';
import type { MigrationRow } from './migration-store';
import { overlapAt } from './rollout';

const QUERY_CHARS = 200;
const PREVIEW_CHARS = 160;

/** Spearman's rho over the items both lists hold (ranked among themselves); null below two. */
export function rankCorrelation(a: readonly number[], b: readonly number[]): number | null {
  const inB = new Set(b);
  const common = a.filter((id) => inB.has(id));
  const n = common.length;
  if (n < 2) return null;
  const rankB = new Map(b.filter((id) => common.includes(id)).map((id, i) => [id, i]));
  const d2 = common.reduce((s, id, i) => s + (i - rankB.get(id)!) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

/** A query made from a chunk: its first sentence (at most 200 characters), the way a person would ask for it. */
export function queryFromChunk(text: string): string {
  const first = splitSegments(text)[0];
  const sentence = first ? text.slice(first.start, first.end) : text;
  if (sentence.length <= QUERY_CHARS) return sentence;
  const cut = sentence.lastIndexOf(' ', QUERY_CHARS);
  return sentence.slice(0, cut > 40 ? cut : QUERY_CHARS);
}

/** Chunks spread evenly over the collection (the same ones every time for the same collection). */
export function sampleChunks(services: CoreServices, c: CollectionRow, n: number): Array<{ id: number; text: string }> {
  const ids = services.db
    .prepare("SELECT c.id FROM collection_chunks c JOIN collection_sources s ON s.id = c.source_id WHERE c.collection_id = ? AND s.state = 'ready' ORDER BY c.id")
    .pluck()
    .all(c.id) as number[];
  const step = ids.length / Math.min(n, ids.length);
  const picked = Array.from({ length: Math.min(n, ids.length) }, (_, i) => ids[Math.floor(i * step)]!);
  return chunkInfo(services.db, picked).map((ch) => ({ id: ch.id, text: ch.text }));
}

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);

/**
 * Seed 002's A/B check: every query searched in A and in B, top-k side by side with overlap@k and rank
 * correlation. Queries sampled from the collection also say where each version ranks the chunk they came from.
 */
export async function compareVersions(
  services: CoreServices,
  embeddings: EmbeddingService,
  c: CollectionRow,
  m: MigrationRow,
  input: { queries?: string[]; sample: number; k: number },
): Promise<CompareReportDTO> {
  const { db } = services;
  const a = currentIndex(db, c);
  const b = getIndex(db, m.to_index_id)!;
  const given = input.queries?.length ? input.queries.map((q) => ({ query: q, sourceChunkId: null as number | null })) : null;
  const items = given ?? sampleChunks(services, c, input.sample).map((ch) => ({ query: queryFromChunk(ch.text), sourceChunkId: ch.id as number | null }));
  const queries: CompareReportDTO['queries'] = [];
  for (const item of items) {
    const ra = await searchIndex(db, embeddings, a, item.query, input.k);
    const rb = await searchIndex(db, embeddings, b, item.query, input.k);
    const idsA = ra.neighbours.map((n) => n.chunkId);
    const idsB = rb.neighbours.map((n) => n.chunkId);
    const text = new Map(chunkInfo(db, [...new Set([...idsA, ...idsB])]).map((x) => [x.id, x.text.slice(0, PREVIEW_CHARS)]));
    const rank = (ids: number[]): number | null => (item.sourceChunkId === null || !ids.includes(item.sourceChunkId) ? null : ids.indexOf(item.sourceChunkId) + 1);
    queries.push({
      query: item.query,
      sourceChunkId: item.sourceChunkId,
      rankA: rank(idsA),
      rankB: rank(idsB),
      a: ra.neighbours.map((n) => ({ chunkId: n.chunkId, score: 1 - n.distance, text: text.get(n.chunkId) ?? '' })),
      b: rb.neighbours.map((n) => ({ chunkId: n.chunkId, score: 1 - n.distance, text: text.get(n.chunkId) ?? '' })),
      overlap: overlapAt(input.k, idsA, idsB),
      rankCorrelation: rankCorrelation(idsA, idsB),
    });
  }
  const sampled = queries.filter((q) => q.sourceChunkId !== null);
  const hit1 = (pick: (q: (typeof queries)[number]) => number | null): number | null => (sampled.length ? sampled.filter((q) => pick(q) === 1).length / sampled.length : null);
  const mrr = (pick: (q: (typeof queries)[number]) => number | null): number | null => mean(sampled.map((q) => (pick(q) ? 1 / pick(q)! : 0)));
  return {
    k: input.k,
    querySource: given ? 'given' : 'sampled',
    queries,
    summary: {
      queries: queries.length,
      meanOverlap: mean(queries.map((q) => q.overlap)) ?? 0,
      meanRankCorrelation: mean(queries.flatMap((q) => (q.rankCorrelation === null ? [] : [q.rankCorrelation]))),
      hitAt1A: hit1((q) => q.rankA),
      hitAt1B: hit1((q) => q.rankB),
      mrrA: mrr((q) => q.rankA),
      mrrB: mrr((q) => q.rankB),
    },
    comparedAt: new Date().toISOString(),
  };
}
