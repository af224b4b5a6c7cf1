import { z } from 'zod';
import { mutation, query } from './define';
import { VariantSchema } from './hub';
import { ExecutionProviderSchema, InferenceModelRefSchema, MAX_TEXT_CHARS } from './inference';
import { JobSchema } from './jobs';

export const DEFAULT_BENCH_BATCH_SIZES = [1, 8, 32, 128] as const;
export const DEFAULT_BENCH_RUNS = 5;
export const DEFAULT_BENCH_WARMUP_RUNS = 1;
export const MAX_BENCH_BATCH = 1024;
export const MAX_USER_CORPUS_TEXTS = 5000;

/** Texts sent inline travel with the job (in every progress event): a larger corpus goes as a file. */
export const MAX_INLINE_CORPUS_CHARS = 256 * 1024;

/**
 * The built-in corpus (resources/bench-corpus.json); texts the caller sends; or a text file on this machine, one
 * text per line (what the CLI's --corpus passes), read when the job starts.
 */
export const BenchCorpusInputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('builtin') }),
  z.object({
    kind: z.literal('texts'),
    /** Shown with the results. */
    name: z.string().trim().min(1).max(200),
    texts: z
      .array(z.string().max(MAX_TEXT_CHARS).refine((t) => t.trim().length > 0, 'is empty or only whitespace'))
      .min(1, 'must contain at least one text')
      .max(MAX_USER_CORPUS_TEXTS, `must contain at most ${MAX_USER_CORPUS_TEXTS} texts`)
      .refine((t) => t.reduce((n, x) => n + x.length, 0) <= MAX_INLINE_CORPUS_CHARS, `must be at most ${MAX_INLINE_CORPUS_CHARS / 1024} KiB of text in all; give a larger corpus as a file`),
  }),
  z.object({ kind: z.literal('file'), path: z.string().trim().min(1, 'must be a file path') }),
]);

export const BenchParamsSchema = z.object({
  model: InferenceModelRefSchema,
  variant: VariantSchema.optional(),
  /** Omitted: the executionProvider setting. */
  executionProvider: ExecutionProviderSchema.optional(),
  /** Intra-op threads, 0 = physical cores; omitted: the inferenceThreads setting. */
  threads: z.number().int().min(0).max(256).optional(),
  batchSizes: z
    .array(z.number().int().min(1).max(MAX_BENCH_BATCH))
    .min(1)
    .max(8)
    .default([...DEFAULT_BENCH_BATCH_SIZES])
    .transform((b) => [...new Set(b)].sort((x, y) => x - y)),
  /** Measured passes per figure: each figure is their median, with min and max as its spread. */
  runs: z.number().int().min(1).max(50).default(DEFAULT_BENCH_RUNS),
  /** Passes before measuring, not counted (session warm-up, memory arenas). */
  warmupRuns: z.number().int().min(0).max(10).default(DEFAULT_BENCH_WARMUP_RUNS),
  corpus: BenchCorpusInputSchema.default({ kind: 'builtin' }),
  /** Use only the first N texts of the corpus (quick runs). */
  limit: z.number().int().min(1).max(MAX_USER_CORPUS_TEXTS).optional(),
  /** Append the figures to the registry version's metrics (when the model is a registry version). */
  recordMetrics: z.boolean().default(true),
});
export type BenchParams = z.output<typeof BenchParamsSchema>;
export type BenchParamsInput = z.input<typeof BenchParamsSchema>;

/** One figure over the measured runs: the median, its spread (min, max) and every run's value. */
export const BenchStatSchema = z.object({
  median: z.number(),
  min: z.number(),
  max: z.number(),
  runs: z.array(z.number()),
});
export type BenchStat = z.infer<typeof BenchStatSchema>;

export const BenchMachineSchema = z.object({
  /** Hash of the hardware and OS family: results with the same id ran on comparable machines. */
  id: z.string(),
  hostname: z.string(),
  cpuModel: z.string(),
  physicalCores: z.number().int(),
  logicalCores: z.number().int(),
  totalRamBytes: z.number(),
  /** NVIDIA's from nvidia-smi, others from the OS (DRM and lspci, system_profiler, Win32_VideoController). */
  gpus: z.array(
    z.object({
      name: z.string(),
      /** null: not reported (a GPU sharing the system's RAM, or a tool that does not say). */
      memoryBytes: z.number().nullable(),
    }),
  ),
  os: z.object({ platform: z.string(), type: z.string(), release: z.string(), arch: z.string() }),
  nodeVersion: z.string(),
  appVersion: z.string(),
  onnxruntimeVersion: z.string(),
});
export type BenchMachineDTO = z.infer<typeof BenchMachineSchema>;

export const BenchThroughputSchema = z.object({
  batchSize: z.number().int(),
  textsPerSec: BenchStatSchema,
  tokensPerSec: BenchStatSchema,
});

