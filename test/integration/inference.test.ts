import fs from 'node:fs';
import path from 'node:path';
import { onnx } from 'onnx-proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MODEL_PRESETS } from '../../scripts/test-models/index';
import type { Core } from '../../src/main/core/create-core';
import { BULK_NICE, LaneScheduler } from '../../src/main/core/inference/lane-scheduler';
import { startInferenceWorker } from '../../src/main/core/inference/worker-launcher';
import { formatValidation } from '../../src/main/cli/commands/inference-command';
import type { InferenceStatusDTO } from '../../src/shared/contract';
import { AppError } from '../../src/shared/errors';
import { placeInHfCache, referenceEmbedder, testModel } from '../support/embedding-models';
import { runCliProcess } from '../support/run-cli';
import { startServe } from '../support/serve-process';
import { makeTempDir, openTestCore, removeDir, testEnv } from '../support/temp-home';
import { waitFor } from '../support/wait-for';

let home: string;
let core: Core;

beforeEach(() => {
  home = makeTempDir('mc-infer-');
  core = openTestCore(home);
});
afterEach(async () => {
  await core.close();
  removeDir(home);
});

const cos = (a: number[], b: number[]): number => {
  let d = 0;
  let x = 0;
  let y = 0;
  a.forEach((v, i) => {
    d += v * b[i]!;
    x += v * v;
    y += b[i]! * b[i]!;
  });
  return d / Math.sqrt(x * y);
};

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

function copyModel(spec: Parameters<typeof testModel>[0], to: string): string {
  fs.cpSync(testModel(spec), to, { recursive: true });
  return to;
}

