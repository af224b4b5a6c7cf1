// A child process of bench/embed-bench.ts running one of the three pipelines compared, so each has its own peak
// RSS and onnxruntime thread pool, and an idle one costs the others nothing (thread spinning is off in all three).
// Commands arrive over IPC one at a time; times and CPU times are taken here, around the work alone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { createCore as CreateCore } from '../../src/main/core/create-core';
import { BatchEncoder } from '../../src/main/core/inference/batch-encoder';
import { sessionOptions } from '../../src/main/core/inference/execution-providers';
import { BULK_NICE } from '../../src/main/core/inference/lane-scheduler';
import { readModelConfig } from '../../src/main/core/inference/model-config';
import { normalizeRows, poolTokens } from '../../src/main/core/inference/pooling';

export type RunnerKind = 'ours' | 'bare' | 'transformers' | 'probe';

export type RunnerCommand =
  | { cmd: 'setup'; folder: string; threads: number; texts: string[] }
  | { cmd: 'warm'; batch: number }
  | { cmd: 'pass'; batch: number; variant?: 'fp32' | 'int8' }
  | { cmd: 'vectors'; variant?: 'fp32' | 'int8' }
  | { cmd: 'rss' }
  | { cmd: 'rtIdle'; texts: string[]; gapMs: number }
  /** Batch-1 latency of bare and transformers.js, texts one at a time with think time (ours: rtIdle). */
  | { cmd: 'latency'; texts: string[]; gapMs: number }
  | { cmd: 'bulkSolo'; texts: string[]; batch: number }
  | { cmd: 'bulkWithRt'; texts: string[]; batch: number; rtTexts: string[]; gapMs: number }
  | { cmd: 'idleLoop'; ms: number }
  | { cmd: 'loopStart' }
  | { cmd: 'loopStop' };

export interface PassResult {
  seconds: number;
  cpuSeconds: number;
  /** Main-thread event-loop delay during the pass (ours only; the others run onnxruntime on their main thread). */
  loopP99Ms: number | null;
  /** Tokens fed to the model, padding included (bare and transformers.js; ours does not expose its batches). */
  paddedTokens: number | null;
  /** Ours: milliseconds its worker spent in session.run (the rest of the wall time is the pipeline's own). */
  inferenceMs: number | null;
}

export interface BulkResult extends PassResult {
  rtLatenciesMs: number[];
}

const kind = process.argv[2] as RunnerKind;
/** Ours from another checkout (BENCH_COMPARE_SRC): its core and inference worker, for before/after figures. */
const srcRoot = process.argv[3] ?? fileURLToPath(new URL('../..', import.meta.url));

interface Pipeline {
  warm(batch: number): Promise<void>;
  /** Runs the corpus once; returns tokens fed (padding included) and time in session.run, where known. */
  pass(batch: number, variant: 'fp32' | 'int8'): Promise<{ paddedTokens: number | null; inferenceMs: number | null }>;
  /** Vectors of every text in corpus order, untimed. */
  vectors(variant: 'fp32' | 'int8'): Promise<Float32Array>;
  /** Milliseconds per text, each embedded alone, `gapMs` apart (bare: tokenised before its clock starts). */
  latencies?(texts: string[], gapMs: number): Promise<number[]>;
}

let pipeline: Pipeline | null = null;
let texts: string[] = [];
let core: ReturnType<typeof CreateCore> | null = null;
let folder = '';

/** Our pipeline, as the app runs it: a core, its embedding service, the bulk lane's worker. */
async function oursPipeline(): Promise<Pipeline> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-bench-embed-'));
  process.on('exit', () => fs.rmSync(home, { recursive: true, force: true }));
  const { createCore } = (await import(pathToFileURL(path.join(srcRoot, 'src/main/core/create-core.ts')).href)) as { createCore: typeof CreateCore };
  core = createCore({ surface: 'test', env: { MODEL_CENTER_HOME: home, HF_HUB_CACHE: path.join(home, 'hub'), HF_HUB_OFFLINE: '1' } });
  const c = core;
  return {
    async warm(batch) {
      await c.embeddings.embedWith(folder, longest(batch), { lane: 'bulk', cache: false, batchSize: batch });
    },
    async pass(batch, variant) {
      const r = await c.embeddings.embedWith(folder, texts, { lane: 'bulk', cache: false, batchSize: batch, variant });
      return { paddedTokens: null, inferenceMs: r.timings.inferenceMs };
    },
    async vectors(variant) {
      return (await c.embeddings.embedWith(folder, texts, { lane: 'bulk', cache: false, batchSize: 32, variant })).vectors;
    },
  };
}

