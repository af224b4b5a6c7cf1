import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pkg from '../../package.json';
import { MODEL_PRESETS } from '../../scripts/test-models/index';
import type { Core } from '../../src/main/core/create-core';
import { BenchStore } from '../../src/main/core/bench/bench-store';
import type { BenchResultDTO, JobDTO } from '../../src/shared/contract';
import { testModel } from '../support/embedding-models';
import { runCliProcess } from '../support/run-cli';
import { startServe } from '../support/serve-process';
import { makeTempDir, openTestCore, removeDir, testEnv } from '../support/temp-home';
import { waitFor } from '../support/wait-for';

let home: string;
let core: Core;

beforeEach(() => {
  home = makeTempDir('mc-bench-');
  core = openTestCore(home);
});
afterEach(async () => {
  await core?.close();
  removeDir(home);
});

/** Short runs: a few texts of the built-in corpus, two measured runs, no warm-up. */
const QUICK = { limit: 12, runs: 2, warmupRuns: 0, batchSizes: [1, 4] };

async function register(c: Core): Promise<void> {
  await c.invoke('registry.upsertModel', { name: 'tiny', type: 'embedding', provider: 'local', source: { kind: 'path', path: testModel('tiny-32') } });
  await c.invoke('registry.registerVersion', { model: 'tiny', version: '1.0.0' });
  await c.invoke('registry.registerVersion', { model: 'tiny', version: '2.0.0', source: { kind: 'path', path: testModel('tiny-64') } });
}

async function bench(c: Core, input: Parameters<Core['invoke']>[1] & object): Promise<{ job: JobDTO; result: BenchResultDTO }> {
  const started = await c.invoke('bench.run', input as never);
  const job = await c.jobs.waitForSettled(started.id);
  expect(job.state, JSON.stringify(job.error)).toBe('done');
  const [result] = await c.invoke('bench.list', { jobId: job.id, includeSamples: true });
  return { job, result: result! };
}

/** A BERT's parameters from its shape (no pooler): what the ONNX reader must find in the initializers. */
function bertParams(preset: 'tiny-32' | 'tiny-64', folder: string): number {
  const s = MODEL_PRESETS[preset];
  const vocab = fs.readFileSync(path.join(folder, 'vocab.txt'), 'utf8').split('\n').filter(Boolean).length;
  const h = s.hiddenSize;
  const i = s.intermediateSize;
  const embeddings = (vocab + s.maxPositionEmbeddings + 2) * h + 2 * h;
  const layer = 4 * (h * h + h) + 2 * h + (h * i + i) + (i * h + h) + 2 * h;
  return embeddings + s.numLayers * layer;
}

