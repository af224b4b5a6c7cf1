// npm run bench:embed — sentence embedding on CPU with the MiniLM-L6-shaped generated model, side by side in one run:
//   (a) our pipeline: a core's embedding service, bulk lane, cache off (tokeniser, worker, length-sorted batches,
//       pooling, normalisation, vectors back on the main thread);
//   (b) the limit: a bare onnxruntime-node session in its process's main thread with the same session options,
//       fed tensors tokenised before the clock starts, in token-length-sorted batches;
//   (c) @huggingface/transformers' feature-extraction pipeline on the same folder (offline, mean pooling,
//       normalize), in corpus order, batches of B.
// Each runs in a process of its own (bench/support/embed-runner.ts), passes interleaved, so the load of this shared
// machine falls on all three alike. Batch-1 latency (p50/p95) of all three, texts one at a time. Then, on ours:
// real-time latency idle and under a bulk job, the bulk job's throughput with and without real-time traffic,
// main-thread event-loop delay, and int8 against fp32.
//
// Env: BENCH_THREADS (intra-op threads; default physical cores), BENCH_BATCHES (default 1,8,32,128),
// BENCH_REPEATS (default 3, at least 3), BENCH_RT_GAP_MS (think time between real-time requests, default 200),
// BENCH_QUICK=1 (every 5th corpus text, batches 1,32, fewer real-time samples), BENCH_COMPARE_SRC=<another checkout>
// (adds its pipeline as "ours@base", run the same way: before/after figures for a change, measured side by side).
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { physicalCores } from '../src/main/core/inference/execution-providers';
import { BULK_NICE } from '../src/main/core/inference/lane-scheduler';
import { ensureBenchModel, loadBenchCorpus } from './support/bench-model';
import type { BulkResult, PassResult, RunnerCommand, RunnerKind } from './support/embed-runner';

const QUICK = process.env.BENCH_QUICK === '1';
const THREADS = Number(process.env.BENCH_THREADS) || physicalCores();
const BATCHES = (process.env.BENCH_BATCHES ?? (QUICK ? '1,32' : '1,8,32,128')).split(',').map(Number);
const REPEATS = Math.max(3, Number(process.env.BENCH_REPEATS ?? 3));
const RT_GAP_MS = Number(process.env.BENCH_RT_GAP_MS ?? 200);
const RT_SAMPLES = QUICK ? 20 : 60;
const BULK_BATCH = 32;
const COMPARE_SRC = process.env.BENCH_COMPARE_SRC;

const log = (line: string): void => console.log(`· ${line}`);

class Runner {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  constructor(
    readonly kind: RunnerKind,
    readonly label: string = kind,
    srcRoot?: string,
  ) {
    this.child = fork(fileURLToPath(new URL('./support/embed-runner.ts', import.meta.url)), srcRoot ? [kind, srcRoot] : [kind], {
      execArgv: ['--import', 'tsx'],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(`${label}: ${m.error}`));
      else p?.resolve(m.result);
    });
    this.child.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`${label} runner exited with ${code}`));
      this.pending.clear();
    });
  }

  call<T>(msg: RunnerCommand): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, msg });
    });
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
const median = (xs: number[]): number => {
  const s = sorted(xs);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
/** Nearest-rank percentile. */
const percentile = (xs: number[], p: number): number => sorted(xs)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)]!;
const spread = (xs: number[], digits: number): string => `${median(xs).toFixed(digits)} [${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}]`;
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');

function cosines(a: Float32Array, b: Float32Array, dim: number): number[] {
  const out: number[] = [];
  for (let o = 0; o < a.length; o += dim) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let d = 0; d < dim; d++) {
      dot += a[o + d]! * b[o + d]!;
      na += a[o + d]! ** 2;
      nb += b[o + d]! ** 2;
    }
    out.push(dot / Math.sqrt(na * nb));
  }
  return out;
}

interface Scenario {
  rtIdle: number[][];
  solo: BulkResult[];
  withRt: BulkResult[];
  /** Event-loop p99 of a bystander process during each bulk job (solo, then with RT). */
  bystander: number[];
}

