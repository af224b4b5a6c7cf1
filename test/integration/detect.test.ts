import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DetectResultDTO } from '../../src/shared/contract';
import type { Core } from '../../src/main/core/create-core';
import { voskLanguage } from '../../src/main/core/detect/vosk-scan';
import { ollamaHost } from '../../src/main/core/detect/detect-roots';
import { makeHfRepo, makeOllamaStore, makeStLegacy, makeVoskModel } from '../support/model-trees';
import { startFakeOllama, type FakeOllama } from '../support/ollama-server';
import { makeTempDir, openTestCore, removeDir } from '../support/temp-home';

let home: string;
let core: Core | undefined;
let fake: FakeOllama | undefined;

beforeEach(() => {
  home = makeTempDir('mc-detect-');
});
afterEach(async () => {
  await core?.close();
  core = undefined;
  await fake?.close();
  fake = undefined;
  removeDir(home);
});

const C1 = '1'.repeat(40);
const C2 = '2'.repeat(40);
const C3 = '3'.repeat(40);

function buildTrees(): Record<string, string> {
  const ollama = path.join(home, 'ollama-models');
  makeOllamaStore(ollama, [
    { name: 'llama3', tag: '8b', layers: [3000, 120] },
    { name: 'broken', tag: 'latest', layers: [2000, 50], dropBlob: 0 },
    { name: 'mymodel', tag: 'v1', namespace: 'someone', layers: [100] },
  ]);
  const vosk = path.join(home, 'vosk');
  makeVoskModel(path.join(vosk, 'vosk-model-small-ru-0.22'));
  makeVoskModel(path.join(vosk, 'vosk-model-en-us-0.22-lgraph'), { lookahead: true });
  makeVoskModel(path.join(vosk, 'vosk-model-small-de-0.15'), { omit: ['graph'] });
  const hub = path.join(home, 'hub');
  makeHfRepo(
    hub,
    'org/embedder',
    [
      { commit: C1, ref: 'v1.0', files: { 'config.json': '{"a":1}', 'model.onnx': 'x'.repeat(500) } },
      // Nested, as a sentence-transformers ONNX repo lays its files out.
      { commit: C2, ref: 'main', files: { 'config.json': '{"a":2}', 'onnx/model.onnx': 'y'.repeat(700), '1_Pooling/config.json': '{"pooling_mode_mean_tokens":true}' } },
      { commit: C3, files: { 'config.json': '{"a":3}' } },
    ],
    [{ name: 'f'.repeat(64), bytes: 300 }],
  );
  makeHfRepo(hub, 'org/small', [{ commit: C1, ref: 'main', files: { 'config.json': '{}' } }]);
  const st = path.join(home, 'st');
  makeStLegacy(st, 'sentence-transformers_all-MiniLM-L6-v2');
  makeStLegacy(st, 'org_noweights', { weights: false });
  return { OLLAMA_MODELS: ollama, MODEL_CENTER_VOSK_DIRS: vosk, HF_HUB_CACHE: hub, SENTENCE_TRANSFORMERS_HOME: st, HOME: path.join(home, 'fake-home') };
}

function groupOf(r: DetectResultDTO, source: string): DetectResultDTO['groups'][number] {
  const g = r.groups.find((x) => x.source === source);
  if (!g) throw new Error(`no group ${source}`);
  return g;
}

