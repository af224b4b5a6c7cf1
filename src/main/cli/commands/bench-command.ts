import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import {
  DEFAULT_BENCH_BATCH_SIZES,
  DEFAULT_BENCH_RUNS,
  DEFAULT_BENCH_WARMUP_RUNS,
  EXECUTION_PROVIDERS,
  MAX_BENCH_BATCH,
  MAX_USER_CORPUS_TEXTS,
  VARIANTS,
  type BenchComparisonDTO,
  type BenchParamsInput,
  type BenchResultDTO,
  type BenchStat,
  type ExecutionProviderSetting,
  type Variant,
} from '../../../shared/contract';
import { machineLabel, resultLabel } from '../../../shared/bench-figures';
import { AppError } from '../../../shared/errors';
import type { CliContext } from '../cli-context';
import { formatBytes, printResult, table } from '../cli-output';
import { followJob, jobOutcome } from '../follow-job';

function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    return n;
  };
}

function parseBatches(value: string): number[] {
  const parse = wholeNumber(1, MAX_BENCH_BATCH);
  try {
    return value.split(',').map((v) => parse(v.trim()));
  } catch {
    throw new InvalidArgumentError(`must be batch sizes 1–${MAX_BENCH_BATCH} separated by commas, e.g. 1,8,32,128`);
  }
}

function parseEp(value: string): ExecutionProviderSetting {
  if ((EXECUTION_PROVIDERS as readonly string[]).includes(value)) return value as ExecutionProviderSetting;
  throw new InvalidArgumentError(`must be one of ${EXECUTION_PROVIDERS.join(', ')}`);
}

function parseVariant(value: string): Variant {
  if ((VARIANTS as readonly string[]).includes(value)) return value as Variant;
  throw new InvalidArgumentError(`must be one of ${VARIANTS.join(', ')}`);
}

const num = (x: number, digits = 1): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const spread = (s: BenchStat, digits = 1): string => `${num(s.min, digits)}–${num(s.max, digits)}`;

export function describeResult(r: BenchResultDTO): string {
  const m = r.model;
  const lines = [
    `${resultLabel(r)} · ${m.params.toLocaleString('en-US')} params · ${m.dimension} dims · max ${m.maxSeqLength} tokens · ${formatBytes(m.sizeBytes)} on disk`,
    `corpus ${r.corpus.name}: ${r.corpus.texts} texts, ${r.corpus.tokens.toLocaleString('en-US')} tokens (${r.corpus.truncated} cut to max length) · ${r.run.runs} runs after ${r.run.warmupRuns} warm-up`,
    `machine ${r.machine.id}: ${machineLabel(r.machine)} · onnxruntime ${r.machine.onnxruntimeVersion} · app ${r.machine.appVersion}`,
    `load (cold start) ${num(r.load.firstCallMs)} ms (session ${num(r.load.sessionMs)} ms)`,
  ];
  if (r.run.fallbackReason) lines.push(`WARNING: asked for ${r.run.requestedProvider}, ran on ${r.run.executionProvider}: ${r.run.fallbackReason}`);
  lines.push(
    '',
    table(
      ['BATCH', 'TEXTS/S', 'SPREAD', 'TOKENS/S'],
      r.throughput.map((t) => [t.batchSize, num(t.textsPerSec.median), spread(t.textsPerSec), num(t.tokensPerSec.median, 0)]),
    ),
    '',
    table(
      ['LATENCY, BATCH 1', 'MS', 'SPREAD'],
      (['p50', 'p95', 'p99', 'mean'] as const).map((k) => [k, num(r.latency[k].median, 2), spread(r.latency[k], 2)]),
    ),
    '',
    table(
      ['MEMORY', 'RSS'],
      [
        ['peak, whole process', formatBytes(r.memory.peakRssBytes)],
        ['peak growth (model and runs)', formatBytes(r.memory.peakRssGrowthBytes)],
        ['before loading the model', formatBytes(r.memory.rssBeforeBytes)],
      ],
    ),
    '',
    r.metrics.recorded ? `Recorded as metrics of ${m.registryModel}@${m.version} (row ${r.metrics.rowId}).` : `Registry metrics ${r.metrics.note ?? 'not recorded'}.`,
    `Result #${r.id}.`,
  );
  return lines.join('\n');
}

function describeList(list: BenchResultDTO[]): string {
  if (!list.length) return 'No benchmark results. Run one: model-center bench <model>';
  const batches = [...new Set(list.flatMap((r) => r.throughput.map((t) => t.batchSize)))].sort((a, b) => a - b);
  return table(
    ['ID', 'WHEN', 'RESULT', 'MACHINE', 'LOAD MS', 'P50 MS', ...batches.map((b) => `B${b}/S`)],
    list.map((r) => {
      const byBatch = new Map(r.throughput.map((t) => [t.batchSize, t.textsPerSec.median]));
      return [r.id, r.createdAt.replace('T', ' ').slice(0, 16), resultLabel(r), r.machine.id, num(r.load.firstCallMs), num(r.latency.p50.median, 2), ...batches.map((b) => (byBatch.has(b) ? num(byBatch.get(b)!) : ''))];
    }),
  );
}

export function describeComparison(c: BenchComparisonDTO): string {
  const fmt = (v: number | null, unit: string): string => (v === null ? '—' : unit === 'ms' ? num(v, 2) : Number.isInteger(v) ? v.toLocaleString('en-US') : num(v));
  const delta = (d: number | null, i: number): string => (i === 0 || d === null ? '' : ` (${d >= 0 ? '+' : ''}${num(d)} %)`);
  const rows = c.rows.map((r) => [`${r.label}${r.unit ? `, ${r.unit}` : ''}`, ...r.values.map((v, i) => `${fmt(v, r.unit)}${delta(r.deltas[i] ?? null, i)}`)]);
  const head = table(['', ...c.columns.map((col) => `#${col.id} ${col.label}`)], rows);
  return [head, ...c.notes.map((n) => `! ${n}`)].join('\n');
}