async function main(): Promise<void> {
  const folder = ensureBenchModel(log);
  const corpus = loadBenchCorpus();
  const items = QUICK ? corpus.texts.filter((_, i) => i % 5 === 0) : corpus.texts;
  const texts = items.map((t) => t.text);
  // Real-time traffic is what a user types: the corpus's queries and single sentences, in corpus order.
  const rtTexts = items.filter((t) => t.kind === 'query' || t.kind === 'sentence').map((t) => t.text);
  const words = sorted(texts.map((t) => t.split(/\s+/).length));

  const ours = new Runner('ours');
  const base = COMPARE_SRC ? new Runner('ours', 'ours@base', path.resolve(COMPARE_SRC)) : null;
  const bare = new Runner('bare');
  const tjs = new Runner('transformers', 'transformers.js');
  const probe = new Runner('probe');
  const oursLike = base ? [ours, base] : [ours];
  const pipelines = [...oursLike, bare, tjs];
  try {
    for (const r of pipelines) await r.call({ cmd: 'setup', folder, threads: THREADS, texts });
    log(`warm-up (the longest B texts once per pipeline and batch size, plus the real-time lane)`);
    for (const b of BATCHES) for (const r of pipelines) await r.call({ cmd: 'warm', batch: b });
    for (const r of oursLike) await r.call({ cmd: 'rtIdle', texts: rtTexts.slice(0, 5), gapMs: 0 });

    // Throughput: for each repeat and batch size, the passes back to back, their order rotating.
    const passes = new Map<string, Map<number, PassResult[]>>(pipelines.map((r) => [r.label, new Map()]));
    const got = (label: string, b: number): PassResult[] => passes.get(label)!.get(b)!;
    for (let rep = 0; rep < REPEATS; rep++) {
      for (const b of BATCHES) {
        const k = rep % pipelines.length;
        const line: string[] = [];
        for (const r of [...pipelines.slice(k), ...pipelines.slice(0, k)]) {
          const res = await r.call<PassResult>({ cmd: 'pass', batch: b });
          const m = passes.get(r.label)!;
          m.set(b, [...(m.get(b) ?? []), res]);
          line.push(`${r.label} ${(texts.length / res.seconds).toFixed(1)}`);
        }
        log(`repeat ${rep + 1}/${REPEATS}, batch ${b}: ${line.join(', ')} texts/s`);
      }
    }
    const rss = new Map(await Promise.all(pipelines.map(async (r) => [r.label, (await r.call<{ maxRssMB: number }>({ cmd: 'rss' })).maxRssMB] as const)));
    const vec = new Map(await Promise.all(pipelines.map(async (r) => [r.label, await r.call<Float32Array>({ cmd: 'vectors' })] as const)));
    const dim = vec.get('ours')!.length / texts.length;
    // Batch-1 latency of the baselines, texts one at a time with the real-time lane's think time (ours: its idle
    // real-time figures below, measured the same way).
    const baselineLatency = new Map<string, number[][]>([bare, tjs].map((r) => [r.label, []]));
    for (let rep = 0; rep < REPEATS; rep++) {
      for (const r of rep % 2 ? [tjs, bare] : [bare, tjs]) baselineLatency.get(r.label)!.push(await r.call<number[]>({ cmd: 'latency', texts: rtTexts.slice(0, RT_SAMPLES), gapMs: RT_GAP_MS }));
    }
    bare.close();
    tjs.close();

    // Real-time lane: idle, and while a bulk job keeps the bulk worker busy; the bulk job alone and with RT traffic.
    const scenarios = new Map<string, Scenario>(oursLike.map((r) => [r.label, { rtIdle: [], solo: [], withRt: [], bystander: [] }]));
    for (let rep = 0; rep < REPEATS; rep++) {
      for (const r of rep % 2 ? [...oursLike].reverse() : oursLike) {
        const sc = scenarios.get(r.label)!;
        sc.rtIdle.push(await r.call<number[]>({ cmd: 'rtIdle', texts: rtTexts.slice(0, RT_SAMPLES), gapMs: RT_GAP_MS }));
        const watched = async <T>(work: Promise<T>): Promise<T> => {
          await probe.call({ cmd: 'loopStart' });
          const out = await work;
          sc.bystander.push((await probe.call<{ p99Ms: number }>({ cmd: 'loopStop' })).p99Ms);
          return out;
        };
        const runSolo = async (): Promise<void> => void sc.solo.push(await watched(r.call<BulkResult>({ cmd: 'bulkSolo', texts, batch: BULK_BATCH })));
        const runMixed = async (): Promise<void> =>
          void sc.withRt.push(await watched(r.call<BulkResult>({ cmd: 'bulkWithRt', texts, batch: BULK_BATCH, rtTexts, gapMs: RT_GAP_MS })));
        if (rep % 2) await runMixed().then(runSolo);
        else await runSolo().then(runMixed);
        log(
          `${r.label} rt/bulk repeat ${rep + 1}/${REPEATS}: idle rt p95 ${percentile(sc.rtIdle[rep]!, 95).toFixed(1)} ms; under bulk p95 ${percentile(sc.withRt[rep]!.rtLatenciesMs, 95).toFixed(1)} ms ` +
            `(${sc.withRt[rep]!.rtLatenciesMs.length} requests); bulk ${(texts.length / sc.solo[rep]!.seconds).toFixed(1)} texts/s solo, ${(texts.length / sc.withRt[rep]!.seconds).toFixed(1)} with rt`,
        );
      }
    }

    // int8 against fp32, through our pipeline.
    const int8: { fp32: PassResult; int8: PassResult }[] = [];
    await ours.call({ cmd: 'warm', batch: BULK_BATCH });
    const int8Vectors = await ours.call<Float32Array>({ cmd: 'vectors', variant: 'int8' });
    for (let rep = 0; rep < REPEATS; rep++) {
      const pair = {} as { fp32: PassResult; int8: PassResult };
      for (const v of rep % 2 ? (['int8', 'fp32'] as const) : (['fp32', 'int8'] as const)) pair[v] = await ours.call<PassResult>({ cmd: 'pass', batch: BULK_BATCH, variant: v });
      int8.push(pair);
      log(`int8 repeat ${rep + 1}/${REPEATS}: fp32 ${(texts.length / pair.fp32.seconds).toFixed(1)}, int8 ${(texts.length / pair.int8.seconds).toFixed(1)} texts/s`);
    }
    const int8Cos = cosines(vec.get('ours')!, int8Vectors, dim);

    // ---- report ----
    const rate = (p: PassResult): number => texts.length / p.seconds;
    const cpuRate = (p: PassResult): number => texts.length / p.cpuSeconds;
    const pairRatios = (b: number, x: string, y: string, f: (p: PassResult) => number): number[] => got(x, b).map((p, i) => f(p) / f(got(y, b)[i]!));
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    console.log(`\nEmbedding benchmark: generated MiniLM-L6-shaped model (6×384, 12 heads, FFN 1536, vocab 30522, max_seq_length 256), fp32, CPU EP`);
    console.log(`${cpu}, ${os.cpus().length} logical cores; intra-op threads ${THREADS} in all (spinning off, graph optimisation all); load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log(`corpus: ${texts.length} texts${QUICK ? ' (BENCH_QUICK: every 5th)' : ''} of resources/bench-corpus.json, ru+en, ${words[0]}–${words[words.length - 1]} words (median ${median(words)})`);
    console.log(`figures: median of ${REPEATS} interleaved repeats [min–max]; ratios are medians of the per-repeat ratios; warm-up excluded`);
    console.log(`transformers.js: pipeline('feature-extraction', local folder, { local_files_only, dtype fp32, device cpu, session_options = ours }), pooling mean, normalize; tokenizer truncation set to 256 like ours`);
    console.log(`priority: ours as the app runs it (main thread and real-time worker nice 0, bulk worker nice ${BULK_NICE} on Linux); bare and transformers.js inference threads nice ${BULK_NICE}`);
    if (base) console.log(`ours@base: the same pipeline from ${path.resolve(COMPARE_SRC!)}, run as its code does`);
    console.log('');
    const head = ['batch', '(a) ours', ...(base ? ['ours@base'] : []), '(b) bare ORT', '(c) transformers.js', 'a/b', 'a/c', ...(base ? ['a/base'] : []), 'a/b CPU', ...(base ? ['a/base CPU'] : []), 'a/c CPU', 'run/wall a'];
    const rows = BATCHES.map((b) => [
      String(b),
      spread(got('ours', b).map(rate), 1),
      ...(base ? [spread(got('ours@base', b).map(rate), 1)] : []),
      spread(got('bare', b).map(rate), 1),
      spread(got('transformers.js', b).map(rate), 1),
      spread(pairRatios(b, 'ours', 'bare', rate), 2),
      spread(pairRatios(b, 'ours', 'transformers.js', rate), 2),
      ...(base ? [spread(pairRatios(b, 'ours', 'ours@base', rate), 2)] : []),
      median(pairRatios(b, 'ours', 'bare', cpuRate)).toFixed(2),
      ...(base ? [median(pairRatios(b, 'ours', 'ours@base', cpuRate)).toFixed(2)] : []),
      median(pairRatios(b, 'ours', 'transformers.js', cpuRate)).toFixed(2),
      median(got('ours', b).map((p) => p.inferenceMs! / 1000 / p.seconds)).toFixed(2),
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const fmtRow = (r: string[]): string => r.map((c, i) => c.padStart(widths[i]!)).join('  ');
    console.log('texts/s (wall); "CPU" columns compare texts per CPU-second; run/wall: share of our wall time spent in session.run');
    console.log(fmtRow(head));
    for (const r of rows) console.log(fmtRow(r));
    console.log(
      `tokens fed, padding included: bare (token-sorted) ${BATCHES.map((b) => got('bare', b)[0]!.paddedTokens).join(' / ')}, ` +
        `transformers.js (corpus order) ${BATCHES.map((b) => got('transformers.js', b)[0]!.paddedTokens).join(' / ')} at batch ${BATCHES.join(' / ')}`,
    );
    console.log(`peak RSS: ${pipelines.map((r) => `${r.label} ${rss.get(r.label)!.toFixed(0)} MiB`).join(', ')} (ours: main thread + bulk worker)`);
    const agree = (x: string): string => Math.min(...cosines(vec.get('ours')!, vec.get(x)!, dim)).toFixed(6);
    console.log(`same vectors: lowest cosine ours↔bare ${agree('bare')}, ours↔transformers.js ${agree('transformers.js')}`);

    const p = (xs: number[][], q: number): number[] => xs.map((x) => percentile(x, q));
    const figures = (sc: Scenario) => {
      const loaded = sc.withRt.map((w) => w.rtLatenciesMs);
      return {
        loaded,
        rtRatio: loaded.map((l, i) => percentile(l, 95) / percentile(sc.rtIdle[i]!, 95)),
        keep: sc.withRt.map((w, i) => sc.solo[i]!.seconds / w.seconds),
        loops: [...sc.solo, ...sc.withRt].map((x) => x.loopP99Ms!),
      };
    };
    console.log('');
    for (const r of oursLike) {
      const sc = scenarios.get(r.label)!;
      const f = figures(sc);
      console.log(`${r.label}: real-time lane, batch 1 (${RT_SAMPLES} requests a repeat, ${RT_GAP_MS} ms apart, queries and sentences): idle p50 ${spread(p(sc.rtIdle, 50), 1)} ms, p95 ${spread(p(sc.rtIdle, 95), 1)} ms`);
      console.log(`  under a bulk job (batch ${BULK_BATCH}, ${texts.length} texts): p50 ${spread(p(f.loaded, 50), 1)} ms, p95 ${spread(p(f.loaded, 95), 1)} ms, ${f.loaded.map((l) => l.length).join('/')} requests`);
      console.log(`  RT p95 under bulk / idle: ${spread(f.rtRatio, 2)}×`);
      console.log(`  bulk job: ${spread(sc.solo.map((s) => texts.length / s.seconds), 1)} texts/s alone, ${spread(sc.withRt.map((s) => texts.length / s.seconds), 1)} with real-time traffic: kept ${spread(f.keep, 2)}×`);
      console.log(`  event-loop p99 during the bulk jobs: this process ${spread(f.loops, 1)} ms; a bystander process at the same time ${spread(sc.bystander, 1)} ms`);
    }
    const idle = scenarios.get('ours')!.rtIdle;
    console.log(`batch-1 latency, one text at a time (${RT_SAMPLES} queries and sentences a repeat, ${RT_GAP_MS} ms apart), p50 / p95 ms:`);
    console.log(`  (a) ours, real-time lane ${spread(p(idle, 50), 1)} / ${spread(p(idle, 95), 1)}`);
    for (const [label, lat] of baselineLatency) console.log(`  ${label === 'bare' ? '(b) bare ORT, pre-tokenised' : '(c) transformers.js'} ${spread(p(lat, 50), 1)} / ${spread(p(lat, 95), 1)}`);
    console.log(`int8 (onnx/model_quantized.onnx) through ours at batch ${BULK_BATCH}: ${spread(int8.map((x) => rate(x.int8)), 1)} texts/s vs fp32 ${spread(int8.map((x) => rate(x.fp32)), 1)}; per CPU-s ${median(int8.map((x) => x.fp32.cpuSeconds / x.int8.cpuSeconds)).toFixed(2)}×`);

    const f = figures(scenarios.get('ours')!);
    const loops = [...f.loops, ...[...passes.get('ours')!.values()].flat().map((x) => x.loopP99Ms!)];
    const int8Ratio = int8.map((x) => x.fp32.seconds / x.int8.seconds);
    const meanCos = int8Cos.reduce((s, c) => s + c, 0) / int8Cos.length;
    console.log('');
    console.log('targets (ours)');
    const target = (name: string, value: string, goal: string, ok: boolean): void => console.log(`  ${name.padEnd(40)} ${value.padEnd(24)} ${goal.padEnd(9)} ${verdict(ok)}`);
    for (const b of BATCHES) target(`ours / bare ORT, batch ${b}`, `${median(pairRatios(b, 'ours', 'bare', rate)).toFixed(2)}×`, '≥ 0.90×', median(pairRatios(b, 'ours', 'bare', rate)) >= 0.9);
    for (const b of BATCHES) target(`ours / transformers.js, batch ${b}`, `${median(pairRatios(b, 'ours', 'transformers.js', rate)).toFixed(2)}×`, '≥ 1.30×', median(pairRatios(b, 'ours', 'transformers.js', rate)) >= 1.3);
    target('RT p95 under bulk / idle RT p95', `${spread(f.rtRatio, 2)}×`, '≤ 2.00×', median(f.rtRatio) <= 2);
    target('bulk throughput with RT / alone', `${spread(f.keep, 2)}×`, '≥ 0.90×', median(f.keep) >= 0.9);
    target('event-loop p99 during bulk work', `${spread(loops, 1)} ms`, '≤ 20 ms', median(loops) <= 20);
    console.log(`  ${''.padEnd(40)} (a bystander process meanwhile: ${spread(scenarios.get('ours')!.bystander, 1)} ms)`);
    target('int8 / fp32 texts/s', `${spread(int8Ratio, 2)}×`, '≥ 2.50×', median(int8Ratio) >= 2.5);
    target('cosine int8 ↔ fp32 (mean; lowest)', `${meanCos.toFixed(4)}; ${Math.min(...int8Cos).toFixed(4)}`, '≥ 0.99', meanCos >= 0.99);
  } finally {
    for (const r of [...pipelines, probe]) r.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
