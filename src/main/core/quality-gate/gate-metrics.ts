import type { GateCheckDTO, GateSettingsDTO } from '../../../shared/contract';
import { quantile, sortedCopy } from '../bench/bench-stats';

/** Share of the expected chunks found in the top k. */
export function recallAt(k: number, expected: readonly number[], found: readonly number[]): number {
  if (!expected.length) return 0;
  const top = new Set(found.slice(0, k));
  return expected.filter((id) => top.has(id)).length / expected.length;
}

/** 1 / rank of the first expected chunk in the top k; 0 when none is there. */
export function reciprocalRank(k: number, expected: readonly number[], found: readonly number[]): number {
  const wanted = new Set(expected);
  const at = found.slice(0, k).findIndex((id) => wanted.has(id));
  return at < 0 ? 0 : 1 / (at + 1);
}

export const mean = (xs: readonly number[]): number | null => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);

export function latencyQuantiles(ms: readonly number[]): { p50Ms: number; p95Ms: number } {
  const s = sortedCopy(ms);
  return { p50Ms: quantile(s, 0.5), p95Ms: quantile(s, 0.95) };
}

export interface VersionFigures {
  recall: number | null;
  mrr: number | null;
  p95Ms: number;
}

const f2 = (x: number): string => x.toFixed(2);
const ms = (x: number): string => `${x.toFixed(1)} ms`;

/**
 * The admin's thresholds applied to what was measured. Recall and MRR are checked only when some query has
 * expected chunks; a p95 within `p95SlackMs` of A's passes whatever the ratio, since a few milliseconds on a busy
 * machine are noise, not a slower model.
 */
export function evaluateGate(settings: GateSettingsDTO, a: VersionFigures, b: VersionFigures, meanOverlap: number): GateCheckDTO[] {
  const checks: GateCheckDTO[] = [];
  const drop = (name: 'recall' | 'mrr', label: string, maxDrop: number | null, va: number | null, vb: number | null): void => {
    if (maxDrop === null || va === null || vb === null) return;
    const limit = Math.max(0, va - maxDrop);
    const ok = vb >= limit - 1e-9;
    checks.push({ name, ok, a: va, b: vb, limit, detail: `${label}: B ${f2(vb)} ${ok ? '≥' : '<'} A ${f2(va)} − ${maxDrop}` });
  };
  drop('recall', `recall@${settings.k}`, settings.maxRecallDrop, a.recall, b.recall);
  drop('mrr', 'MRR', settings.maxMrrDrop, a.mrr, b.mrr);
  if (settings.minOverlap !== null) {
    const ok = meanOverlap >= settings.minOverlap - 1e-9;
    checks.push({ name: 'overlap', ok, a: null, b: meanOverlap, limit: settings.minOverlap, detail: `mean overlap@${settings.k} of A and B ${f2(meanOverlap)} ${ok ? '≥' : '<'} ${settings.minOverlap}` });
  }
  if (settings.maxP95Ratio !== null) {
    const limit = Math.max(a.p95Ms * settings.maxP95Ratio, a.p95Ms + settings.p95SlackMs);
    const ok = b.p95Ms <= limit;
    checks.push({
      name: 'p95',
      ok,
      a: a.p95Ms,
      b: b.p95Ms,
      limit,
      detail: `p95 search latency: B ${ms(b.p95Ms)} ${ok ? '≤' : '>'} ${settings.maxP95Ratio}× A's ${ms(a.p95Ms)} (or A + ${settings.p95SlackMs} ms)`,
    });
  }
  return checks;
}
