import type { BenchResultDTO } from '../../../shared/contract';
import { machineLabel, registryMetrics, toCsv } from '../../../shared/bench-figures';
import { APP_VERSION } from '../app-info';

export interface BenchExport {
  filename: string;
  contentType: string;
  content: string;
  count: number;
}

const stamp = (d = new Date()): string => d.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');

/** One row per result: identity, machine, then the registry's metric names, each speed figure with its spread. */
export function resultsCsv(results: BenchResultDTO[]): string {
  const batches = [...new Set(results.flatMap((r) => r.throughput.map((t) => t.batchSize)))].sort((a, b) => a - b);
  const headers = [
    'id', 'created_at', 'model', 'version', 'ref', 'variant', 'requested_provider', 'execution_provider', 'threads', 'machine_id', 'machine', 'host',
    'onnxruntime', 'app', 'corpus', 'corpus_hash', 'texts', 'tokens', 'params', 'dimension', 'max_seq_length', 'size_mb', 'peak_rss_mb', 'peak_rss_growth_mb', 'load_ms',
    'latency_p50_ms', 'latency_p50_min', 'latency_p50_max', 'latency_p95_ms', 'latency_p99_ms',
    ...batches.flatMap((b) => [`throughput_b${b}`, `throughput_b${b}_min`, `throughput_b${b}_max`, `tokens_per_s_b${b}`]),
  ];
  const rows = results.map((r) => {
    const m = registryMetrics(r);
    const byBatch = new Map(r.throughput.map((t) => [t.batchSize, t]));
    return [
      r.id, r.createdAt, r.model.registryModel, r.model.version, r.model.ref, r.model.variant, r.run.requestedProvider, r.run.executionProvider, r.run.threads,
      r.machine.id, machineLabel(r.machine), r.machine.hostname, r.machine.onnxruntimeVersion, r.machine.appVersion, r.corpus.name, r.corpus.hash,
      r.corpus.texts, r.corpus.tokens, m.params, m.dimension, m.max_seq_length, m.size_mb, m.peak_rss_mb, m.peak_rss_growth_mb, m.load_ms,
      m.latency_p50_ms, r.latency.p50.min, r.latency.p50.max, m.latency_p95_ms, m.latency_p99_ms,
      ...batches.flatMap((b) => {
        const t = byBatch.get(b);
        return t ? [t.textsPerSec.median, t.textsPerSec.min, t.textsPerSec.max, t.tokensPerSec.median] : [null, null, null, null];
      }),
    ];
  });
  return toCsv(headers, rows);
}

export function exportResults(results: BenchResultDTO[], format: 'csv' | 'json'): BenchExport {
  const name = `benchmarks-${stamp()}`;
  if (format === 'csv') return { filename: `${name}.csv`, contentType: 'text/csv; charset=utf-8', content: resultsCsv(results), count: results.length };
  const content = JSON.stringify({ exportedAt: new Date().toISOString(), appVersion: APP_VERSION, results }, null, 2);
  return { filename: `${name}.json`, contentType: 'application/json', content, count: results.length };
}
