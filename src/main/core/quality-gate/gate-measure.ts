import type { GateRunDTO, GateSettingsDTO, GoldenQueryDTO } from '../../../shared/contract';
import { currentIndex, getIndex, type CollectionRow, type IndexRow } from '../collections/collection-store';
import { searchIndex } from '../collections/search';
import type { Db } from '../db/open-database';
import type { EmbeddingService } from '../inference/embedding-service';
import type { MigrationRow } from '../migrations/migration-store';
import { overlapAt } from '../migrations/rollout';
import { evaluateGate, latencyQuantiles, mean, recallAt, reciprocalRank } from './gate-metrics';

export type Measurement = Pick<GateRunDTO, 'queries' | 'withExpected' | 'k' | 'a' | 'b' | 'meanOverlap' | 'checks' | 'passed'>;

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
  const k = settings.k;
  const sides: [Side, Side] = [
    { index: currentIndex(db, c), recall: [], rr: [], ms: [] },
    { index: getIndex(db, m.to_index_id)!, recall: [], rr: [], ms: [] },
  ];
  for (const s of sides) await searchIndex(db, embeddings, s.index, golden[0]!.query, k);
  const overlaps: number[] = [];
  let withExpected = 0;
  for (const [i, q] of golden.entries()) {
    const expected = q.expected.filter((id) => !q.missing.includes(id));
    if (expected.length) withExpected++;
    const found: number[][] = [[], []];
    for (const side of i % 2 ? [1, 0] : [0, 1]) {
      const s = sides[side]!;
      const r = await searchIndex(db, embeddings, s.index, q.query, k);
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