/** A model whose vocabulary knows none of the probe words: all map to [UNK], so paraphrases are not closer. */
function unkModel(to: string): string {
  const folder = copyModel('tiny-32', to);
  const tok = JSON.parse(fs.readFileSync(path.join(folder, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } };
  tok.model.vocab = Object.fromEntries(Object.entries(tok.model.vocab).filter(([w]) => w.startsWith('[')));
  fs.writeFileSync(path.join(folder, 'tokenizer.json'), JSON.stringify(tok));
  return folder;
}

describe('embedding pipeline', () => {
  it('embeds Russian and English texts like a plain sentence-transformers forward pass, normalised, with token counts', async () => {
    const folder = testModel('tiny-32');
    const texts = ['зарплата', 'заработная плата', 'прогноз погоды', 'how to reset my password'];
    const { results } = await core.invoke('inference.embed', { model: folder, texts });
    const r = results[0]!;
    expect(r.dimension).toBe(32);
    expect(r.executionProvider).toBe('cpu');
    expect(r.vectors).toHaveLength(4);
    for (const v of r.vectors) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    expect(r.tokens.every((t) => t >= 3)).toBe(true);
    expect(r.truncated).toEqual([]);
    // Our batching pads to the longest text; the reference embeds each text on its own.
    const ref = await referenceEmbedder(folder);
    try {
      for (let i = 0; i < texts.length; i++) {
        const [alone] = await ref.embed([texts[i]!]);
        expect(cos(r.vectors[i]!, Array.from(alone!))).toBeGreaterThan(0.99999);
      }
    } finally {
      await ref.release();
    }
    expect(cos(r.vectors[0]!, r.vectors[1]!)).toBeGreaterThan(cos(r.vectors[0]!, r.vectors[2]!));
  });

  it.each(['cls', 'max'] as const)('pools with %s as 1_Pooling/config.json says, and skips Normalize when modules.json lacks it', async (pooling) => {
    const folder = testModel({ ...MODEL_PRESETS['tiny-32'], name: `pool-${pooling}`, pooling, normalize: false, int8: false });
    const texts = ['recover a forgotten password', 'salary'];
    const r = (await core.invoke('inference.embed', { model: folder, texts })).results[0]!;
    const ref = await referenceEmbedder(folder);
    try {
      const expected = await Promise.all(texts.map(async (t) => (await ref.embed([t]))[0]!));
      texts.forEach((_, i) => expect(cos(r.vectors[i]!, Array.from(expected[i]!))).toBeGreaterThan(0.99999));
    } finally {
      await ref.release();
    }
    expect(Math.abs(Math.hypot(...r.vectors[0]!) - 1)).toBeGreaterThan(1e-3);
  });

  it('reports truncation to max_seq_length instead of hiding it, and embeds a 900 kB text quickly', async () => {
    const folder = testModel('tiny-32');
    const long = 'заработная плата '.repeat(50_000);
    const r = (await core.invoke('inference.embed', { model: folder, texts: ['short text', long], cache: false })).results[0]!;
    expect(r.truncated).toEqual([1]);
    expect(r.tokens[1]).toBe(128);
    expect(r.maxSeqLength).toBe(128);
  });

  it('caches by text: a repeat is a hit, identical texts in one call are computed once, and the status counts them', async () => {
    const folder = testModel('tiny-32');
    const first = (await core.invoke('inference.embed', { model: folder, texts: ['salary', 'salary', 'monthly pay'] })).results[0]!;
    expect(first.cache).toEqual({ hits: 0, misses: 3 });
    expect(first.vectors[0]).toEqual(first.vectors[1]);
    const again = (await core.invoke('inference.embed', { model: folder, texts: ['salary', 'weather forecast'] })).results[0]!;
    expect(again.cache).toEqual({ hits: 1, misses: 1 });
    expect(again.vectors[0]).toEqual(first.vectors[0]);
    const status = await core.invoke('system.status', {});
    expect(status.inference.cache.entries).toBe(3);
    expect(status.inference.cache.hits).toBeGreaterThanOrEqual(1);
    expect(status.inference.sessions.some((s) => s.lane === 'rt' && s.executionProvider === 'cpu')).toBe(true);
  });

  it('keeps the cache under its cap, least recently used first', async () => {
    await core.invoke('settings.update', { embeddingCacheMb: 1 });
    const texts = Array.from({ length: 4000 }, (_, i) => `text number ${i} salary`);
    await core.invoke('inference.embed', { model: testModel('tiny-32'), texts, profile: 'bulk', includeVectors: false });
    const { cache } = (await core.invoke('system.status', {})).inference;
    expect(cache.bytes).toBeLessThanOrEqual(cache.capBytes);
    expect(cache.entries).toBeLessThan(4000);
    expect(cache.entries).toBeGreaterThan(2000);
  });

  it('embeds with several models at once, one vector set per model (seed 001 models=[…])', async () => {
    const { results } = await core.invoke('inference.embed', { models: [testModel('tiny-32'), testModel('tiny-64')], texts: ['зарплата', 'salary'] });
    expect(results.map((r) => r.dimension)).toEqual([32, 64]);
  });

  it('runs the int8 variant close to fp32', async () => {
    const folder = testModel('tiny-64');
    const texts = ['как сбросить пароль', 'recover a forgotten password', 'a recipe for tomato soup'];
    const fp32 = (await core.invoke('inference.embed', { model: folder, texts })).results[0]!;
    const int8 = (await core.invoke('inference.embed', { model: folder, texts, variant: 'int8' })).results[0]!;
    expect(int8.variant).toBe('int8');
    expect(int8.modelKey).not.toBe(fp32.modelKey);
    texts.forEach((_, i) => expect(cos(fp32.vectors[i]!, int8.vectors[i]!)).toBeGreaterThan(0.99));
  });

  it('unloads a session left idle past modelIdleUnloadSeconds, and loads it again on the next request', async () => {
    await core.invoke('settings.update', { modelIdleUnloadSeconds: 5 });
    await core.invoke('inference.embed', { model: testModel(), texts: ['salary'], cache: false });
    expect((await core.invoke('inference.status', {})).sessions).toHaveLength(1);
    await waitFor(async () => (await core.invoke('inference.status', {})).sessions.length === 0, 15_000);
    const again = (await core.invoke('inference.embed', { model: testModel(), texts: ['salary'], cache: false })).results[0]!;
    expect(again.dimension).toBe(32);
  });

  it('serves real-time requests before queued bulk work', async () => {
    const folder = testModel('tiny-64');
    const bulkTexts = Array.from({ length: 3000 }, (_, i) => `bulk text ${i} about the weather forecast and salary`);
    const order: string[] = [];
    const bulk = core.invoke('inference.embed', { model: folder, texts: bulkTexts, profile: 'bulk', cache: false, includeVectors: false }).then(() => order.push('bulk'));
    await waitFor(async () => (await core.invoke('inference.status', {})).sessions.some((s) => s.lane === 'bulk'), 20_000);
    const rt = await core.invoke('inference.embed', { model: folder, texts: ['зарплата'], cache: false });
    order.push('rt');
    await bulk;
    expect(order).toEqual(['rt', 'bulk']);
    expect(rt.results[0]!.timings.totalMs).toBeLessThan(5000);
  });

  it('batches bulk work by token count, window by window, and still returns everything in input order', async () => {
    const folder = testModel('tiny-32');
    const words = ['salary', 'зарплата', 'weather', 'прогноз', 'password', 'восстановить', 'monthly', 'pay'];
    // 600 texts (three sort windows at batch 8) from 1 to ~200 words, so some are truncated at 128 tokens.
    const texts = Array.from({ length: 600 }, (_, i) => Array.from({ length: 1 + ((i * 37) % 200) }, (_, k) => words[(i + k) % words.length]).join(' ') + ` ${i}`);
    const bulk = await core.embeddings.embedWith(folder, texts, { lane: 'bulk', cache: false, batchSize: 8 });
    const one = await core.embeddings.embedWith(folder, texts, { lane: 'rt', cache: false });
    expect(bulk.tokens).toEqual(one.tokens);
    expect(bulk.truncated).toEqual(one.truncated);
    expect(bulk.truncated.length).toBeGreaterThan(0);
    for (let i = 0; i < texts.length; i++) {
      const a = Array.from(bulk.vectors.subarray(i * 32, (i + 1) * 32));
      const b = Array.from(one.vectors.subarray(i * 32, (i + 1) * 32));
      expect(cos(a, b)).toBeGreaterThan(0.9999);
    }
  });

  it.runIf(process.platform === 'linux')('runs the bulk worker below normal priority and the real-time one at it (Linux)', async () => {
    const folder = testModel('tiny-32');
    const niceness = (): number[] =>
      fs.readdirSync('/proc/self/task').map((tid) => {
        const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      });
    const before = niceness().filter((n) => n === BULK_NICE).length;
    await core.embeddings.embedWith(folder, ['salary'], { lane: 'rt', cache: false });
    expect(niceness().filter((n) => n === BULK_NICE).length).toBe(before);
    await core.embeddings.embedWith(folder, ['salary', 'monthly pay'], { lane: 'bulk', cache: false });
    // The bulk worker's thread and the onnxruntime threads its session started.
    expect(niceness().filter((n) => n === BULK_NICE).length).toBeGreaterThanOrEqual(before + 2);
  });
});

describe('models from the registry and the cache', () => {
  it('embeds name@version with each version’s own files, and checks the registered dimension', async () => {
    await core.invoke('registry.upsertModel', { name: 'tiny', type: 'embedding', provider: 'local', source: { kind: 'path', path: testModel('tiny-32') } });
    await core.invoke('registry.registerVersion', { model: 'tiny', version: '1.0.0' });
    await core.invoke('registry.registerVersion', { model: 'tiny', version: '2.0.0', source: { kind: 'path', path: testModel('tiny-64') } });
    const v1 = (await core.invoke('inference.embed', { model: 'tiny@1.0.0', texts: ['salary'] })).results[0]!;
    const v2 = (await core.invoke('inference.embed', { model: 'tiny@2.0.0', texts: ['salary'] })).results[0]!;
    expect([v1.dimension, v1.version, v2.dimension, v2.version]).toEqual([32, '1.0.0', 64, '2.0.0']);

    await core.invoke('registry.upsertModel', { name: 'tiny', type: 'embedding', provider: 'local', source: { kind: 'path', path: testModel('tiny-32') }, dimension: 384 });
    const err = await failure(core.invoke('inference.embed', { model: 'tiny@1.0.0', texts: ['salary'] }));
    expect(err.code).toBe('DIMENSION_MISMATCH');
    expect(err.message).toContain('384');
  });

  it('refuses a Hub model that is not downloaded, naming the download command, and runs it once it is in the cache', async () => {
    const err = await failure(core.invoke('inference.embed', { model: 'hf:acme/tiny-embed', texts: ['salary'] }));
    expect(err.code).toBe('MODEL_NOT_PRESENT');
    expect(err.hint).toContain('model-center download acme/tiny-embed');
    placeInHfCache(path.join(home, 'hub'), 'acme/tiny-embed', testModel('tiny-32'));
    const r = (await core.invoke('inference.embed', { model: 'acme/tiny-embed', texts: ['salary'] })).results[0]!;
    expect(r.modelKey).toMatch(/^hf:acme\/tiny-embed@[0-9a-f]{40}:onnx\/model\.onnx$/);
  });

  it('refuses unknown names, empty input, broken folders and foreign ONNX graphs with specific errors', async () => {
    expect((await failure(core.invoke('inference.embed', { model: 'no-such-alias', texts: ['a'] }))).code).toBe('MODEL_NOT_FOUND');
    expect((await failure(core.invoke('inference.embed', { model: testModel(), texts: [] }))).message).toContain('at least one text');
    const blank = await failure(core.invoke('inference.embed', { model: testModel(), texts: ['ok', '   '] }));
    expect(blank.issues?.[0]?.path).toBe('texts[1]');

    const noTokenizer = copyModel('tiny-32', path.join(home, 'no-tokenizer'));
    fs.rmSync(path.join(noTokenizer, 'tokenizer.json'));
    const missing = await failure(core.invoke('inference.embed', { model: noTokenizer, texts: ['a'] }));
    expect(missing.code).toBe('MODEL_NOT_PRESENT');
    expect(missing.message).toContain('tokenizer.json');

    const foreign = copyModel('tiny-32', path.join(home, 'foreign'));
    const vi = (name: string) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }] } } } });
    const graph = onnx.ModelProto.encode(
      onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph: { name: 'g', node: [{ opType: 'Relu', input: ['pixels'], output: ['y'] }], input: [vi('pixels')], output: [vi('y')] } }),
    ).finish();
    fs.writeFileSync(path.join(foreign, 'onnx', 'model.onnx'), graph);
    const wrong = await failure(core.invoke('inference.embed', { model: foreign, texts: ['a'] }));
    expect(wrong.code).toBe('INVALID_MODEL');
    expect(wrong.message).toContain('pixels');

    const truncatedFile = copyModel('tiny-32', path.join(home, 'truncated'));
    const onnxFile = path.join(truncatedFile, 'onnx', 'model.onnx');
    fs.writeFileSync(onnxFile, fs.readFileSync(onnxFile).subarray(0, 5000));
    expect((await failure(core.invoke('inference.embed', { model: truncatedFile, texts: ['a'] }))).code).toBe('INVALID_MODEL');
  });

  it('falls back to CPU when a GPU provider cannot start, and says why', async () => {
    await core.invoke('settings.update', { executionProvider: 'webgpu' });
    const r = (await core.invoke('inference.embed', { model: testModel(), texts: ['salary'] })).results[0]!;
    // On a machine with a working WebGPU adapter the provider is webgpu; everywhere else CPU with the reason.
    if (r.executionProvider === 'cpu') expect(r.fallbackReason).toMatch(/webgpu/i);
    else expect(r.executionProvider).toBe('webgpu');
  });

  it('auto without a usable GPU: health ok with a note, real-time and bulk on workers of their own; webgpu by name: degraded', async () => {
    await core.invoke('settings.update', { executionProvider: 'auto' });
    const folder = testModel('tiny-32');
    const rt = (await core.invoke('inference.embed', { model: folder, texts: ['salary'], cache: false })).results[0]!;
    // With a GPU provider that starts here, one shared worker is right; nothing more to see on such a machine.
    if (rt.executionProvider !== 'cpu') return;
    await core.invoke('inference.embed', { model: folder, texts: ['monthly pay'], profile: 'bulk', cache: false });
    const sessions = (await core.invoke('inference.status', {})).sessions.filter((s) => s.modelKey === rt.modelKey);
    expect(sessions.map((s) => s.lane).sort()).toEqual(['bulk', 'rt']);
    const health = await core.invoke('inference.health', {});
    expect(health).toMatchObject({ status: 'ok', device: 'cpu', setting: 'auto', problems: [] });
    expect(health.notes.join('\n')).toContain('ran on cpu');

    await core.invoke('settings.update', { executionProvider: 'webgpu' });
    const degraded = await core.invoke('inference.health', {});
    expect(degraded.status).toBe('degraded');
    expect(degraded.problems.join('\n')).toMatch(/webgpu/);
  });

  it('splits a shared worker into a real-time and a bulk one when its GPU session starts on CPU after all', async () => {
    const model = await core.embeddings.resolve(testModel('tiny-32'));
    const spec = { ...core.embeddings.spec(model), executionProvider: 'webgpu' as const };
    const lanes = new LaneScheduler({ startWorker: startInferenceWorker, sharedWorker: true, idleUnloadMs: 60_000 });
    try {
      const first = await lanes.embed('rt', spec, ['salary']);
      if (first.session.executionProvider !== 'cpu') return; // WebGPU works here: one worker is right
      await lanes.embed('bulk', spec, ['monthly pay']);
      expect(lanes.sessions().map((s) => s.lane).sort()).toEqual(['bulk', 'rt']);
    } finally {
      await lanes.close();
    }
  });
});