describe('benchmark job', () => {
  it('measures a registry version end to end, stores the result with the machine, and appends registry metrics', async () => {
    await register(core);
    const { job, result: r } = await bench(core, { model: 'tiny@1.0.0', ...QUICK });
    expect(job.title).toContain('tiny@1.0.0');
    expect(r.model).toMatchObject({ registryModel: 'tiny', version: '1.0.0', variant: 'fp32', dimension: 32, maxSeqLength: 128, params: bertParams('tiny-32', testModel('tiny-32')) });
    expect(r.model.sizeBytes).toBe(fs.statSync(path.join(testModel('tiny-32'), 'onnx', 'model.onnx')).size);
    expect(r.run).toMatchObject({ executionProvider: 'cpu', fallbackReason: null, batchSizes: [1, 4], runs: 2, warmupRuns: 0 });
    expect(r.corpus).toMatchObject({ name: 'builtin (first 12)', texts: 12 });
    expect(r.corpus.tokens).toBeGreaterThan(12 * 3);
    expect(r.load.firstCallMs).toBeGreaterThan(0);
    expect(r.load.sessionMs).toBeGreaterThan(0);
    // Two runs of 12 one-text calls: every sample kept, percentiles ordered, spreads around the medians.
    expect(r.latency.samples).toHaveLength(24);
    expect(r.latency.p50.median).toBeLessThanOrEqual(r.latency.p99.median);
    for (const t of r.throughput) {
      expect(t.textsPerSec.runs).toHaveLength(2);
      expect(t.textsPerSec.min).toBeLessThanOrEqual(t.textsPerSec.median);
      expect(t.textsPerSec.max).toBeGreaterThanOrEqual(t.textsPerSec.median);
      expect(t.tokensPerSec.median).toBeGreaterThan(t.textsPerSec.median);
    }
    expect(r.memory.peakRssBytes).toBeGreaterThanOrEqual(r.memory.rssBeforeBytes);
    // The growth is its own figure: the peak less the RSS before the model was loaded (worker, session, runs).
    expect(r.memory.peakRssGrowthBytes).toBe(r.memory.peakRssBytes - r.memory.rssBeforeBytes);
    expect(r.memory.peakRssGrowthBytes).toBeGreaterThan(0);
    expect(r.machine).toMatchObject({ os: { platform: process.platform, arch: process.arch }, appVersion: pkg.version, onnxruntimeVersion: ort.env.versions.common });
    expect(r.machine.cpuModel.length).toBeGreaterThan(0);
    expect(r.machine.physicalCores).toBeGreaterThan(0);
    expect(r.machine.totalRamBytes).toBeGreaterThan(0);
    expect(r.machine.id).toMatch(/^[0-9a-f]{12}$/);
    // What the window marks other machines' results against.
    expect((await core.invoke('bench.machine', {})).id).toBe(r.machine.id);

    expect(r.metrics).toMatchObject({ recorded: true, note: null });
    const history = await core.invoke('registry.metricsHistory', { model: 'tiny', version: '1.0.0' });
    expect(history).toHaveLength(1);
    expect(history[0]!.source).toContain(`bench job ${job.id}`);
    expect(Object.keys(history[0]!.metrics).sort()).toEqual(
      [
        'throughput_b1', 'throughput_b4', 'tokens_per_s_b1', 'tokens_per_s_b4', 'latency_p50_ms', 'latency_p95_ms', 'latency_p99_ms',
        'load_ms', 'peak_rss_mb', 'peak_rss_growth_mb', 'size_mb', 'params', 'dimension', 'max_seq_length',
      ].sort(),
    );
    expect(history[0]!.metrics.peak_rss_growth_mb).toBeCloseTo(r.memory.peakRssGrowthBytes / 1024 ** 2, 1);
    expect(history[0]!.metrics.dimension).toBe(32);
    expect(history[0]!.metrics.throughput_b4).toBeCloseTo(r.throughput[1]!.textsPerSec.median, 1);
    // The version's latest metrics (what the Models page and the migration dry-run read) are these.
    const versions = await core.invoke('registry.versions', { model: 'tiny' });
    expect(versions.find((v) => v.version === '1.0.0')?.latestMetrics?.metrics.params).toBe(r.model.params);
  });

  it('compares versions with deltas in %, and marks results from another machine, provider or corpus', async () => {
    await register(core);
    const a = (await bench(core, { model: 'tiny@1.0.0', ...QUICK })).result;
    const b = (await bench(core, { model: 'tiny@2.0.0', ...QUICK })).result;
    const cmp = await core.invoke('bench.compare', { refs: ['tiny@1.0.0', 'tiny@2.0.0'] });
    expect(cmp.columns.map((c) => c.id)).toEqual([a.id, b.id]);
    const dim = cmp.rows.find((r) => r.key === 'dimension')!;
    expect(dim.values).toEqual([32, 64]);
    expect(dim.deltas).toEqual([0, 100]);
    expect(cmp.rows.find((r) => r.key === 'params')!.deltas[1]).toBeGreaterThan(100);
    expect(cmp.rows.map((r) => r.key)).toEqual(expect.arrayContaining(['max_seq_length', 'peak_rss_mb', 'peak_rss_growth_mb', 'load_ms', 'latency_p50_ms', 'throughput_b1', 'throughput_b4']));
    const growth = cmp.rows.find((r) => r.key === 'peak_rss_growth_mb')!;
    expect(growth).toMatchObject({ label: 'Memory (peak RSS growth)', better: 'lower' });
    expect(growth.deltas[1]).toBeCloseTo(((growth.values[1]! - growth.values[0]!) / growth.values[0]!) * 100, 6);
    expect(cmp).toMatchObject({ crossMachine: false, crossProvider: false, crossCorpus: false, notes: [] });

    // The same figures from another machine (as an imported or older result would be): flagged, not silently mixed.
    const store = new BenchStore(core.db);
    const { id: _id, createdAt: _c, ...rest } = a;
    const elsewhere = store.insert({ ...rest, machine: { ...a.machine, id: 'ffffffffffff', hostname: 'gpu-box', cpuModel: 'Other CPU' }, corpus: { ...a.corpus, hash: '0000000000000000' } });
    const mixed = await core.invoke('bench.compare', { ids: [a.id, elsewhere.id] });
    expect(mixed.crossMachine).toBe(true);
    expect(mixed.crossCorpus).toBe(true);
    expect(mixed.notes.join('\n')).toMatch(/Different machines.*gpu-box/);
    // A result stored before the growth was kept reads with it derived from its two figures.
    const older = store.insert({ ...rest, memory: { rssBeforeBytes: 100 * 1024 ** 2, peakRssBytes: 160 * 1024 ** 2 } } as unknown as typeof rest);
    expect(store.get(older.id).memory.peakRssGrowthBytes).toBe(60 * 1024 ** 2);

    const csv = await core.invoke('bench.export', { ids: [a.id, b.id], format: 'csv' });
    const lines = csv.content.trim().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('throughput_b4');
    expect(csv.filename).toMatch(/\.csv$/);
    const json = JSON.parse((await core.invoke('bench.export', { format: 'json' })).content) as { results: BenchResultDTO[] };
    expect(json.results).toHaveLength(4);
    expect(json.results.every((r) => r.latency.samples.length > 0 && r.machine.cpuModel)).toBe(true);
  });

  it('runs on another thread count in its own session, and leaves the app’s session alone', async () => {
    await register(core);
    await core.invoke('inference.embed', { model: 'tiny@1.0.0', texts: ['зарплата'] });
    const settingsThreads = (await core.invoke('inference.status', {})).threads;
    const threads = settingsThreads === 1 ? 2 : 1;
    const { result } = await bench(core, { model: 'tiny@1.0.0', executionProvider: 'cpu', threads, ...QUICK, batchSizes: [2] });
    expect(result.run.threads).toBe(threads);
    expect(result.run.requestedProvider).toBe('cpu');
    expect(result.metrics.recorded).toBe(true);
    const sessions = (await core.invoke('inference.status', {})).sessions;
    expect(sessions.some((s) => s.modelKey.includes('#'))).toBe(false);
    expect(sessions.some((s) => s.modelKey === result.model.modelKey)).toBe(true);
  });

  it('cancels a running benchmark: no result, no metrics', async () => {
    await register(core);
    const started = await core.invoke('bench.run', { model: 'tiny@1.0.0', runs: 50, warmupRuns: 0, batchSizes: [1] });
    await waitFor(() => (core.jobStore.get(started.id)?.progress ?? 0) > 1 || undefined, 30_000);
    const cancelled = await core.invoke('jobs.cancel', { id: started.id });
    expect(cancelled.state).toBe('cancelled');
    expect(await core.invoke('bench.list', { jobId: started.id })).toEqual([]);
    expect(await core.invoke('registry.metricsHistory', { model: 'tiny', version: '1.0.0' })).toEqual([]);
  });

  it('refuses an unknown model before starting a job, and benches a folder without registry metrics', async () => {
    await expect(core.invoke('bench.run', { model: 'no-such-model' })).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    const folder = testModel('tiny-32');
    await expect(core.invoke('bench.run', { model: folder, corpus: { kind: 'file', path: path.join(home, 'missing.txt') } })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('missing.txt'),
    });
    // Inline texts travel in every progress event of the job: a big corpus must come as a file.
    const big = { kind: 'texts', name: 'big', texts: Array.from({ length: 300 }, () => 'слово '.repeat(200)) } as const;
    await expect(core.invoke('bench.run', { model: folder, corpus: big })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('as a file') });
    expect(await core.invoke('jobs.list', { kind: 'bench' })).toEqual([]);
    const { result } = await bench(core, { model: testModel('tiny-32'), ...QUICK, batchSizes: [1], corpus: { kind: 'texts', name: 'mine.txt', texts: ['один', 'two words', 'три слова тут'] } });
    expect(result.corpus).toMatchObject({ name: 'mine.txt', texts: 3 });
    expect(result.metrics).toMatchObject({ recorded: false });
    expect(result.metrics.note).toContain('not a registry version');
  });
});

