import { BenchParamsSchema, type BenchParams, type BenchResultDTO } from '../../../shared/contract';
import { benchMetricsSource, registryMetrics } from '../../../shared/bench-figures';
import type { CoreServices } from '../core-services';
import type { Handlers } from '../handlers';
import type { EmbeddingService, SessionOverrides } from '../inference/embedding-service';
import type { ResolvedModel } from '../inference/model-resolver';
import type { JobContext, JobKind } from '../jobs/job-kind';
import { benchCorpus, type Corpus } from './bench-corpus';
import { mean, quantile, sortedCopy, stat } from './bench-stats';
import type { BenchStore, NewBenchResult } from './bench-store';
import { benchMachine } from './machine-info';
import { readOnnxWeights } from './onnx-params';

export interface BenchDeps {
  services: CoreServices;
  embeddings: EmbeddingService;
  store: BenchStore;
  /** The registry's recordMetrics handler, so figures reach MLflow the way every other write does. */
  handlers: () => Handlers;
}

export interface BenchJobResult {
  resultId: number;
  executionProvider: string;
  throughput: Record<string, number>;
  latencyP50Ms: number;
}

const RSS_SAMPLE_MS = 20;

/** Process RSS, sampled while the benchmark runs: the inference workers are threads of this process. */
function rssSampler(): { peak(): number; stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), RSS_SAMPLE_MS);
  timer.unref();
  const sample = (): number => (peak = Math.max(peak, process.memoryUsage.rss()));
  return {
    peak: sample,
    stop: () => {
      clearInterval(timer);
      return sample();
    },
  };
}

function memoryFigures(rssBeforeBytes: number, peakRssBytes: number): BenchResultDTO['memory'] {
  return { rssBeforeBytes, peakRssBytes, peakRssGrowthBytes: Math.max(0, peakRssBytes - rssBeforeBytes) };
}

/** Texts longest first, as sentence-transformers' encode orders them before batching (each batch pads to its own). */
function lengthSorted(texts: readonly string[]): string[] {
  return [...texts].sort((a, b) => b.length - a.length);
}

class Bench {
  private done = 0;
  private readonly total: number;
  private readonly overrides: SessionOverrides;

  constructor(
    private readonly deps: BenchDeps,
    private readonly ctx: JobContext<BenchParams, never>,
    private readonly model: ResolvedModel,
    private readonly corpus: Corpus,
  ) {
    const p = ctx.params;
    this.overrides = { executionProvider: p.executionProvider, threads: p.threads };
    const passes = (p.warmupRuns + p.runs) * corpus.texts.length;
    // Load, the batch-1 passes, and one set of passes per other batch size.
    this.total = 2 + passes * (1 + p.batchSizes.filter((b) => b !== 1).length);
  }

  private check(): void {
    if (this.ctx.signal.aborted) throw this.ctx.signal.reason;
  }

  private progress(phase: string, message: string, count = 1): void {
    this.done += count;
    this.ctx.report({ progress: (this.done / this.total) * 99, phase, message });
  }

  async embed(texts: string[], batchSize: number) {
    this.check();
    // rt lane, one call per batch: exact batch sizes (the bulk lane shrinks batches while real-time work is about)
    // and other callers' real-time requests still get their turn between our batches.
    return this.deps.embeddings.embedWith(this.model, texts, { ...this.overrides, lane: 'rt', cache: false, batchSize });
  }

