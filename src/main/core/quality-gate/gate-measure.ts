import type { GateRunDTO, GateSettingsDTO, GoldenQueryDTO } from '../../../shared/contract';
import { currentIndex, getIndex, type CollectionRow, type IndexRow } from '../collections/collection-store';
import { searchIndex, type IndexSearch } from '../collections/search';
import type { Db } from '../db/open-database';
import type { EmbeddingService } from '../inference/embedding-service';
import type { MigrationRow } from '../migrations/migration-store';
import { overlapAt } from '../migrations/rollout';
import { evaluateGate, latencyQuantiles, mean, recallAt, reciprocalRank } from './gate-metrics';

export type Measurement = Pick<GateRunDTO, 'queries' | 'withExpected' | 'k' | 'a' | 'b' | 'meanOverlap' | 'checks' | 'passed'>;

class BFailed extends Error {
  constructor(
    readonly query: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** B could not answer: the run fails on that alone, with the query and B's error, and no figures for B. */
function unanswered(settings: GateSettingsDTO, sides: readonly [Side, Side], golden: readonly GoldenQueryDTO[], err: BFailed): Measurement {
  const version = (s: Side): string => `${s.index.model}@${s.index.version}`;
  const none = (s: Side): GateRunDTO['a'] => ({ version: version(s), recall: null, mrr: null, p50Ms: 0, p95Ms: 0 });
  const detail = `${version(sides[1])} could not answer "${err.query.slice(0, 80)}": ${err.reason}`;
  return {
    queries: golden.length,
    withExpected: golden.filter((q) => q.expected.length).length,
    k: settings.k,
    a: none(sides[0]),
    b: none(sides[1]),
    meanOverlap: 0,
    checks: [{ name: 'answers', ok: false, a: null, b: null, limit: 0, detail }],
    passed: false,
  };
}

interface Side {
  index: IndexRow;
  recall: number[];
  rr: number[];
  ms: number[];
}

/**
 * Searches every golden query in A and in B, the way a user's search runs (query embedded on the RT lane, KNN in
 * sqlite-vec), and applies the thresholds. Both models answer one query first, untimed, so a cold session load is
 * not counted as search latency; the order alternates per query so neither version always runs on a warmer cache.
 */
export async function measureGate(db: Db, embeddings: EmbeddingService, c: CollectionRow, m: MigrationRow, settings: GateSettingsDTO, golden: readonly GoldenQueryDTO[]): Promise<Measurement> {
  const sides: [Side, Side] = [
    { index: currentIndex(db, c), recall: [], rr: [], ms: [] },
    { index: getIndex(db, m.to_index_id)!, recall: [], rr: [], ms: [] },
  ];
  try {
    return await searchBoth(db, embeddings, settings, golden, sides);
  } catch (err) {
    if (err instanceof BFailed) return unanswered(settings, sides, golden, err);
    throw err;
  }
}

async function searchBoth(db: Db, embeddings: EmbeddingService, settings: GateSettingsDTO, golden: readonly GoldenQueryDTO[], sides: [Side, Side]): Promise<Measurement> {
  const k = settings.k;
  // A failing is this machine's problem (the gate cannot judge: the error goes to the caller); B failing is B's.
  const search = async (side: 0 | 1, query: string): Promise<IndexSearch> => {
    if (side === 0) return searchIndex(db, embeddings, sides[0].index, query, k);
    try {
      return await searchIndex(db, embeddings, sides[1].index, query, k);
    } catch (err) {
      throw new BFailed(query, err instanceof Error ? err.message : String(err));
    }
  };
  await search(0, golden[0]!.query);
  await search(1, golden[0]!.query);
  const overlaps: number[] = [];
  let withExpected = 0;
  for (const [i, q] of golden.entries()) {
    const expected = q.expected.filter((id) => !q.missing.includes(id));
    if (expected.length) withExpected++;
    const found: number[][] = [[], []];
    for (const side of i % 2 ? ([1, 0] as const) : ([0, 1] as const)) {
      const s = sides[side];
      const r = await search(side, q.query);
      const ids = r.neighbours.map((n) => n.chunkId);
      found[side] = ids;
      s.ms.push(r.embedMs + r.searchMs);
      if (expected.length) {
        s.recall.push(recallAt(k, expected, ids));
        s.rr.push(reciprocalRank(k, expected, ids));
      }
    }
    overlaps.push(overlapAt(k, found[0]!, found[1]!));
  }
  const figures = (s: Side): GateRunDTO['a'] => ({ version: `${s.index.model}@${s.index.version}`, recall: mean(s.recall), mrr: mean(s.rr), ...latencyQuantiles(s.ms) });
  const a = figures(sides[0]);
  const b = figures(sides[1]);
  const meanOverlap = mean(overlaps) ?? 0;
  const checks = evaluateGate(settings, a, b, meanOverlap);
  return { queries: golden.length, withExpected, k, a, b, meanOverlap, checks, passed: checks.every((x) => x.ok) };
}
