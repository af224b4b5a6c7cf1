import type { BenchResultDTO, MetricsRow } from './contract';
import { parseBenchMetricsSource, resultLabel, round } from './bench-figures';

/** What a chart shows, as a table: its CSV download. */
export interface ChartTable {
  headers: string[];
  rows: Array<Array<string | number | null>>;
}

/** Series keys of a result in chart rows. */
export const seriesKey = (r: Pick<BenchResultDTO, 'id'>): string => `r${r.id}`;

export type Row = Record<string, number | string | [number, number] | null>;

/** One row per batch size: each result's median texts/s, and its spread as an error bar [below, above]. */
export function throughputData(results: BenchResultDTO[]): { rows: Row[]; table: ChartTable } {
  const batches = [...new Set(results.flatMap((r) => r.throughput.map((t) => t.batchSize)))].sort((a, b) => a - b);
  const rows = batches.map((b) => {
    const row: Row = { batch: String(b) };
    for (const r of results) {
      const t = r.throughput.find((x) => x.batchSize === b);
      row[seriesKey(r)] = t ? t.textsPerSec.median : null;
      row[`${seriesKey(r)}_spread`] = t ? [t.textsPerSec.median - t.textsPerSec.min, t.textsPerSec.max - t.textsPerSec.median] : null;
    }
    return row;
  });
  const table: ChartTable = {
    headers: ['result_id', 'result', 'batch_size', 'texts_per_s', 'texts_per_s_min', 'texts_per_s_max', 'tokens_per_s'],
    rows: results.flatMap((r) =>
      r.throughput.map((t) => [r.id, resultLabel(r), t.batchSize, t.textsPerSec.median, t.textsPerSec.min, t.textsPerSec.max, t.tokensPerSec.median]),
    ),
  };
  return { rows, table };
}

const BINS = 24;

/**
 * A histogram of batch-1 latencies, as the share of calls per bin, over bins shared by every result. The range
 * stops at the highest p99 of the results so one outlier does not squash the rest; slower calls count in the last bin.
 */
export function latencyData(results: BenchResultDTO[]): { rows: Row[]; table: ChartTable } {
  const withSamples = results.filter((r) => r.latency.samples.length > 0);
  if (!withSamples.length) return { rows: [], table: { headers: [], rows: [] } };
  const lo = Math.min(...withSamples.map((r) => Math.min(...r.latency.samples)));
  const hi = Math.max(...withSamples.map((r) => r.latency.p99.max));
  const width = Math.max((hi - lo) / BINS, 1e-3);
  const counts = withSamples.map((r) => {
    const c = new Array<number>(BINS).fill(0);
    for (const s of r.latency.samples) c[Math.min(BINS - 1, Math.max(0, Math.floor((s - lo) / width)))]!++;
    return c.map((n) => (n / r.latency.samples.length) * 100);
  });
  const rows: Row[] = [];
  for (let i = 0; i < BINS; i++) {
    const from = lo + i * width;
    const row: Row = { bin: `${round(from, 2)}${i === BINS - 1 ? '+' : ''}`, from: round(from, 3), to: round(from + width, 3) };
    withSamples.forEach((r, k) => (row[seriesKey(r)] = round(counts[k]![i]!, 2)));
    rows.push(row);
  }
  const table: ChartTable = {
    headers: ['from_ms', 'to_ms', ...withSamples.map((r) => `#${r.id} ${resultLabel(r)} (% of calls)`)],
    rows: rows.map((row) => [row.from as number, row.to as number, ...withSamples.map((r) => row[seriesKey(r)] as number)]),
  };
  return { rows, table };
}

export interface HistorySeries {
  key: string;
  /** null for rows that did not come from a benchmark (entered by hand, or by another tool). */
  executionProvider: string | null;
  threads: number | null;
  machineId: string | null;
  /** Measured on a machine other than this one: not comparable with this machine's points. */
  otherMachine: boolean;
  label: string;
  points: number;
}

const machineText = (id: string, thisMachineId: string | null): string =>
  thisMachineId === null ? `machine ${id}` : id === thisMachineId ? `this machine (${id})` : `other machine ${id}, not comparable`;

/**
 * A version's metrics rows over time for one metric, one series per execution provider × threads and machine (what
 * each row's source says; rows without the metric are left out): a figure from a GPU or another machine never joins
 * this machine's CPU line. Chart rows carry each point in its series' column, and its source for the tooltip.
 */
export function historyData(
  rows: MetricsRow[],
  metric: string,
  thisMachineId: string | null,
): { rows: Row[]; series: HistorySeries[]; table: ChartTable } {
  const series = new Map<string, HistorySeries>();
  const points = rows
    .filter((r) => typeof r.metrics[metric] === 'number')
    .map((r) => {
      const from = parseBenchMetricsSource(r.source);
      const key = from ? `${from.executionProvider}x${from.threads}@${from.machineId}` : 'other';
      let s = series.get(key);
      if (!s) {
        s = from
          ? {
              key: `s${series.size}`,
              executionProvider: from.executionProvider,
              threads: from.threads,
              machineId: from.machineId,
              otherMachine: thisMachineId !== null && from.machineId !== thisMachineId,
              label: `${from.executionProvider}×${from.threads} · ${machineText(from.machineId, thisMachineId)}`,
              points: 0,
            }
          : { key: `s${series.size}`, executionProvider: null, threads: null, machineId: null, otherMachine: false, label: 'not from a benchmark (by hand or another tool)', points: 0 };
        series.set(key, s);
      }
      s.points++;
      return { t: Date.parse(r.recordedAt), value: r.metrics[metric]!, source: r.source ?? '', series: s };
    });
  // This machine's series first, then other machines', then rows that say nothing of where they came from.
  const rank = (s: HistorySeries): number => (s.machineId === null ? 2 : s.otherMachine ? 1 : 0);
  const ordered = [...series.values()].sort((a, b) => rank(a) - rank(b));
  return {
    rows: points.map((p) => ({ t: p.t, [p.series.key]: p.value, source: p.source, series: p.series.label })),
    series: ordered,
    table: {
      headers: ['recorded_at', 'execution_provider', 'threads', 'machine_id', 'other_machine', 'source', metric],
      rows: points.map((p) => [
        new Date(p.t).toISOString(),
        p.series.executionProvider,
        p.series.threads,
        p.series.machineId,
        p.series.machineId === null || thisMachineId === null ? null : String(p.series.otherMachine),
        p.source,
        p.value,
      ]),
    },
  };
}

/** Metric names found in a version's history, benchmark figures first. */
export function historyMetrics(rows: MetricsRow[]): string[] {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))];
  const rank = (n: string): number => (n.startsWith('throughput_b') ? 0 : n.startsWith('latency_') ? 1 : n === 'load_ms' || n.startsWith('peak_rss_') ? 2 : 3);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b, 'en', { numeric: true }));
}