describe('detect', () => {
  it('lists every source from disk with the Ollama server down', async () => {
    const env = buildTrees();
    // Last read: the weights a runtime loads (Ollama's blobs, Vosk's am/ and graph/, legacy weights files).
    const readAt = new Date('2026-05-06T07:08:09.000Z');
    const ru = path.join(env.MODEL_CENTER_VOSK_DIRS ?? '', 'vosk-model-small-ru-0.22');
    for (const dir of [path.join(env.OLLAMA_MODELS ?? '', 'blobs'), path.join(ru, 'am'), path.join(ru, 'graph'), path.join(env.SENTENCE_TRANSFORMERS_HOME ?? '', 'sentence-transformers_all-MiniLM-L6-v2')]) {
      for (const f of fs.readdirSync(dir)) if (fs.statSync(path.join(dir, f)).isFile()) fs.utimesSync(path.join(dir, f), readAt, new Date('2026-01-01T00:00:00.000Z'));
    }
    core = openTestCore(home, { ...env, OLLAMA_HOST: 'http://127.0.0.1:9' });
    const r = await core.invoke('detect', {});
    expect(r.ollama.running).toBe(false);
    expect(r.ollama.error).toMatch(/Ollama is not running at http:\/\/127\.0\.0\.1:9; start it with `ollama serve`/);

    const ol = groupOf(r, 'ollama');
    expect(ol.models.map((m) => m.name)).toEqual(['broken:latest', 'llama3:8b', 'someone/mymodel:v1']);
    const llama = ol.models.find((m) => m.name === 'llama3:8b');
    expect(llama?.complete).toBe(true);
    expect(llama?.sizeBytes).toBeGreaterThanOrEqual(3120);
    expect(llama?.revision).toMatch(/^[0-9a-f]{12}$/);
    expect(llama?.notes).toContain('server not running');
    expect(llama?.lastUsed).toBe(readAt.toISOString());
    const broken = ol.models.find((m) => m.name === 'broken:latest');
    expect(broken?.complete).toBe(false);
    expect(broken?.missing[0]).toMatch(/^blob sha256:.*application\/vnd\.ollama\.image\.model, 2000 bytes/);

    const vosk = groupOf(r, 'vosk');
    const byName = Object.fromEntries(vosk.models.map((m) => [m.name, m]));
    expect(Object.keys(byName).sort()).toEqual(['vosk-model-en-us-0.22-lgraph', 'vosk-model-small-de-0.15', 'vosk-model-small-ru-0.22']);
    expect(byName['vosk-model-small-ru-0.22']?.language).toBe('ru');
    expect(byName['vosk-model-small-ru-0.22']?.revision).toBe('0.22');
    expect(byName['vosk-model-small-ru-0.22']?.complete).toBe(true);
    expect(byName['vosk-model-en-us-0.22-lgraph']?.complete).toBe(true);
    expect(byName['vosk-model-en-us-0.22-lgraph']?.language).toBe('en-us');
    expect(byName['vosk-model-small-de-0.15']?.complete).toBe(false);
    expect(byName['vosk-model-small-de-0.15']?.missing).toEqual(['graph/HCLG.fst (or graph/Gr.fst + graph/HCLr.fst)']);
    expect(byName['vosk-model-small-ru-0.22']?.sizeBytes).toBeGreaterThan(3000);
    expect(byName['vosk-model-small-ru-0.22']?.lastUsed).toBe(readAt.toISOString());

    const hf = groupOf(r, 'huggingface');
    const emb = hf.models.find((m) => m.name === 'org/embedder');
    expect(emb?.revision).toBe(C2);
    expect(emb?.revisions).toHaveLength(3);
    expect(emb?.revisions.find((x) => x.commit === C3)?.detached).toBe(true);
    expect(emb?.revisions.find((x) => x.commit === C1)?.refs).toEqual(['v1.0']);
    // Files in snapshot subfolders count (@huggingface/hub's scanner alone would see only config.json here).
    expect(emb?.revisions.find((x) => x.commit === C2)).toMatchObject({ files: 3, sizeBytes: 7 + 700 + 33 });
    expect(emb?.sizeBytes).toBe(507 + 740 + 7 + 300);
    expect(emb?.complete).toBe(false);
    expect(emb?.missing[0]).toMatch(/1 partial download/);
    expect(emb?.notes).toContain('1 detached revision(s) no ref points at (safe to clean up)');
    expect(emb?.lastUsed).not.toBeNull();
    expect(hf.models.find((m) => m.name === 'org/small')?.complete).toBe(true);

    const st = groupOf(r, 'sentence-transformers');
    expect(st.models.map((m) => m.name).sort()).toEqual(['org/noweights', 'sentence-transformers/all-MiniLM-L6-v2']);
    expect(st.models.find((m) => m.name === 'org/noweights')?.complete).toBe(false);
    expect(st.models.find((m) => m.name === 'sentence-transformers/all-MiniLM-L6-v2')?.notes).toContain('saved by sentence-transformers 2.2.2');
    expect(st.models.find((m) => m.name === 'sentence-transformers/all-MiniLM-L6-v2')?.lastUsed).toBe(readAt.toISOString());
    expect(r.groups.every((g) => g.totalBytes === g.models.reduce((s, m) => s + m.sizeBytes, 0))).toBe(true);
  });

  it('merges what a running server says: version, listed and loaded models, server-only models', async () => {
    const env = buildTrees();
    fake = await startFakeOllama({
      version: '0.12.6',
      models: [
        { name: 'llama3:8b', size: 3120, digest: 'd'.repeat(64), modifiedAt: '2026-03-04T05:06:07.000Z' },
        { name: 'qwen2:0.5b', size: 999, digest: 'e'.repeat(64) },
      ],
      running: ['llama3:8b'],
    });
    core = openTestCore(home, { ...env, OLLAMA_HOST: fake.host });
    const r = await core.invoke('detect', {});
    expect(r.ollama).toEqual({ host: fake.host, running: true, version: '0.12.6', error: null });
    const ol = groupOf(r, 'ollama');
    const llama = ol.models.find((m) => m.name === 'llama3:8b');
    expect(llama?.running).toBe(true);
    // Loaded right now: used now, whatever the pull time (modified_at) says.
    expect(Date.now() - Date.parse(llama?.lastUsed ?? '')).toBeLessThan(60_000);
    expect(llama?.notes).not.toContain('server not running');
    expect(ol.models.find((m) => m.name === 'qwen2:0.5b')?.location).toMatch(/server store/);
    expect(ol.models.find((m) => m.name === 'broken:latest')?.notes[0]).toMatch(/not listed by the server/);
  });

  it('reports empty, missing roots without failing', async () => {
    core = openTestCore(home, { OLLAMA_MODELS: path.join(home, 'none'), MODEL_CENTER_VOSK_DIRS: path.join(home, 'none2'), HF_HUB_CACHE: path.join(home, 'none3'), SENTENCE_TRANSFORMERS_HOME: path.join(home, 'none4'), HOME: path.join(home, 'h'), OLLAMA_HOST: '127.0.0.1:9' });
    const r = await core.invoke('detect', {});
    expect(r.groups.map((g) => g.models.length)).toEqual([0, 0, 0, 0]);
    expect(groupOf(r, 'vosk').roots[0]).toEqual({ path: path.join(home, 'none2'), exists: false });
  });

  it('guesses languages and normalises OLLAMA_HOST like the Ollama CLI', () => {
    expect(voskLanguage('vosk-model-small-ru-0.22')).toBe('ru');
    expect(voskLanguage('vosk-model-ru-0.42')).toBe('ru');
    expect(voskLanguage('vosk-model-small-en-us-0.15')).toBe('en-us');
    expect(voskLanguage('my-model')).toBeNull();
    expect(ollamaHost({})).toBe('http://127.0.0.1:11434');
    expect(ollamaHost({ OLLAMA_HOST: '0.0.0.0' })).toBe('http://127.0.0.1:11434');
    expect(ollamaHost({ OLLAMA_HOST: 'example.com:8080' })).toBe('http://example.com:8080');
    expect(ollamaHost({ OLLAMA_HOST: 'https://ollama.example.com' })).toBe('https://ollama.example.com');
  });
});
