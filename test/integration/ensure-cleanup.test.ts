import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/create-core';
import type { CleanupResultDTO } from '../../src/shared/contract';
import { stampChunks } from '../../src/main/core/registry/document-metadata';
import { compareDotted, ollamaFamily, voskFamily } from '../../src/main/core/ensure/cleanup-runtimes';
import { makeOllamaStore, makeVoskModel } from '../support/model-trees';
import { startFakeOllama } from '../support/ollama-server';
import { runCliProcess } from '../support/run-cli';
import { bytesUnder, useDetectFixture } from '../support/detect-fixture';

const t = useDetectFixture('mc-cleanup-');

describe('cleanup helpers', () => {
  it('groups families and orders dotted versions by number', () => {
    expect(voskFamily('vosk-model-small-ru-0.22')).toEqual({ family: 'vosk-model-small-ru', version: [0, 22] });
    expect(voskFamily('vosk-model-en-us-0.22-lgraph')).toEqual({ family: 'vosk-model-en-us-lgraph', version: [0, 22] });
    expect(voskFamily('my-model')).toBeNull();
    expect(compareDotted([0, 22], [0, 4])).toBeGreaterThan(0);
    expect(compareDotted([0, 3, 1], [0, 4])).toBeLessThan(0);
    expect(ollamaFamily('llama3')).toBe('llama3');
    expect(ollamaFamily('llama3:8b')).toBe('llama3');
    expect(ollamaFamily('someone/m:v1')).toBe('someone/m');
  });
});

describe('models.cleanup: registry versions', () => {
  async function setup(c: Core): Promise<void> {
    await c.invoke('registry.upsertModel', { name: 'emb', type: 'embedding', provider: 'local' });
    const versions: Array<[string, 'development' | 'staging' | 'production' | 'deprecated' | 'archived']> = [
      ['0.5.0', 'archived'],
      ['0.6.0', 'deprecated'],
      ['0.8.0', 'development'],
      ['0.9.0', 'development'],
      ['1.0.0', 'production'],
      ['1.1.0', 'development'],
      ['1.2.0', 'staging'],
      ['2.0.0', 'production'],
      ['2.1.0', 'development'],
    ];
    for (const [version, status] of versions) await c.invoke('registry.registerVersion', { model: 'emb', version, status });
    // 1.0.0 served before 2.0.0, then was deprecated: it is what rollback returns to.
    await c.invoke('registry.setCurrent', { model: 'emb', version: '1.0.0' });
    await c.invoke('registry.setCurrent', { model: 'emb', version: '2.0.0' });
    await c.invoke('registry.setStatus', { model: 'emb', version: '1.0.0', status: 'deprecated' });
    await c.invoke('registry.upsertModel', { name: 'small', type: 'embedding', provider: 'local' });
    await c.invoke('registry.registerVersion', { model: 'small', version: '1.0.0' });
    stampChunks(c.db, [{ collection: 'docs', chunkId: 'a', embeddingModel: 'emb', embeddingModelVersion: '0.9.0' }]);
  }

  it('keeps the N most recent, current, production, staging, stamped and in-use versions; archives the rest on apply', async () => {
    const core = t.open();
    await setup(core);
    const job = core.jobStore.insert('embed', 'Embed with emb 0.8', { model: 'emb', version: '0.8' }, false, process.pid);

    const dry = await core.invoke('models.cleanup', { keep: 1, dryRun: true, sources: ['registry'] });
    expect(dry.sources).toEqual(['registry']);
    expect(dry.registry).toHaveLength(1);
    const g = dry.registry[0];
    expect(g?.model).toBe('emb');
    expect(g?.kept.map((k) => [k.id, k.reason])).toEqual([
      ['2.1.0', 'among the 1 most recent'],
      ['2.0.0', 'current version'],
      ['1.2.0', 'in staging'],
      ['1.0.0', 'previous version (what rollback returns to)'],
      ['0.9.0', '1 chunk(s) are indexed with it'],
      ['0.8.0', `job ${job.id} (embed, queued) uses it`],
    ]);
    expect(g?.removed.map((r) => [r.id, r.status])).toEqual([
      ['1.1.0', 'development'],
      ['0.6.0', 'deprecated'],
    ]);
    expect(dry.bytesFreed).toBe(0);
    expect((await core.invoke('registry.versions', { model: 'emb' })).find((v) => v.version === '1.1.0')?.status).toBe('development');

    const real = await core.invoke('models.cleanup', { keep: 1, sources: ['registry'] });
    expect(real.registry[0]?.removed.map((r) => r.id)).toEqual(['1.1.0', '0.6.0']);
    expect(real.warnings).toEqual([]);
    const statuses = Object.fromEntries((await core.invoke('registry.versions', { model: 'emb' })).map((v) => [v.version, v.status]));
    expect(statuses).toMatchObject({ '1.1.0': 'archived', '0.6.0': 'archived', '1.0.0': 'deprecated', '2.1.0': 'development', '0.8.0': 'development', '2.0.0': 'production' });
    // Rollback still works: its target was kept out of the archive.
    expect((await core.invoke('registry.rollback', { model: 'emb' })).to).toBe('1.0.0');
    expect((await core.invoke('models.cleanup', { keep: 1, dryRun: true, sources: ['registry'] })).registry[0]?.removed).toEqual([]);
  });
});