  /**
   * Cold start: a first call loads the worker and warms the OS file cache; then unload and time the next first call.
   * The RSS before is read before the first load, after letting go of a session of the same files and options the
   * app already had, so that the peak RSS growth counts the model's own memory.
   */
  async load() {
    const probe = this.corpus.texts[0]!;
    const key = this.deps.embeddings.spec(this.model, this.overrides).modelKey;
    await this.deps.embeddings.unload(key);
    const rssBeforeBytes = process.memoryUsage.rss();
    this.ctx.report({ phase: 'load', message: 'loading the model' });
    await this.embed([probe], 1);
    await this.deps.embeddings.unload(key);
    const t0 = performance.now();
    const first = await this.embed([probe], 1);
    const firstCallMs = performance.now() - t0;
    const session = this.deps.embeddings.status().sessions.find((s) => s.modelKey === key);
    this.progress('load', `loaded in ${firstCallMs.toFixed(0)} ms on ${first.executionProvider}`, 2);
    return { first, firstCallMs, sessionMs: session?.loadMs ?? firstCallMs, sessionKey: key, rssBeforeBytes };
  }

  /** Batch 1, one text per call: the latency samples, and the batch-1 throughput. */
  async latency() {
    const { runs, warmupRuns } = this.ctx.params;
    const perRun: number[][] = [];
    const passMs: number[] = [];
    let tokens = 0;
    let truncated = 0;
    for (let run = -warmupRuns; run < runs; run++) {
      const samples: number[] = [];
      const passStart = performance.now();
      let passTokens = 0;
      let passTruncated = 0;
      for (const text of this.corpus.texts) {
        const t0 = performance.now();
        const r = await this.embed([text], 1);
        samples.push(performance.now() - t0);
        passTokens += r.tokens[0] ?? 0;
        passTruncated += r.truncated.length;
        this.progress('latency', `batch 1: ${run < 0 ? 'warm-up' : `run ${run + 1} of ${runs}`}`);
      }
      if (run < 0) continue;
      passMs.push(performance.now() - passStart);
      perRun.push(samples);
      tokens = passTokens;
      truncated = passTruncated;
    }
    const pick = (q: number) => stat(perRun.map((s) => quantile(sortedCopy(s), q)));
    return {
      latency: { p50: pick(0.5), p95: pick(0.95), p99: pick(0.99), mean: stat(perRun.map(mean)), samples: perRun.flat().map((x) => Math.round(x * 1000) / 1000) },
      passMs,
      tokens,
      truncated,
    };
  }

  async throughput(batchSize: number): Promise<number[]> {
    const { runs, warmupRuns } = this.ctx.params;
    const sorted = lengthSorted(this.corpus.texts);
    const passMs: number[] = [];
    for (let run = -warmupRuns; run < runs; run++) {
      const t0 = performance.now();
      for (let i = 0; i < sorted.length; i += batchSize) {
        const chunk = sorted.slice(i, i + batchSize);
        await this.embed(chunk, batchSize);
        this.progress(`batch ${batchSize}`, `batch ${batchSize}: ${run < 0 ? 'warm-up' : `run ${run + 1} of ${runs}`}`, chunk.length);
      }
      if (run >= 0) passMs.push(performance.now() - t0);
    }
    return passMs;
  }
}

