// npm run bench:migrate — a re-embedding migration of a collection between two generated models, side by side in
// one run with the bare embedding throughput of model B on the same chunks:
//   * chunks/s of bare B embedding (EmbeddingService on the BULK lane, no storage) vs the migration job (embedding +
//     sqlite-vec writes + checkpoint + bookkeeping), best of BENCH_RUNS each, alternated;
//   * search p95 latency (query embedding on the RT lane + KNN + chunk lookup) idle vs during a migration;
//   * our vector search (KNN + hit lookup) vs the bare sqlite-vec query on the same DB;
//   * peak RSS of the process (workers included) during the migrations.
// Sizes: BENCH_CHUNKS (20000), BENCH_FROM / BENCH_TO (tiny-32 / tiny-64; minilm-l6 for the MiniLM shape),
// BENCH_RUNS (2), BENCH_SEARCHES (200), BENCH_BATCH (256, chunks per BULK request for both sides).
// BENCH_JSON=path also writes the figures as JSON.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateEmbeddingModel, isModelPreset, type ModelPreset } from '../scripts/test-models/index';
import { getIndex } from '../src/main/core/collections/collection-store';
import { toHits } from '../src/main/core/collections/search';
import { nearest, vectorTable } from '../src/main/core/collections/vector-store';
import { createCore, type Core } from '../src/main/core/create-core';

const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 20_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const SEARCHES = Number(process.env.BENCH_SEARCHES ?? 200);
const FROM = preset(process.env.BENCH_FROM ?? 'tiny-32');
const TO = preset(process.env.BENCH_TO ?? 'tiny-64');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-bench-migrate-'));

function preset(name: string): ModelPreset {
  if (!isModelPreset(name)) throw new Error(`unknown model preset "${name}" (tiny-32, tiny-64, minilm-l6)`);
  return name;
}

/** Generated models are cached in bench/models (git-ignored): the MiniLM shape takes a while to write. */
function modelDir(p: ModelPreset): string {
  const dir = path.resolve('bench/models', p);
  if (!fs.existsSync(path.join(dir, 'onnx', 'model.onnx'))) generateEmbeddingModel(dir, p);
  return dir;
}

const WORDS = (
  'the a of to in and for on with salary payment month bank message phone user money password login account email link weather forecast ' +
  'rain sun wind cold winter coat train airport station hotel ticket price database backup night server storage team meeting coffee tea ' +
  'report project plan task document file folder search index query result error problem question answer help support service version ' +
  'update install download upload restore data model system network cloud memory disk city country world company office work job ' +
  'зарплата банк сообщение телефон пользователь деньги пароль вход погода дождь снег поезд аэропорт гостиница билет цена сервер ' +
  'данные файл папка документ поиск запрос результат ошибка вопрос ответ помощь поддержка версия обновление'
).split(' ');