/** The limit: one session in this thread, the same options, fed tensors built before the clock starts. */
async function barePipeline(threads: number): Promise<Pipeline> {
  const config = readModelConfig(folder);
  const encoder = new BatchEncoder(folder, config.maxSeqLength);
  const ids = texts.map((t) => encoder.encodeOne(t).ids);
  // Sorted by token count, longest first: the least padding any batching of these texts can have.
  const order = ids.map((_, i) => i).sort((a, b) => ids[b]!.length - ids[a]!.length);
  const sessions = new Map<string, ort.InferenceSession>();
  const session = async (variant: string): Promise<ort.InferenceSession> => {
    let s = sessions.get(variant);
    if (!s) {
      s = await ort.InferenceSession.create(path.join(folder, variant === 'int8' ? 'onnx/model_quantized.onnx' : 'onnx/model.onnx'), sessionOptions('cpu', threads));
      sessions.set(variant, s);
    }
    return s;
  };
  const feeds = new Map<number, { feed: Record<string, ort.Tensor>; rows: number[]; seq: number }[]>();
  const batches = (batch: number): { feed: Record<string, ort.Tensor>; rows: number[]; seq: number }[] => {
    let list = feeds.get(batch);
    if (list) return list;
    list = [];
    for (let i = 0; i < order.length; i += batch) {
      const rows = order.slice(i, i + batch);
      const seq = Math.max(...rows.map((r) => ids[r]!.length));
      const inputIds = new BigInt64Array(rows.length * seq);
      const mask = new BigInt64Array(rows.length * seq);
      rows.forEach((r, b) => ids[r]!.forEach((id, k) => ((inputIds[b * seq + k] = BigInt(id)), (mask[b * seq + k] = 1n))));
      const dims = [rows.length, seq];
      list.push({
        rows,
        seq,
        feed: {
          input_ids: new ort.Tensor('int64', inputIds, dims),
          attention_mask: new ort.Tensor('int64', mask, dims),
          token_type_ids: new ort.Tensor('int64', new BigInt64Array(rows.length * seq), dims),
        },
      });
    }
    feeds.set(batch, list);
    return list;
  };
  return {
    async warm(batch) {
      const s = await session('fp32');
      await s.run(batches(batch)[0]!.feed, ['last_hidden_state']);
    },
    async pass(batch, variant) {
      const s = await session(variant);
      const list = batches(batch);
      for (const b of list) (await s.run(b.feed, ['last_hidden_state'])).last_hidden_state!.dispose();
      return { paddedTokens: list.reduce((sum, b) => sum + b.rows.length * b.seq, 0), inferenceMs: null };
    },
    async latencies(list, gapMs) {
      const s = await session('fp32');
      const out: number[] = [];
      for (const text of list) {
        const ids = encoder.encodeOne(text).ids;
        const dims = [1, ids.length];
        const feed = {
          input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), dims),
          attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), dims),
          token_type_ids: new ort.Tensor('int64', new BigInt64Array(ids.length), dims),
        };
        await sleep(gapMs);
        const t0 = performance.now();
        (await s.run(feed, ['last_hidden_state'])).last_hidden_state!.dispose();
        out.push(performance.now() - t0);
      }
      return out;
    },
    async vectors(variant) {
      const s = await session(variant);
      let out = new Float32Array(0);
      for (const b of batches(32)) {
        const hidden = (await s.run(b.feed, ['last_hidden_state'])).last_hidden_state!;
        const d = Number(hidden.dims[2]);
        if (!out.length) out = new Float32Array(texts.length * d);
        const pooled = poolTokens(hidden.data as Float32Array, b.feed.attention_mask!.data as BigInt64Array, b.rows.map((r) => ids[r]!.length), b.rows.length, b.seq, d, config.pooling);
        if (config.normalize) normalizeRows(pooled, d);
        b.rows.forEach((r, k) => out.set(pooled.subarray(k * d, (k + 1) * d), r * d));
      }
      return out;
    },
  };
}

