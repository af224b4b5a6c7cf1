import type { BenchStat } from '../../../shared/contract';

/** The q-quantile (0..1) of sorted values, linearly interpolated between ranks (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

export function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** A figure measured once per run: its median over the runs, with min and max as the spread (to 0.001). */
export function stat(runs: readonly number[]): BenchStat {
  const s = sortedCopy(runs);
  return { median: round3(quantile(s, 0.5)), min: round3(s[0] ?? NaN), max: round3(s[s.length - 1] ?? NaN), runs: runs.map(round3) };
}

export const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