describe('validation', () => {
  it('passes a generated model and stores the result as its health', async () => {
    await core.invoke('registry.upsertModel', { name: 'tiny', type: 'embedding', provider: 'local', source: { kind: 'path', path: testModel('tiny-64') }, dimension: 64 });
    await core.invoke('registry.registerVersion', { model: 'tiny', version: '1.0.0' });
    const report = await core.invoke('inference.validate', { model: 'tiny' });
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual(['load', 'dimension', 'finite', 'unit norm', 'deterministic', 'similarity']);
    expect(report.checks.find((c) => c.name === 'similarity')!.detail).toContain('заработная плата');
    const stored = await core.invoke('inference.validations', { model: 'tiny' });
    expect(stored[0]).toMatchObject({ registryModel: 'tiny', version: '1.0.0', ok: true });
    expect((await core.invoke('inference.health', {})).status).toBe('ok');
  });

  it('checks the model’s max length against the one the registry records: a warning when they differ', async () => {
    const entry = { name: 'tiny', type: 'embedding', provider: 'local', source: { kind: 'path', path: testModel('tiny-64') }, dimension: 64 } as const;
    await core.invoke('registry.upsertModel', { ...entry, maxSeqLength: 256 });
    await core.invoke('registry.registerVersion', { model: 'tiny', version: '1.0.0' });
    const differs = await core.invoke('inference.validate', { model: 'tiny' });
    expect(differs.ok).toBe(true);
    const check = differs.checks.find((c) => c.name === 'max length')!;
    expect(check).toMatchObject({ ok: true, warning: true });
    expect(check.detail).toContain('the model reads 128 tokens, the registry records 256');
    expect(formatValidation(differs)).toMatch(/warn\s+max length/);

    await core.invoke('registry.upsertModel', { ...entry, maxSeqLength: 128 });
    const same = (await core.invoke('inference.validate', { model: 'tiny' })).checks.find((c) => c.name === 'max length')!;
    expect(same.warning).toBeUndefined();
  });

  it('says how the config files were read: notes in validate’s load check and in embed results', async () => {
    const folder = copyModel('tiny-32', path.join(home, 'no-sbert-config'));
    fs.rmSync(path.join(folder, 'sentence_bert_config.json'));
    const report = await core.invoke('inference.validate', { model: folder });
    expect(report.checks.find((c) => c.name === 'load')!.detail).toContain('note: max length 128 from tokenizer_config.json');
    const r = (await core.invoke('inference.embed', { model: folder, texts: ['salary'] })).results[0]!;
    expect(r.configNotes).toEqual(['max length 128 from tokenizer_config.json']);
  });

  it('fails a model whose words are all unrelated to the probes (random weights), and reports which pairs', async () => {
    const folder = unkModel(path.join(home, 'unk'));
    const report = await core.invoke('inference.validate', { model: folder });
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.name === 'similarity')).toMatchObject({ ok: false });
    expect((await core.invoke('inference.health', {})).status).toBe('degraded');
  });
});