/** @huggingface/transformers' feature-extraction pipeline on the same folder, offline, in corpus order. */
async function transformersPipeline(threads: number): Promise<Pipeline> {
  const { env, pipeline: make } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${path.dirname(folder)}${path.sep}`;
  env.cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-bench-tjs-'));
  const extractor = await make('feature-extraction', path.basename(folder), {
    local_files_only: true,
    device: 'cpu',
    dtype: 'fp32',
    // The session options our sessions use (threads, no spinning, full graph optimisation): passed through to
    // onnxruntime-node's InferenceSession.create by transformers.js (src/models/session.js).
    session_options: sessionOptions('cpu', threads),
  });
  // transformers.js truncates to tokenizer_config's model_max_length (512); sentence-transformers, and we, to
  // sentence_bert_config's max_seq_length (256). Set to the same, so all three compute the same vectors.
  const tokenizer = extractor.tokenizer as unknown as { _tokenizerConfig: { model_max_length?: number } };
  tokenizer._tokenizerConfig.model_max_length = readModelConfig(folder).maxSeqLength;
  const run = async (list: string[]): Promise<Float32Array> => (await extractor(list, { pooling: 'mean', normalize: true })).data as Float32Array;
  const padded = (batch: number): number => {
    let sum = 0;
    for (let i = 0; i < texts.length; i += batch) {
      const slice = texts.slice(i, i + batch);
      const lens = slice.map((t) => Math.min(tokenizer._tokenizerConfig.model_max_length!, extractor.tokenizer(t).input_ids.dims[1] as number));
      sum += Math.max(...lens) * slice.length;
    }
    return sum;
  };
  const paddedByBatch = new Map<number, number>();
  return {
    async warm(batch) {
      await run(longest(batch));
      paddedByBatch.set(batch, padded(batch));
    },
    async latencies(list, gapMs) {
      const out: number[] = [];
      for (const text of list) {
        await sleep(gapMs);
        const t0 = performance.now();
        await run([text]);
        out.push(performance.now() - t0);
      }
      return out;
    },
    async pass(batch) {
      for (let i = 0; i < texts.length; i += batch) await run(texts.slice(i, i + batch));
      return { paddedTokens: paddedByBatch.get(batch) ?? null, inferenceMs: null };
    },
    async vectors() {
      const parts: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += 32) parts.push(await run(texts.slice(i, i + 32)));
      const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
      let o = 0;
      for (const p of parts) out.set(p, (o += p.length) - p.length);
      return out;
    },
  };
}

/** The `batch` longest texts: a warm-up that makes onnxruntime allocate for the largest batch it will see. */
function longest(batch: number): string[] {
  return [...texts].sort((a, b) => b.length - a.length).slice(0, batch);
}

async function timed<T>(work: () => Promise<T>, loop = false): Promise<{ value: T; seconds: number; cpuSeconds: number; loopP99Ms: number | null }> {
  const histogram = loop ? monitorEventLoopDelay({ resolution: 5 }) : null;
  histogram?.enable();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await work();
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  histogram?.disable();
  return { value, seconds, cpuSeconds: (c.user + c.system) / 1e6, loopP99Ms: histogram ? histogram.percentile(99) / 1e6 : null };
}

function lowerThreadPriority(nice: number): void {
  try {
    os.setPriority(process.pid, nice); // Linux: the main thread only; threads it starts later inherit it
  } catch {
    /* not permitted: leave it */
  }
}

let probe: ReturnType<typeof monitorEventLoopDelay> | null = null;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function rtOnce(text: string): Promise<number> {
  const t0 = performance.now();
  await core!.embeddings.embedWith(folder, [text], { lane: 'rt', cache: false });
  return performance.now() - t0;
}

async function handle(msg: RunnerCommand): Promise<unknown> {
  switch (msg.cmd) {
    case 'setup': {
      folder = msg.folder;
      texts = msg.texts;
      // The baselines are bulk work too: their onnxruntime threads (created by this thread, inheriting its
      // niceness) run at the priority of our bulk worker's, so external load on the machine weighs on all alike.
      if (kind !== 'ours') lowerThreadPriority(BULK_NICE);
      pipeline = kind === 'ours' ? await oursPipeline() : kind === 'bare' ? await barePipeline(msg.threads) : await transformersPipeline(msg.threads);
      if (core) await core.invoke('settings.update', { inferenceThreads: msg.threads });
      return { ok: true };
    }
    case 'warm':
      await pipeline!.warm(msg.batch);
      return { ok: true };
    case 'pass': {
      const r = await timed(() => pipeline!.pass(msg.batch, msg.variant ?? 'fp32'), kind === 'ours');
      return { seconds: r.seconds, cpuSeconds: r.cpuSeconds, loopP99Ms: r.loopP99Ms, ...r.value } satisfies PassResult;
    }
    case 'vectors':
      return pipeline!.vectors(msg.variant ?? 'fp32');
    case 'rss':
      return { maxRssMB: process.resourceUsage().maxRSS / 1024 };
    case 'latency':
      return pipeline!.latencies!(msg.texts, msg.gapMs);
    case 'rtIdle': {
      const out: number[] = [];
      for (const t of msg.texts) {
        await sleep(msg.gapMs);
        out.push(await rtOnce(t));
      }
      return out;
    }
    case 'bulkSolo': {
      const r = await timed(() => core!.embeddings.embedWith(folder, msg.texts, { lane: 'bulk', cache: false, batchSize: msg.batch }), true);
      return { seconds: r.seconds, cpuSeconds: r.cpuSeconds, loopP99Ms: r.loopP99Ms, paddedTokens: null, inferenceMs: r.value.timings.inferenceMs, rtLatenciesMs: [] } satisfies BulkResult;
    }
    case 'bulkWithRt': {
      const latencies: number[] = [];
      const r = await timed(async () => {
        let done = false;
        const bulk = core!.embeddings.embedWith(folder, msg.texts, { lane: 'bulk', cache: false, batchSize: msg.batch }).finally(() => (done = true));
        // Closed loop with think time: a user searching while an indexing job runs.
        for (let i = 0; !done; i++) {
          await sleep(msg.gapMs);
          if (!done) latencies.push(await rtOnce(msg.rtTexts[i % msg.rtTexts.length]!));
        }
        return bulk;
      }, true);
      return { seconds: r.seconds, cpuSeconds: r.cpuSeconds, loopP99Ms: r.loopP99Ms, paddedTokens: null, inferenceMs: r.value.timings.inferenceMs, rtLatenciesMs: latencies } satisfies BulkResult;
    }
    case 'idleLoop': {
      const r = await timed(() => sleep(msg.ms), true);
      return { p99Ms: r.loopP99Ms };
    }
    // A bystander: this process's own event-loop delay while another one works (what the machine alone causes).
    case 'loopStart':
      probe = monitorEventLoopDelay({ resolution: 5 });
      probe.enable();
      return { ok: true };
    case 'loopStop':
      probe?.disable();
      return { p99Ms: probe ? probe.percentile(99) / 1e6 : null };
  }
}

process.on('message', (raw: { id: number; msg: RunnerCommand }) => {
  handle(raw.msg).then(
    (result) => process.send!({ id: raw.id, result }),
    (err: unknown) => process.send!({ id: raw.id, error: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err) }),
  );
});
process.on('disconnect', () => {
  void core?.close().finally(() => process.exit(0));
  if (!core) process.exit(0);
});