describe('benchmark surfaces', () => {
  it('CLI: bench prints a table and --json the stored result; benchmarks, bench-compare, bench-export; usage errors exit 2', async () => {
    await register(core);
    await core.close();
    const env = testEnv(home);
    const corpus = path.join(home, 'corpus.txt');
    fs.writeFileSync(corpus, 'первая строка\n\nsecond line of the corpus\nтретья\n');
    const human = await runCliProcess(['bench', 'tiny@1.0.0', '--batch', '1,4', '--runs', '2', '--warmup', '0', '--corpus', corpus], env, 120_000);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/BATCH\s+TEXTS\/S\s+SPREAD\s+TOKENS\/S/);
    expect(human.stdout).toMatch(/p99/);
    expect(human.stdout).toMatch(/peak growth \(model and runs\)\s+\d/);
    expect(human.stdout).toContain('corpus corpus.txt: 3 texts');
    expect(human.stdout).toContain('Recorded as metrics of tiny@1.0.0');

    const json = await runCliProcess(['bench', 'tiny@2.0.0', '--batch', '1', '--runs', '1', '--warmup', '0', '--limit', '5', '--threads', '1', '--json'], env, 120_000);
    expect(json.code, json.stderr).toBe(0);
    const result = JSON.parse(json.stdout) as BenchResultDTO;
    expect(result).toMatchObject({ model: { version: '2.0.0', dimension: 64 }, run: { threads: 1 }, corpus: { texts: 5 } });

    const list = await runCliProcess(['benchmarks', 'tiny'], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('tiny@2.0.0 · cpu×1');
    const cmp = await runCliProcess(['bench-compare', 'tiny@1.0.0', String(result.id)], env);
    expect(cmp.code, cmp.stderr).toBe(0);
    expect(cmp.stdout).toMatch(/Dimension\s+32\s+64 \(\+100\.0 %\)/);
    expect(cmp.stdout).toContain('Different corpora');
    const out = path.join(home, 'results.csv');
    const exported = await runCliProcess(['bench-export', '--out', out], env);
    expect(exported.code, exported.stderr).toBe(0);
    expect(fs.readFileSync(out, 'utf8').trim().split('\r\n')).toHaveLength(3);

    const usage = await runCliProcess(['bench', 'tiny', '--batch', '0,8'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--batch');
    const missing = await runCliProcess(['bench', 'nope'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No model or alias "nope"');
    core = openTestCore(home);
  }, 240_000);

  it('HTTP: bench.run starts a job; list, get, compare and export answer; bad input is a 400 naming the field', async () => {
    await register(core);
    await core.close();
    const serve = await startServe(home, { HF_HUB_CACHE: path.join(home, 'hub') });
    try {
      const auth = { authorization: `Bearer ${serve.token}` };
      const post = (method: string, body: unknown) =>
        fetch(new URL(`/api/rpc/${method}`, serve.url), { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const get = async <T,>(method: string, input: unknown): Promise<T> => {
        const res = await fetch(new URL(`/api/rpc/${method}?input=${encodeURIComponent(JSON.stringify(input))}`, serve.url), { headers: auth });
        expect(res.status, await res.clone().text()).toBe(200);
        return ((await res.json()) as { result: T }).result;
      };
      const started = await post('bench.run', { model: 'tiny@1.0.0', ...QUICK });
      expect(started.status, await started.clone().text()).toBe(200);
      const job = ((await started.json()) as { result: JobDTO }).result;
      expect(job.kind).toBe('bench');
      let final: JobDTO | undefined;
      for (let i = 0; i < 600 && !final; i++) {
        const j = await get<JobDTO>('jobs.get', { id: job.id });
        if (j.state !== 'queued' && j.state !== 'running') final = j;
        else await new Promise((r) => setTimeout(r, 100));
      }
      expect(final?.state).toBe('done');
      const list = await get<BenchResultDTO[]>('bench.list', { model: 'tiny' });
      expect(list).toHaveLength(1);
      expect(list[0]!.latency.samples).toEqual([]);
      const one = await get<BenchResultDTO>('bench.get', { id: list[0]!.id });
      expect(one.latency.samples.length).toBe(24);
      const cmp = await get<{ rows: Array<{ key: string }> }>('bench.compare', { ids: [one.id] });
      expect(cmp.rows.some((r) => r.key === 'throughput_b4')).toBe(true);
      const csv = await get<{ content: string }>('bench.export', { format: 'csv' });
      expect(csv.content.split('\r\n')[0]).toMatch(/^id,created_at,model,version/);
      const corpus = await get<{ texts: number; languages: Record<string, number> }>('bench.corpus', {});
      expect(corpus.texts).toBeGreaterThanOrEqual(200);
      expect(Object.keys(corpus.languages).sort()).toEqual(['en', 'ru']);
      const bad = await post('bench.run', { model: 'tiny', batchSizes: [0] });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(await bad.json())).toContain('batchSizes[0]');
    } finally {
      await serve.stop();
      core = openTestCore(home);
    }
  }, 120_000);
});
