// node --import tsx bench/int8-speed.ts — the generated MiniLM-L6-shaped model, fp32 (onnx/model.onnx) against
// dynamic int8 (onnx/model_quantized.onnx), each in a bare onnxruntime-node CPU session fed pre-tokenised tensors.
// Prints texts/s per batch size, the int8/fp32 ratio and the lowest cosine between the two models' mean-pooled
// vectors over the corpus. BENCH_THREADS (default: all cores), BENCH_BATCHES (default 1,8,32), BENCH_ROUNDS (5).
// The model is generated into bench/models/ (git-ignored) when missing or made by another generator version.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { GENERATOR_VERSION, generateEmbeddingModel, MODEL_PRESETS } from '../scripts/test-models/index';
import { Prng } from '../scripts/test-models/prng';

const THREADS = Number(process.env.BENCH_THREADS ?? os.availableParallelism());
const BATCHES = (process.env.BENCH_BATCHES ?? '1,8,32').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CORPUS_SIZE = 128;

const dir = fileURLToPath(new URL('./models/minilm-l6', import.meta.url));
const stamp = path.join(dir, '.generator-version');
if (!fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8') !== GENERATOR_VERSION || !fs.existsSync(path.join(dir, 'onnx/model_quantized.onnx'))) {
  const t0 = performance.now();
  generateEmbeddingModel(dir, { ...MODEL_PRESETS['minilm-l6'], int8: true });
  fs.writeFileSync(stamp, GENERATOR_VERSION);
  console.log(`generated ${dir} in ${(performance.now() - t0).toFixed(0)} ms`);
}

const readJson = (rel: string): object => JSON.parse(fs.readFileSync(path.join(dir, rel), 'utf8')) as object;
const tokenizer = new Tokenizer(readJson('tokenizer.json'), readJson('tokenizer_config.json'));

// A fixed corpus of mixed-length sentences (4 to 60 words) drawn from the model's whole-word vocabulary.
const words = fs
  .readFileSync(path.join(dir, 'vocab.txt'), 'utf8')
  .split('\n')
  .filter((t) => /^[a-zа-яё]{3,}$/.test(t));
const rng = new Prng('int8-speed corpus');
const corpus = Array.from({ length: CORPUS_SIZE }, () => {
  const n = 4 + Math.floor(rng.uniform() * rng.uniform() * 57);
  return Array.from({ length: n }, () => words[Math.floor(rng.uniform() * words.length)]).join(' ');
});
// Sorted by length, as bulk embedding batches texts, so a batch pads little.
const encoded = corpus.map((t) => tokenizer.encode(t).ids).sort((a, b) => a.length - b.length);

function feeds(batch: number[][]): Record<string, ort.Tensor> {
  const seq = Math.max(...batch.map((ids) => ids.length));
  const ids = new BigInt64Array(batch.length * seq);
  const mask = new BigInt64Array(batch.length * seq);
  batch.forEach((row, b) => row.forEach((id, i) => ((ids[b * seq + i] = BigInt(id)), (mask[b * seq + i] = 1n))));
  const dims = [batch.length, seq];
  return { input_ids: new ort.Tensor('int64', ids, dims), attention_mask: new ort.Tensor('int64', mask, dims), token_type_ids: new ort.Tensor('int64', new BigInt64Array(ids.length), dims) };
}

function meanPooled(out: ort.InferenceSession.OnnxValueMapType, batch: number[][]): Float32Array[] {
  const t = out.last_hidden_state;
  if (!t) throw new Error('no last_hidden_state');
  const [, seq = 0, dim = 0] = t.dims;
  const data = t.data as Float32Array;
  return batch.map((row, b) => {
    const v = new Float32Array(dim);
    for (let i = 0; i < row.length; i++) for (let j = 0; j < dim; j++) v[j] = (v[j] ?? 0) + (data[(b * seq + i) * dim + j] ?? 0);
    return v;
  });
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((x, i) => {
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  });
  return dot / Math.sqrt(na * nb);
}

// Spinning off: idle pool threads would otherwise burn CPU waiting for work and blur the CPU-time figures.
const options: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: THREADS,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  extra: { session: { intra_op: { allow_spinning: '0' } } },
};
const fp32 = await ort.InferenceSession.create(path.join(dir, 'onnx/model.onnx'), options);
const int8 = await ort.InferenceSession.create(path.join(dir, 'onnx/model_quantized.onnx'), options);

let minCos = 1;
for (let i = 0; i < encoded.length; i += 32) {
  const batch = encoded.slice(i, i + 32);
  const [a, b] = [meanPooled(await fp32.run(feeds(batch)), batch), meanPooled(await int8.run(feeds(batch)), batch)];
  a.forEach((v, k) => (minCos = Math.min(minCos, cosine(v, b[k] ?? new Float32Array(v.length)))));
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const flags = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8').match(/\b(avx512_vnni|avx_vnni|amx_int8|avx512f|avx2)\b/g) : null;
console.log(`${cpu}, ${os.cpus().length} cores; ${[...new Set(flags ?? [])].join(' ') || 'flags unknown'}; intra-op threads ${THREADS}; corpus ${CORPUS_SIZE} texts`);
console.log(`lowest cosine int8 vs fp32 (mean pooled): ${minCos.toFixed(5)}`);

// Interleaved rounds, best of each: other load on the machine slows a round, never speeds one up.
for (const size of BATCHES) {
  const batches: Array<Record<string, ort.Tensor>> = [];
  for (let i = 0; i < encoded.length; i += size) batches.push(feeds(encoded.slice(i, i + size)));
  const wall = { fp32: Infinity, int8: Infinity };
  const cpuTime = { fp32: Infinity, int8: Infinity };
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, session] of [['fp32', fp32], ['int8', int8]] as const) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      for (const f of batches) await session.run(f);
      const c = process.cpuUsage(c0);
      wall[name] = Math.min(wall[name], (performance.now() - t0) / 1000);
      cpuTime[name] = Math.min(cpuTime[name], (c.user + c.system) / 1e6);
    }
  }
  const rate = (s: number): string => (CORPUS_SIZE / s).toFixed(1);
  // Texts per CPU-second as well: on a shared machine it moves far less with other load than wall time does
  // (with spinning off, see below, it counts only the work done).
  console.log(
    `batch ${String(size).padStart(3)}: fp32 ${rate(wall.fp32)} texts/s, int8 ${rate(wall.int8)} texts/s, int8/fp32 ${(wall.fp32 / wall.int8).toFixed(2)}x` +
      ` | per CPU-second: fp32 ${rate(cpuTime.fp32)}, int8 ${rate(cpuTime.int8)}, ${(cpuTime.fp32 / cpuTime.int8).toFixed(2)}x`,
  );
}
await fp32.release();
await int8.release();
