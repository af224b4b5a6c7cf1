import type { BenchMachineDTO, BenchResultDTO } from './contract';

/** Figures of a benchmark as the registry stores them (the migration dry-run and MLflow read these names). */
export function registryMetrics(r: BenchResultDTO): Record<string, number> {
  const mb = (bytes: number): number => round(bytes / 1024 ** 2, 2);
  const metrics: Record<string, number> = {};
  for (const t of r.throughput) {
    metrics[`throughput_b${t.batchSize}`] = round(t.textsPerSec.median, 2);
    metrics[`tokens_per_s_b${t.batchSize}`] = round(t.tokensPerSec.median, 1);
  }
  Object.assign(metrics, {
    latency_p50_ms: round(r.latency.p50.median, 3),
    latency_p95_ms: round(r.latency.p95.median, 3),
    latency_p99_ms: round(r.latency.p99.median, 3),
    load_ms: round(r.load.firstCallMs, 1),
    peak_rss_mb: mb(r.memory.peakRssBytes),
    peak_rss_growth_mb: mb(r.memory.peakRssGrowthBytes),
    size_mb: mb(r.model.sizeBytes),
    params: r.model.params,
    dimension: r.model.dimension,
    max_seq_length: r.model.maxSeqLength,
  });
  return metrics;
}

/** Where a benchmark's registry metrics row came from: its `source`, as the history chart reads it back. */
export interface BenchMetricsSource {
  jobId: number;
  executionProvider: string;
  threads: number;
  machineId: string;
}

/**
 * "bench job 12: cpu, 4 threads, machine 3f2a9c0d1e4b". The text is all a metrics row keeps of its benchmark (rows
 * travel in bundles without the results), so it is written and read here, in one place.
 */
export function benchMetricsSource(s: BenchMetricsSource): string {
  return `bench job ${s.jobId}: ${s.executionProvider}, ${s.threads} threads, machine ${s.machineId}`;
}

/** The benchmark a metrics row came from, or null for rows entered by hand or by other tools. */
export function parseBenchMetricsSource(source: string | null): BenchMetricsSource | null {
  const m = source ? /^bench job (\d+): ([^,]+), (\d+) threads, machine ([0-9a-f]+)$/.exec(source) : null;
  return m ? { jobId: Number(m[1]), executionProvider: m[2]!, threads: Number(m[3]), machineId: m[4]! } : null;
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** "tiny@1.0.0 · cpu×4" — what a chart legend or a table column calls a result. */
export function resultLabel(r: Pick<BenchResultDTO, 'model' | 'run'>): string {
  const who = r.model.registryModel ? `${r.model.registryModel}@${r.model.version ?? '?'}` : shortRef(r.model.ref);
  const variant = r.model.variant === 'fp32' ? '' : ` ${r.model.variant}`;
  return `${who}${variant} · ${r.run.executionProvider}×${r.run.threads}`;
}

function shortRef(ref: string): string {
  const parts = ref.split(/[\\/]/).filter(Boolean);
  return parts.length > 2 ? `…/${parts.slice(-2).join('/')}` : ref;
}

/** One line for tables and notes: "AMD EPYC 7B13, 8 cores, 31 GB, no GPU (linux x64)". */
export function machineLabel(m: BenchMachineDTO): string {
  const gpu = m.gpus.length ? m.gpus.map((g) => g.name).join(' + ') : 'no GPU';
  return `${m.cpuModel}, ${m.physicalCores} cores, ${Math.round(m.totalRamBytes / 1024 ** 3)} GB, ${gpu} (${m.os.platform} ${m.os.arch})`;
}

/** RFC 4180 CSV: fields with a comma, quote or line break are quoted, quotes doubled; CRLF line ends. */
export function toCsv(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): string {
  const cell = (v: string | number | null | undefined): string => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [headers, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