export const BenchResultSchema = z.object({
  id: z.number().int(),
  jobId: z.number().int().nullable(),
  createdAt: z.string(),
  model: z.object({
    ref: z.string(),
    registryModel: z.string().nullable(),
    version: z.string().nullable(),
    modelKey: z.string(),
    variant: z.string(),
    onnxPath: z.string(),
    /** The ONNX file and its external data files. */
    sizeBytes: z.number(),
    /** Elements of the ONNX initializers (weights and biases), read from the file without loading it. */
    params: z.number(),
    dimension: z.number().int(),
    maxSeqLength: z.number().int(),
  }),
  /** What was asked for and what ran. */
  run: z.object({
    requestedProvider: ExecutionProviderSchema,
    executionProvider: z.string(),
    fallbackReason: z.string().nullable(),
    threads: z.number().int(),
    batchSizes: z.array(z.number().int()),
    runs: z.number().int(),
    warmupRuns: z.number().int(),
    durationMs: z.number(),
  }),
  corpus: z.object({
    name: z.string(),
    texts: z.number().int(),
    /** Tokens of one pass after truncation, special tokens included. */
    tokens: z.number().int(),
    truncated: z.number().int(),
    /** sha256 of the texts: results on different corpora are not comparable. */
    hash: z.string(),
  }),
  machine: BenchMachineSchema,
  load: z.object({
    /** The first call after unloading the model (worker running, files in the OS cache). */
    firstCallMs: z.number(),
    /** Session creation alone, as the worker measured it. */
    sessionMs: z.number(),
  }),
  /** One text per call: the latency a real-time caller sees, through the whole pipeline. */
  latency: z.object({
    p50: BenchStatSchema,
    p95: BenchStatSchema,
    p99: BenchStatSchema,
    mean: BenchStatSchema,
    /** Every measured call in ms (left out of lists unless asked for). */
    samples: z.array(z.number()),
  }),
  throughput: z.array(BenchThroughputSchema),
  memory: z.object({
    /** The process's RSS just before the benchmark loads the model. */
    rssBeforeBytes: z.number(),
    /** The whole process's peak RSS while it ran (the app, the server or the CLI included). */
    peakRssBytes: z.number(),
    /** Peak minus before: what loading and running the model added (results stored before it was kept: derived). */
    peakRssGrowthBytes: z.number(),
  }),
  /** The registry metrics row these figures were appended to, or why none was. */
  metrics: z.object({ recorded: z.boolean(), rowId: z.number().int().nullable(), note: z.string().nullable() }),
});
export type BenchResultDTO = z.infer<typeof BenchResultSchema>;

export const BenchCompareColumnSchema = z.object({
  id: z.number().int(),
  label: z.string(),
  registryModel: z.string().nullable(),
  version: z.string().nullable(),
  executionProvider: z.string(),
  threads: z.number().int(),
  machineId: z.string(),
  corpusHash: z.string(),
  createdAt: z.string(),
});

export const BenchCompareRowSchema = z.object({
  key: z.string(),
  label: z.string(),
  unit: z.string(),
  /** Which way is better; null for properties (dimension, max length) that are neither. */
  better: z.enum(['higher', 'lower']).nullable(),
  values: z.array(z.number().nullable()),
  /** Percent change against the first column (the baseline); null where either value is missing. */
  deltas: z.array(z.number().nullable()),
});

export const BenchComparisonSchema = z.object({
  columns: z.array(BenchCompareColumnSchema),
  rows: z.array(BenchCompareRowSchema),
  /** The results ran on different machines (or providers, thread counts, corpora): speed is not comparable. */
  crossMachine: z.boolean(),
  crossProvider: z.boolean(),
  crossCorpus: z.boolean(),
  notes: z.array(z.string()),
});
export type BenchComparisonDTO = z.infer<typeof BenchComparisonSchema>;

export const BenchCorpusInfoSchema = z.object({
  name: z.string(),
  about: z.string(),
  texts: z.number().int(),
  languages: z.record(z.string(), z.number().int()),
  words: z.object({ min: z.number().int(), median: z.number().int(), max: z.number().int() }),
  hash: z.string(),
});

const Selection = z.object({
  /** Results by id, in this order (the first is the baseline of a comparison). */
  ids: z.array(z.coerce.number().int().positive()).max(50).optional(),
  /** Or by model: `name` (newest result of any version), `name@version`, the reference a benchmark was run with, or `#id`. */
  refs: z.array(z.string().trim().min(1)).max(20).optional(),
  /** Only results that ran on this provider (cpu, webgpu…). */
  executionProvider: z.string().trim().min(1).optional(),
});

export const benchContract = {
  'bench.run': mutation('Benchmark a model version as a job: load time, latency, throughput per batch size, memory; results are stored and recorded as registry metrics', BenchParamsSchema, JobSchema),
  'bench.list': query(
    'Stored benchmark results, newest first',
    z.object({
      model: z.string().trim().min(1).optional(),
      version: z.string().trim().min(1).optional(),
      /** The result of one bench job. */
      jobId: z.coerce.number().int().positive().optional(),
      limit: z.number().int().min(1).max(1000).default(100),
      /** Include every latency sample (they are left out by default). */
      includeSamples: z.boolean().default(false),
    }),
    z.array(BenchResultSchema),
  ),
  'bench.get': query('One benchmark result with every latency sample', z.object({ id: z.coerce.number().int().positive() }), BenchResultSchema),
  'bench.compare': query('Compare results side by side (seed 002): params, dims, max length, memory, speed, with deltas in % to the first', Selection, BenchComparisonSchema),
  'bench.export': query(
    'Results as CSV (one row per result) or JSON (everything, samples included)',
    Selection.extend({ format: z.enum(['csv', 'json']).default('json') }),
    z.object({ filename: z.string(), contentType: z.string(), content: z.string(), count: z.number().int() }),
  ),
  'bench.delete': mutation('Delete a stored benchmark result (registry metrics rows stay)', z.object({ id: z.coerce.number().int().positive() }), z.object({ deleted: z.number().int() })),
  'bench.corpus': query('The built-in benchmark corpus', z.object({}), BenchCorpusInfoSchema),
  'bench.machine': query('This machine as benchmarks record it: its id tells results measured elsewhere', z.object({}), BenchMachineSchema),
};