async function runBenchmark(deps: BenchDeps, ctx: JobContext<BenchParams, never>): Promise<BenchJobResult> {
  const started = performance.now();
  const rss = rssSampler();
  try {
    const p = ctx.params;
    ctx.report({ progress: 0, phase: 'prepare', message: 'resolving the model' });
    const model = await deps.embeddings.resolve(p.model, p.variant);
    const corpus = benchCorpus(p);
    const weights = readOnnxWeights(model.onnxFile);
    const machine = await benchMachine(deps.services.env);
    const spec = deps.embeddings.spec(model, { executionProvider: p.executionProvider, threads: p.threads });
    const bench = new Bench(deps, ctx, model, corpus);

    const load = await bench.load();
    const lat = await bench.latency();
    const perSecond = (count: number, ms: number[]) => stat(ms.map((t) => (count * 1000) / t));
    const throughput: BenchResultDTO['throughput'] = [];
    for (const b of p.batchSizes) {
      const passMs = b === 1 ? lat.passMs : await bench.throughput(b);
      throughput.push({ batchSize: b, textsPerSec: perSecond(corpus.texts.length, passMs), tokensPerSec: perSecond(lat.tokens, passMs) });
    }
    // Only a session the benchmark made for itself is let go; the app's own session (same options) stays loaded.
    if (load.sessionKey !== model.modelKey) await deps.embeddings.unload(load.sessionKey);

    const result: NewBenchResult = {
      jobId: ctx.jobId,
      model: {
        ref: model.ref,
        registryModel: model.registryModel,
        version: model.version,
        modelKey: model.modelKey,
        variant: model.variant,
        onnxPath: model.onnxPath,
        sizeBytes: weights.sizeBytes,
        params: weights.params,
        dimension: load.first.dimension,
        maxSeqLength: model.config.maxSeqLength,
      },
      run: {
        requestedProvider: spec.executionProvider,
        executionProvider: load.first.executionProvider,
        fallbackReason: load.first.fallbackReason,
        threads: spec.threads,
        batchSizes: p.batchSizes,
        runs: p.runs,
        warmupRuns: p.warmupRuns,
        durationMs: Math.round(performance.now() - started),
      },
      corpus: { name: corpus.name, texts: corpus.texts.length, tokens: lat.tokens, truncated: lat.truncated, hash: corpus.hash },
      machine,
      load: { firstCallMs: Math.round(load.firstCallMs * 1000) / 1000, sessionMs: Math.round(load.sessionMs * 1000) / 1000 },
      latency: lat.latency,
      throughput,
      memory: memoryFigures(load.rssBeforeBytes, rss.stop()),
      metrics: { recorded: false, rowId: null, note: null },
    };
    ctx.report({ progress: 99, phase: 'saving', message: 'storing the results' });
    result.metrics = await recordInRegistry(deps, ctx, result);
    const stored = deps.store.insert(result);
    return {
      resultId: stored.id,
      executionProvider: stored.run.executionProvider,
      throughput: Object.fromEntries(throughput.map((t) => [`b${t.batchSize}`, Math.round(t.textsPerSec.median * 10) / 10])),
      latencyP50Ms: Math.round(stored.latency.p50.median * 1000) / 1000,
    };
  } finally {
    rss.stop();
  }
}

/** Appends the headline figures to the version's metrics history; a model outside the registry has none. */
async function recordInRegistry(deps: BenchDeps, ctx: JobContext<BenchParams, never>, result: NewBenchResult): Promise<NewBenchResult['metrics']> {
  const { registryModel, version } = result.model;
  if (!ctx.params.recordMetrics) return { recorded: false, rowId: null, note: 'not recorded: recordMetrics was off' };
  if (!registryModel || !version) return { recorded: false, rowId: null, note: 'not recorded: the model is not a registry version (a folder or a Hub reference)' };
  const { run, machine } = result;
  const source = benchMetricsSource({ jobId: ctx.jobId, executionProvider: run.executionProvider, threads: run.threads, machineId: machine.id });
  try {
    const row = await deps.handlers()['registry.recordMetrics']({ model: registryModel, version, metrics: registryMetrics({ ...result, id: 0, createdAt: '' }), source });
    return { recorded: true, rowId: row.id, note: null };
  } catch (err) {
    ctx.log.warn(`benchmark metrics not recorded for ${registryModel}@${version}: ${(err as Error).message}`);
    return { recorded: false, rowId: null, note: `not recorded: ${(err as Error).message}` };
  }
}

export function createBenchJob(deps: BenchDeps): JobKind<BenchParams, never, BenchJobResult> {
  return {
    kind: 'bench',
    paramsSchema: BenchParamsSchema,
    resumable: false,
    // Two benchmarks at once would measure each other.
    concurrency: 1,
    title: (p) => `Benchmark ${p.model}${p.executionProvider ? ` on ${p.executionProvider}` : ''}${p.threads !== undefined ? `, ${p.threads || 'all'} threads` : ''}`,
    run: (ctx) => runBenchmark(deps, ctx),
  };
}