describe('models.cleanup: Vosk and Ollama', () => {
  function voskTree(): Record<string, string> {
    const root = path.join(t.home, 'vosk');
    const dirs: Record<string, string> = {};
    for (const name of ['vosk-model-small-ru-0.4', 'vosk-model-small-ru-0.15', 'vosk-model-small-ru-0.22', 'vosk-model-en-us-0.22', 'vosk-model-en-us-0.22-lgraph']) {
      dirs[name] = path.join(root, name);
      makeVoskModel(dirs[name]);
    }
    dirs['vosk-model-small-ru-0.23'] = path.join(root, 'vosk-model-small-ru-0.23');
    makeVoskModel(dirs['vosk-model-small-ru-0.23'], { omit: ['graph'] });
    return dirs;
  }

  function ollamaTree(): void {
    const store = path.join(t.home, 'ollama');
    makeOllamaStore(store, [
      { name: 'llama3', tag: '8b', layers: [800] },
      { name: 'llama3', tag: '70b', layers: [7000] },
      { name: 'gemma2', tag: '2b', layers: [200] },
      { name: 'gemma2', tag: '9b', layers: [900] },
      { name: 'gemma2', tag: '27b', layers: [2700] },
    ]);
    const ages: Record<string, number> = { 'llama3/8b': 1, 'llama3/70b': 5, 'gemma2/2b': 1, 'gemma2/9b': 3, 'gemma2/27b': 4 };
    for (const [rel, days] of Object.entries(ages)) {
      const t = new Date(Date.now() - days * 86_400_000);
      fs.utimesSync(path.join(store, 'manifests', 'registry.ollama.ai', 'library', ...rel.split('/')), t, t);
    }
  }

  it('removes older Vosk versions (complete first) and older Ollama tags of required families; other families are only listed', async () => {
    const dirs = voskTree();
    ollamaTree();
    const fake = await startFakeOllama({
      models: ['llama3:8b', 'llama3:70b', 'gemma2:2b', 'gemma2:9b', 'gemma2:27b'].map((name) => ({ name, size: 1, digest: 'c'.repeat(64) })),
    });
    t.fake = fake;
    const core = t.open();
    await core.invoke('settings.update', { requiredModels: ['vosk:vosk-model-small-ru-0.4', 'ollama:gemma2:2b'] });
    const sizes = { '0.15': bytesUnder(dirs['vosk-model-small-ru-0.15'] ?? ''), '0.23': bytesUnder(dirs['vosk-model-small-ru-0.23'] ?? '') };

    const dry = await core.invoke('models.cleanup', { keep: 1, dryRun: true, sources: ['vosk', 'ollama'] });
    expect(dry.vosk).toHaveLength(1);
    const v = dry.vosk[0];
    expect(v?.model).toBe('vosk-model-small-ru');
    expect(v?.kept.map((k) => [k.id, k.reason])).toEqual([
      ['vosk-model-small-ru-0.22', 'among the 1 newest'],
      ['vosk-model-small-ru-0.4', 'in requiredModels'],
    ]);
    expect(v?.removed.map((r) => [r.id, r.bytes])).toEqual([
      ['vosk-model-small-ru-0.15', sizes['0.15']],
      ['vosk-model-small-ru-0.23', sizes['0.23']],
    ]);

    const byFamily = Object.fromEntries(dry.ollama.map((x) => [x.model, x]));
    expect(byFamily.gemma2?.kept.map((k) => [k.id, k.reason])).toEqual([['gemma2:2b', 'in requiredModels']]);
    expect(byFamily.gemma2?.removed.map((r) => [r.id, r.bytes])).toEqual([
      ['gemma2:9b', 900],
      ['gemma2:27b', 2700],
    ]);
    expect(byFamily.llama3?.kept.map((k) => k.id)).toEqual(['llama3:8b']);
    expect(byFamily.llama3?.removed).toEqual([]);
    expect(byFamily.llama3?.listed.map((x) => [x.id, x.reason])).toEqual([['llama3:70b', 'family not in requiredModels: listed only (--all-ollama deletes it too)']]);
    expect(dry.bytesFreed).toBe(sizes['0.15'] + sizes['0.23'] + 900 + 2700);
    expect(fs.existsSync(dirs['vosk-model-small-ru-0.15'] ?? '')).toBe(true);
    expect(fake.requests.some((r) => r.method === 'DELETE')).toBe(false);

    const human = await runCliProcess(['cleanup', '--keep', '1', '--dry-run', '--only', 'vosk,ollama'], t.env());
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/Vosk:\n.*\n.*vosk-model-small-ru\s+vosk-model-small-ru-0\.22\s+kept\s+among the 1 newest/);
    expect(human.stdout).toMatch(/gemma2\s+gemma2:27b\s+would remove\s+2\.7 KB/);
    expect(human.stdout).toMatch(/llama3\s+llama3:70b\s+listed\s+7\.0 KB; family not in requiredModels: listed only \(--all-ollama deletes it too\)/);
    expect(human.stdout).toMatch(/Would free [\d.]+ KB \(0 revision\(s\), 4 Ollama\/Vosk model\(s\)\)\. Run without --dry-run to apply\./);
    expect(human.stdout).not.toMatch(/Hugging Face cache:/);
    // Every family on request: llama3's older tag goes too, with the same refusal rules.
    const all = await runCliProcess(['cleanup', '--keep', '1', '--dry-run', '--only', 'ollama', '--all-ollama', '--json'], t.env());
    expect(all.code).toBe(0);
    const allOllama = (JSON.parse(all.stdout) as CleanupResultDTO).ollama;
    expect(allOllama.find((x) => x.model === 'llama3')?.removed.map((r) => r.id)).toEqual(['llama3:70b']);
    expect(allOllama.find((x) => x.model === 'gemma2')?.kept.map((k) => k.id)).toEqual(['gemma2:2b']);

    const real = await core.invoke('models.cleanup', { keep: 1, sources: ['vosk', 'ollama'] });
    expect(real.bytesFreed).toBe(dry.bytesFreed);
    expect(fs.readdirSync(path.join(t.home, 'vosk')).sort()).toEqual(['vosk-model-en-us-0.22', 'vosk-model-en-us-0.22-lgraph', 'vosk-model-small-ru-0.22', 'vosk-model-small-ru-0.4']);
    expect(fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.body)).toEqual([{ name: 'gemma2:9b' }, { name: 'gemma2:27b' }]);
    expect(fake.models.map((m) => m.name)).toEqual(['llama3:8b', 'llama3:70b', 'gemma2:2b']);
  });

  it('leaves Ollama alone when its server is down, and a Vosk model a job uses', async () => {
    const dirs = voskTree();
    ollamaTree();
    const core = t.open();
    await core.invoke('settings.update', { requiredModels: ['ollama:gemma2:2b'] });
    const job = core.jobStore.insert('transcribe', 'Transcribe', { modelDir: dirs['vosk-model-small-ru-0.15'] ?? '' }, false, process.pid);
    const r = await core.invoke('models.cleanup', { keep: 1, sources: ['vosk', 'ollama'] });
    const gemma = r.ollama.find((x) => x.model === 'gemma2');
    expect(gemma?.skipped).toMatch(/Ollama server not running at http:\/\/127\.0\.0\.1:9: nothing can be deleted now/);
    expect(gemma?.removed).toEqual([]);
    expect(r.vosk[0]?.kept.map((k) => [k.id, k.reason])).toContainEqual(['vosk-model-small-ru-0.15', `job ${job.id} (transcribe, queued) uses it`]);
    expect(r.vosk[0]?.removed.map((x) => x.id)).toEqual(['vosk-model-small-ru-0.4', 'vosk-model-small-ru-0.23']);
    expect(fs.existsSync(dirs['vosk-model-small-ru-0.15'] ?? '')).toBe(true);
    expect(fs.existsSync(dirs['vosk-model-small-ru-0.4'] ?? '')).toBe(false);
    expect(r.bytesFreed).toBe(r.vosk[0]?.removed.reduce((s, x) => s + (x.bytes ?? 0), 0));
  });

  it('CLI: an unknown source is a usage error', async () => {
    const bad = await runCliProcess(['cleanup', '--keep', '1', '--only', 'pip'], t.env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/sources/);
  });
});