/** A deterministic PRNG (mulberry32): the same texts every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One JSONL line per chunk: 50–80 words, under the models' 126-token budget, so each line is exactly one chunk. */
function writeCorpus(file: string, n: number): void {
  const rand = prng(7);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = 50 + Math.floor(rand() * 30);
    const words = Array.from({ length: len }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
    lines.push(JSON.stringify({ text: `${words.join(' ')}.` }));
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

let peakRss = 0;
const rssSampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

/** Chunks per request to the BULK lane, for the migration job and the bare loop alike. */
const BATCH = Number(process.env.BENCH_BATCH ?? 256);

/**
 * The same requests the migration makes (BATCH texts, micro-batches of 32, no cache) with two in flight as it
 * keeps them, so the worker never waits: the difference to the migration is storing and bookkeeping alone.
 */
async function bare(core: Core, texts: string[]): Promise<number> {
  const model = await core.embeddings.resolve('bench@2.0.0');
  const t0 = performance.now();
  let previous: Promise<unknown> | null = null;
  for (let i = 0; i < texts.length; i += BATCH) {
    const request = core.embeddings.embedWith(model, texts.slice(i, i + BATCH), { lane: 'bulk', cache: false, batchSize: 32 });
    await previous;
    previous = request;
  }
  await previous;
  return texts.length / ((performance.now() - t0) / 1000);
}

async function migrate(core: Core, during?: (done: () => boolean) => Promise<void>): Promise<{ rate: number; peakRssMB: number; storeShare: number }> {
  peakRss = process.memoryUsage().rss;
  const t0 = performance.now();
  const { job } = await core.invoke('migrations.start', { collection: 'bench', to: 'bench@2.0.0', batchSize: BATCH });
  let settled = false;
  const searching = during?.(() => settled);
  const final = await core.jobs.waitForSettled(job.id);
  settled = true;
  await searching;
  const seconds = (performance.now() - t0) / 1000;
  if (final.state !== 'done') throw new Error(`migration ended ${final.state}: ${final.error?.message ?? ''}`);
  const m = await core.invoke('migrations.get', { collection: 'bench' });
  if (m.done !== CHUNKS) throw new Error(`migration holds ${m.done} of ${CHUNKS} chunks`);
  const storeMs = Number((final.detail as { storeMs?: number } | null)?.storeMs ?? NaN);
  const result = { rate: CHUNKS / seconds, peakRssMB: peakRss / 1024 / 1024, storeShare: storeMs / 1000 / seconds };
  await core.invoke('migrations.rollback', { collection: 'bench', deleteVectors: true });
  return result;
}

async function searchLatencies(core: Core, queries: string[], until?: () => boolean): Promise<number[]> {
  const out: number[] = [];
  for (const [i, query] of queries.entries()) {
    if (until?.()) break;
    const t0 = performance.now();
    await core.invoke('collections.search', { collection: 'bench', query, k: 15 });
    out.push(performance.now() - t0);
    // An interactive pace (about 10 queries/s), not a flood: the question is how one person's search feels.
    if (i < queries.length - 1) await new Promise((r) => setTimeout(r, 100));
  }
  return out;
}

async function main(): Promise<void> {
  const home = path.join(work, 'home');
  const core = createCore({ surface: 'cli', env: { MODEL_CENTER_HOME: home, HF_HUB_CACHE: path.join(home, 'hub') } });
  try {
    console.log(`Preparing: models ${FROM} → ${TO}, ${CHUNKS} chunks in ${work}`);
    await core.invoke('registry.upsertModel', { name: 'bench', type: 'embedding', provider: 'local', source: { kind: 'path', path: modelDir(FROM) } });
    await core.invoke('registry.registerVersion', { model: 'bench', version: '1.0.0', status: 'production' });
    await core.invoke('registry.registerVersion', { model: 'bench', version: '2.0.0', status: 'staging', source: { kind: 'path', path: modelDir(TO) } });
    const corpus = path.join(work, 'corpus.jsonl');
    writeCorpus(corpus, CHUNKS);
    const t0 = performance.now();
    const imported = await core.jobs.waitForSettled((await core.invoke('collections.import', { name: 'bench', paths: [corpus], model: 'bench@1.0.0', chunkSize: 126 })).id);
    if (imported.state !== 'done') throw new Error(`import ended ${imported.state}: ${imported.error?.message ?? ''}`);
    const chunks = (await core.invoke('collections.get', { name: 'bench' })).chunks;
    if (chunks !== CHUNKS) throw new Error(`the corpus made ${chunks} chunks, not ${CHUNKS}`);
    console.log(`  import with A: ${(CHUNKS / ((performance.now() - t0) / 1000)).toFixed(0)} chunks/s (chunking, embedding, storing)`);
    const validation = await core.invoke('inference.validate', { model: 'bench@2.0.0' });
    if (!validation.ok) throw new Error('model B failed validation');
    const texts = core.db.prepare('SELECT text FROM collection_chunks ORDER BY id').pluck().all() as string[];

    // Warm both lanes' sessions, then idle search latency.
    await bare(core, texts.slice(0, 512));
    await searchLatencies(core, Array.from({ length: 10 }, (_, i) => `warm up query ${i} salary`));
    const idle = await searchLatencies(core, Array.from({ length: SEARCHES }, (_, i) => `idle query ${i} about the ${WORDS[i % WORDS.length]} and ${WORDS[(i * 7) % WORDS.length]}`));

    const bareRates: number[] = [];
    const migrationRates: number[] = [];
    const storeShares: number[] = [];
    let migrationRss = 0;
    for (let r = 0; r < RUNS; r++) {
      bareRates.push(await bare(core, texts));
      console.log(`  run ${r + 1}: bare B ${bareRates.at(-1)!.toFixed(0)} chunks/s`);
      const m = await migrate(core);
      migrationRates.push(m.rate);
      storeShares.push(m.storeShare);
      migrationRss = Math.max(migrationRss, m.peakRssMB);
      console.log(`  run ${r + 1}: migration ${m.rate.toFixed(0)} chunks/s (${(m.storeShare * 100).toFixed(1)} % of it storing), peak RSS ${m.peakRssMB.toFixed(0)} MB`);
    }
    let during: number[] = [];
    const busy = await migrate(core, async (done) => {
      during = await searchLatencies(core, Array.from({ length: 100_000 }, (_, i) => `busy query ${i} about the ${WORDS[i % WORDS.length]} and ${WORDS[(i * 5) % WORDS.length]}`), done);
    });
    migrationRss = Math.max(migrationRss, busy.peakRssMB);

    // Our vector search path (KNN + hit lookup) vs the bare sqlite-vec query, same DB, same query vector.
    const index = getIndex(core.db, (core.db.prepare("SELECT id FROM collection_indexes WHERE version = '1.0.0'").pluck().get() as number))!;
    const qv = (await core.embeddings.embedWith('bench@1.0.0', ['salary payment and the bank message'], { lane: 'rt' })).vectors;
    const blob = Buffer.from(qv.buffer, qv.byteOffset, qv.byteLength);
    const bareStmt = core.db.prepare(`SELECT rowid, distance FROM ${vectorTable(index.id)} WHERE embedding MATCH ? AND k = 15`);
    const bareKnn: number[] = [];
    const ourKnn: number[] = [];
    const ourHits: number[] = [];
    for (let i = 0; i < 200; i++) {
      let s = performance.now();
      bareStmt.all(blob);
      bareKnn.push(performance.now() - s);
      s = performance.now();
      const n = nearest(core.db, index.id, qv, 15);
      ourKnn.push(performance.now() - s);
      toHits(core.db, n, null);
      ourHits.push(performance.now() - s);
    }

    const bareBest = Math.max(...bareRates);
    const migBest = Math.max(...migrationRates);
    const ratio = migBest / bareBest;
    const idleP95 = percentile(idle, 95);
    const busyP95 = percentile(during, 95);
    const knnRatio = percentile(ourHits, 50) / percentile(bareKnn, 50);
    const rssLimit = 1024;
    const pass = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
    console.log(`\nRe-embedding migration, ${CHUNKS} chunks, ${FROM} → ${TO}, ${os.cpus().length} CPUs (best of ${RUNS} runs each, alternated)`);
    console.log(`  bare embedding of B        ${bareBest.toFixed(0).padStart(7)} chunks/s   (runs: ${bareRates.map((x) => x.toFixed(0)).join(', ')})`);
    console.log(`  migration job              ${migBest.toFixed(0).padStart(7)} chunks/s   (runs: ${migrationRates.map((x) => x.toFixed(0)).join(', ')}; + sqlite-vec writes, checkpoints, samples)`);
    console.log(`  ratio migration / bare     ${ratio.toFixed(2)}×   target ≥ 0.90×  ${pass(ratio >= 0.9)}`);
    console.log(`  main thread storing        ${(Math.min(...storeShares) * 100).toFixed(1)} % of the migration's time (reading chunks, sqlite-vec inserts, checkpoint, counters)`);
    console.log(`  search p95 idle            ${idleP95.toFixed(1)} ms   (p50 ${percentile(idle, 50).toFixed(1)} ms, ${idle.length} searches)`);
    console.log(`  search p95 during          ${busyP95.toFixed(1)} ms   (p50 ${percentile(during, 50).toFixed(1)} ms, ${during.length} searches while migrating at ${busy.rate.toFixed(0)} chunks/s)`);
    console.log(`  ratio during / idle        ${(busyP95 / idleP95).toFixed(2)}×   target ≤ 2×  ${pass(busyP95 / idleP95 <= 2)}`);
    console.log(
      `  vector search vs bare vec0 ${knnRatio.toFixed(2)}×   (p50: KNN + hit texts ${percentile(ourHits, 50).toFixed(2)} ms, our KNN alone ${percentile(ourKnn, 50).toFixed(2)} ms, bare sqlite-vec query ${percentile(bareKnn, 50).toFixed(2)} ms; target ≤ 1.1×)  ${pass(knnRatio <= 1.1)}`,
    );
    console.log(`  peak RSS during migrations ${migrationRss.toFixed(0)} MB   target < ${rssLimit} MB at 100,000 chunks${CHUNKS >= 100_000 ? `  ${pass(migrationRss < rssLimit)}` : ' (run BENCH_CHUNKS=100000 to check)'}`);
    console.log(`  peak RSS of the whole run  ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB   (import and the bare baseline's texts included)`);
    if (process.env.BENCH_JSON) {
      fs.writeFileSync(
        process.env.BENCH_JSON,
        JSON.stringify({ chunks: CHUNKS, from: FROM, to: TO, cpus: os.cpus().length, bareRates, migrationRates, ratio, storeShares, batch: BATCH, idle: { p50: percentile(idle, 50), p95: idleP95 }, during: { p50: percentile(during, 50), p95: busyP95, migrationRate: busy.rate }, knn: { oursWithHits: percentile(ourHits, 50), ours: percentile(ourKnn, 50), bare: percentile(bareKnn, 50) }, peakRssMB: migrationRss, maxRssMB: process.resourceUsage().maxRSS / 1024 }, null, 2),
      );
    }
  } finally {
    clearInterval(rssSampler);
    await core.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