describe('surfaces', () => {
  it('CLI embed and validate print what a person needs, with exit codes', async () => {
    await core.close();
    const env = testEnv(home);
    const embed = await runCliProcess(['embed', testModel(), 'зарплата', 'salary'], env);
    expect(embed.code).toBe(0);
    expect(embed.stdout).toContain('32 dims');
    expect(embed.stdout).toContain('зарплата');
    const json = await runCliProcess(['embed', testModel(), 'salary', '--json'], env);
    expect((JSON.parse(json.stdout) as { results: Array<{ vectors: number[][] }> }).results[0]!.vectors[0]).toHaveLength(32);
    const validate = await runCliProcess(['validate', testModel('tiny-64')], env);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain('healthy');
    const unknown = await runCliProcess(['embed', 'nope', 'x'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No model or alias "nope"');
    core = openTestCore(home);
  });

  it('CLI health: exit 0 when ok, 1 once a model failed validation (in any process), naming it', async () => {
    const unk = unkModel(path.join(home, 'unk'));
    await core.close();
    const env = testEnv(home);
    const healthy = await runCliProcess(['health'], env);
    expect(healthy.code, healthy.stderr).toBe(0);
    expect(healthy.stdout).toMatch(/^inference ok: on cpu \(setting cpu\)/);
    expect((await runCliProcess(['validate', unk], env)).code).toBe(1);
    const degraded = await runCliProcess(['health'], env);
    expect(degraded.code).toBe(1);
    expect(degraded.stdout).toContain('inference degraded');
    expect(degraded.stdout).toContain(`problem: ${unk} failed validation`);
    core = openTestCore(home);
  });

  it('CLI on a GPU provider that cannot start: a readable reason, no native noise, and a fresh `status` shows it with earlier processes’ cache counts', async () => {
    await core.invoke('settings.update', { executionProvider: 'webgpu' });
    await core.close();
    const env = testEnv(home);
    const r = await runCliProcess(['embed', testModel(), 'salary', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    // Dawn prints this when WebGPU is tried without a Vulkan loader; such a machine must not try it at all.
    expect(r.stderr).not.toContain("Couldn't load Vulkan");
    const result = (JSON.parse(r.stdout) as { results: Array<{ executionProvider: string; fallbackReason: string | null }> }).results[0]!;
    const fellBack = result.executionProvider === 'cpu';
    if (fellBack) {
      expect(result.fallbackReason).toMatch(/^webgpu: /);
      expect(result.fallbackReason).not.toMatch(/::|<lambda|\.cc:\d/);
    }
    expect((await runCliProcess(['embed', testModel(), 'salary', 'monthly pay'], env)).code).toBe(0);

    const status = await runCliProcess(['status', '--json'], env);
    const inference = (JSON.parse(status.stdout) as { inference: InferenceStatusDTO }).inference;
    expect(inference.cache).toMatchObject({ hits: 1, misses: 2 });
    if (fellBack) expect(inference.lastFallback).toMatchObject({ requested: 'webgpu', used: 'cpu', reason: result.fallbackReason });
    const human = await runCliProcess(['status'], env);
    expect(human.stdout).toMatch(/1 hits, 2 misses since \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    if (fellBack) expect(human.stdout).toContain('last fallback: asked for webgpu, ran on cpu');

    core = openTestCore(home);
    await core.invoke('inference.clearCache', {});
    expect((await core.invoke('inference.status', {})).cache).toMatchObject({ hits: 0, misses: 0, entries: 0 });
  });

  it('HTTP: embed, health, and a 400 naming the field for non-string texts', async () => {
    await core.close();
    const serve = await startServe(home, { HF_HUB_CACHE: path.join(home, 'hub') });
    try {
      const post = (method: string, body: unknown) =>
        fetch(new URL(`/api/rpc/${method}`, serve.url), { method: 'POST', headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const ok = await post('inference.embed', { model: testModel(), texts: ['salary'], profile: 'bulk' });
      expect(ok.status, await ok.clone().text()).toBe(200);
      const body = (await ok.json()) as { result: { results: Array<{ dimension: number }> } };
      expect(body.result.results[0]!.dimension).toBe(32);
      const bad = await post('inference.embed', { model: testModel(), texts: ['fine', 42] });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(await bad.json())).toContain('texts[1]');
      const health = await fetch(new URL(`/api/rpc/inference.health`, serve.url), { headers: { authorization: `Bearer ${serve.token}` } });
      expect(((await health.json()) as { result: { models: Array<{ lane: string }> } }).result.models.some((m) => m.lane === 'bulk')).toBe(true);
    } finally {
      await serve.stop();
      core = openTestCore(home);
    }
  });
});
