import type { BenchResultDTO } from '../../../../shared/contract';
import { resultLabel } from '../../../../shared/bench-figures';

/** Series colours, in the order results were ticked: the same result keeps its colour in every chart. */
export const SERIES_COLORS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2'];

export const seriesColor = (i: number): string => SERIES_COLORS[i % SERIES_COLORS.length]!;

export function legendOf(results: BenchResultDTO[]): Array<{ label: string; color: string }> {
  return results.map((r, i) => ({ label: `#${r.id} ${resultLabel(r)}`, color: seriesColor(i) }));
}