/** Arguments that are all digits are result ids (`#id`); the others model references; their order is kept. */
function selection(items: string[]): { refs?: string[] } {
  return items.length ? { refs: items.map((i) => (/^\d+$/.test(i) ? `#${i}` : i)) } : {};
}

export function registerBenchCommands(program: Command, ctx: CliContext): void {
  program
    .command('bench')
    .description('Benchmark a model as a job: cold start, batch-1 latency, throughput per batch size, peak RSS and its growth; stored, and recorded as registry metrics')
    .argument('<model>', 'registry name or alias[@version], hf:org/name[@rev], or a model folder')
    .option('--batch <sizes>', `batch sizes, comma-separated (default: ${DEFAULT_BENCH_BATCH_SIZES.join(',')})`, parseBatches)
    .option('--ep <provider>', `execution provider: ${EXECUTION_PROVIDERS.join(', ')} (default: the setting)`, parseEp)
    .option('--threads <n>', 'intra-op threads, 0 = physical cores (default: the setting)', wholeNumber(0, 256))
    .option('--runs <n>', `measured runs per figure, its median and spread (default: ${DEFAULT_BENCH_RUNS})`, wholeNumber(1, 50))
    .option('--warmup <n>', `warm-up runs, not counted (default: ${DEFAULT_BENCH_WARMUP_RUNS})`, wholeNumber(0, 10))
    .option('--corpus <file>', `your own corpus: a text file, one text per line, blank lines skipped, at most ${MAX_USER_CORPUS_TEXTS} (default: the built-in Russian/English corpus)`)
    .option('--limit <n>', 'only the first N texts of the corpus', wholeNumber(1, MAX_USER_CORPUS_TEXTS))
    .option('--variant <v>', `ONNX variant: ${VARIANTS.join(', ')} (default: any, fp32 first)`, parseVariant)
    .option('--no-record', 'do not append the figures to the registry version’s metrics')
    .option('--json', 'print the whole result as JSON')
    .action(
      async (
        model: string,
        opts: { batch?: number[]; ep?: ExecutionProviderSetting; threads?: number; runs?: number; warmup?: number; corpus?: string; limit?: number; variant?: Variant; record: boolean },
        cmd: Command,
      ) => {
        const core = ctx.getCore();
        const params: BenchParamsInput = {
          model,
          variant: opts.variant,
          executionProvider: opts.ep,
          threads: opts.threads,
          batchSizes: opts.batch,
          runs: opts.runs,
          warmupRuns: opts.warmup,
          corpus: opts.corpus ? { kind: 'file', path: path.resolve(opts.corpus) } : undefined,
          limit: opts.limit,
          recordMetrics: opts.record,
        };
        const final = await followJob(core, await core.invoke('bench.run', params));
        jobOutcome(final);
        const [stored] = await core.invoke('bench.list', { jobId: final.id, limit: 1, includeSamples: true });
        if (!stored) throw new AppError('INTERNAL', `Benchmark job ${final.id} finished without a stored result.`);
        printResult(ctx.io, ctx.json(cmd), stored, describeResult);
      },
    );

  program
    .command('benchmarks')
    .description('Stored benchmark results, newest first')
    .argument('[model]', 'only this model (registry name, or the reference it was run with)')
    .option('--version <v>', 'only this version')
    .option('--limit <n>', 'at most this many', wholeNumber(1, 1000), 50)
    .option('--json', 'print JSON')
    .action(async (model: string | undefined, opts: { version?: string; limit: number }, cmd: Command) => {
      const list = await ctx.getCore().invoke('bench.list', { model, version: opts.version, limit: opts.limit });
      printResult(ctx.io, ctx.json(cmd), list, describeList);
    });

  program
    .command('bench-compare')
    .description('Compare results side by side (params, dims, max length, memory, speed) with deltas in % to the first; different machines are flagged')
    .argument('<results...>', 'result ids, or models as name, name@version (its newest result)')
    .option('--ep <provider>', 'for names: only results that ran on this provider')
    .option('--json', 'print JSON')
    .action(async (items: string[], opts: { ep?: string }, cmd: Command) => {
      const comparison = await ctx.getCore().invoke('bench.compare', { ...selection(items), executionProvider: opts.ep });
      printResult(ctx.io, ctx.json(cmd), comparison, describeComparison);
    });

  program
    .command('bench-export')
    .description('Export results as CSV (one row each) or JSON (everything, latency samples and machine included)')
    .argument('[results...]', 'result ids or models (default: every result)')
    .option('--format <f>', 'csv or json', (v: string) => {
      if (v !== 'csv' && v !== 'json') throw new InvalidArgumentError('must be csv or json');
      return v;
    })
    .option('--out <file>', 'write to this file (default: standard output)')
    .option('--json', 'print the export as a JSON object (filename, content type, content)')
    .action(async (items: string[], opts: { format?: 'csv' | 'json'; out?: string }, cmd: Command) => {
      const format = opts.format ?? (opts.out?.toLowerCase().endsWith('.csv') ? 'csv' : 'json');
      const exported = await ctx.getCore().invoke('bench.export', { ...selection(items), format });
      if (ctx.json(cmd)) return ctx.io.out(JSON.stringify(exported, null, 2));
      if (!opts.out) return ctx.io.out(exported.content);
      fs.writeFileSync(opts.out, exported.content);
      ctx.io.err(`Wrote ${exported.count} result(s) to ${opts.out}.`);
    });
}
