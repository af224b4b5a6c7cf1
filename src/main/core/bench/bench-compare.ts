import type { BenchComparisonDTO, BenchResultDTO } from '../../../shared/contract';
import { machineLabel, registryMetrics, resultLabel } from '../../../shared/bench-figures';

interface RowDef {
  key: string;
  label: string;
  unit: string;
  better: 'higher' | 'lower' | null;
}

/** Seed 002's side-by-side table (params, dims, max length, memory, speed), measured instead of typed. */
const FIXED_ROWS: RowDef[] = [
  { key: 'params', label: 'Parameters', unit: '', better: null },
  { key: 'dimension', label: 'Dimension', unit: '', better: null },
  { key: 'max_seq_length', label: 'Max length', unit: 'tokens', better: null },
  { key: 'size_mb', label: 'Size on disk', unit: 'MB', better: 'lower' },
  { key: 'peak_rss_mb', label: 'Memory (peak RSS)', unit: 'MB', better: 'lower' },
  { key: 'peak_rss_growth_mb', label: 'Memory (peak RSS growth)', unit: 'MB', better: 'lower' },
  { key: 'load_ms', label: 'Load (cold start)', unit: 'ms', better: 'lower' },
  { key: 'latency_p50_ms', label: 'Latency p50, batch 1', unit: 'ms', better: 'lower' },
  { key: 'latency_p95_ms', label: 'Latency p95, batch 1', unit: 'ms', better: 'lower' },
  { key: 'latency_p99_ms', label: 'Latency p99, batch 1', unit: 'ms', better: 'lower' },
];

const distinct = <T>(values: T[]): number => new Set(values).size;

export function compareResults(results: BenchResultDTO[]): BenchComparisonDTO {
  const batches = [...new Set(results.flatMap((r) => r.throughput.map((t) => t.batchSize)))].sort((a, b) => a - b);
  const defs: RowDef[] = [...FIXED_ROWS, ...batches.map((b): RowDef => ({ key: `throughput_b${b}`, label: `Throughput, batch ${b}`, unit: 'texts/s', better: 'higher' }))];
  const figures = results.map(registryMetrics);
  const rows = defs.map((d) => {
    const values = figures.map((f) => f[d.key] ?? null);
    const base = values[0] ?? null;
    const deltas = values.map((v) => (v === null || base === null || base === 0 ? null : ((v - base) / base) * 100));
    return { ...d, values, deltas };
  });
  const crossMachine = distinct(results.map((r) => r.machine.id)) > 1;
  const crossProvider = distinct(results.map((r) => `${r.run.executionProvider}×${r.run.threads}`)) > 1;
  const crossCorpus = distinct(results.map((r) => r.corpus.hash)) > 1;
  const notes: string[] = [];
  const list = (describe: (r: BenchResultDTO) => string): string => results.map((r) => `#${r.id} ${describe(r)}`).join('; ');
  if (crossMachine) notes.push(`Different machines — speed, load time and memory are not comparable: ${list((r) => `on ${r.machine.hostname} (${machineLabel(r.machine)})`)}.`);
  if (crossProvider) notes.push(`Different execution providers or thread counts: ${list((r) => `${r.run.executionProvider}, ${r.run.threads} threads`)}.`);
  if (crossCorpus) notes.push(`Different corpora — latency and throughput depend on text lengths: ${list((r) => `${r.corpus.name} (${r.corpus.texts} texts)`)}.`);
  for (const r of results) {
    if (r.run.fallbackReason) notes.push(`#${r.id} asked for ${r.run.requestedProvider} but ran on ${r.run.executionProvider}: ${r.run.fallbackReason}`);
  }
  return {
    columns: results.map((r) => ({
      id: r.id,
      label: resultLabel(r),
      registryModel: r.model.registryModel,
      version: r.model.version,
      executionProvider: r.run.executionProvider,
      threads: r.run.threads,
      machineId: r.machine.id,
      corpusHash: r.corpus.hash,
      createdAt: r.createdAt,
    })),
    rows,
    crossMachine,
    crossProvider,
    crossCorpus,
    notes,
  };
}
