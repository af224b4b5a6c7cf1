import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { adoptedName } from '../../src/shared/contract';
import { makeStLegacy } from '../support/model-trees';
import { runCliProcess } from '../support/run-cli';
import { failure, useDetectFixture } from '../support/detect-fixture';

const t = useDetectFixture('mc-adopt-');

describe('detect.adoptLegacy', () => {
  it('registers a legacy folder with dimension, max length and pooling read from it, first version in development', async () => {
    const dir = makeStLegacy(path.join(t.home, 'st'), 'sentence-transformers_All-MiniLM-L6-v2', { pooling: { pooling_mode_mean_tokens: true }, maxSeqLength: 256 });
    const core = t.open();
    const before = await core.invoke('detect', {});
    const row = before.groups.find((g) => g.source === 'sentence-transformers')?.models[0];
    expect(row).toMatchObject({ name: 'sentence-transformers/All-MiniLM-L6-v2', registryModel: null });

    const r = await core.invoke('detect.adoptLegacy', { path: dir });
    expect(r.model).toMatchObject({
      name: 'all-minilm-l6-v2',
      type: 'embedding',
      provider: 'local',
      source: { kind: 'path', path: dir },
      dimension: 384,
      maxSeqLength: 256,
      pooling: 'mean',
    });
    expect(r.model.sizeBytes).toBeGreaterThan(4096);
    expect(r.model.notes).toMatch(/legacy sentence-transformers cache.*Probably the Hub repo sentence-transformers\/All-MiniLM-L6-v2.*2\.2\.2/);
    expect(r.version).toMatchObject({ model: 'all-minilm-l6-v2', version: '1.0.0', status: 'development', isCurrent: false });
    expect(r.messages).toEqual(expect.arrayContaining(['dimension 384 from 1_Pooling/config.json', 'pooling mean', 'max sequence length 256 from sentence_bert_config.json']));

    const detail = await core.invoke('registry.getModel', { model: 'all-minilm-l6-v2' });
    expect(detail.versions.map((v) => [v.version, v.status])).toEqual([['1.0.0', 'development']]);
    // Detection links the folder to its registry model now (the window hides the adopt button for it).
    const after = await core.invoke('detect', {});
    expect(after.groups.find((g) => g.source === 'sentence-transformers')?.models[0]?.registryModel).toBe('all-minilm-l6-v2');
    // Nothing on disk moved.
    expect(fs.existsSync(path.join(dir, 'pytorch_model.bin'))).toBe(true);
  });

  it('takes the Dense layer for the dimension, a given name and version; unclear pooling stays empty and says why', async () => {
    const dir = makeStLegacy(path.join(t.home, 'st'), 'org_Projected', { pooling: { pooling_mode_cls_token: true, pooling_mode_max_tokens: true }, dense: 768 });
    const core = t.open();
    const r = await core.invoke('detect.adoptLegacy', { path: dir, name: 'projected-embed', version: 'v2' });
    expect(r.model).toMatchObject({ name: 'projected-embed', dimension: 768, maxSeqLength: null, pooling: null });
    expect(r.version.version).toBe('2.0.0');
    expect(r.messages.join('\n')).toMatch(/dimension 768 from 2_Dense\/config\.json/);
    expect(r.messages.join('\n')).toMatch(/several pooling modes \(cls, max\)/);
    expect(r.messages.join('\n')).toMatch(/max sequence length unknown/);
  });

  it('refuses a name that exists, a folder adopted already, and a folder that is not a sentence-transformers model', async () => {
    const st = path.join(t.home, 'st');
    const a = makeStLegacy(st, 'org_alpha', { pooling: { pooling_mode_mean_tokens: true } });
    const b = makeStLegacy(st, 'other_alpha', { pooling: { pooling_mode_mean_tokens: true } });
    const noWeights = makeStLegacy(st, 'org_noweights', { weights: false });
    const plain = path.join(st, 'org_plain');
    fs.mkdirSync(plain, { recursive: true });
    fs.writeFileSync(path.join(plain, 'config.json'), '{}');
    const core = t.open();
    await core.invoke('detect.adoptLegacy', { path: a });

    const taken = await failure(core.invoke('detect.adoptLegacy', { path: b }));
    expect(taken.code).toBe('CONFLICT');
    expect(taken.message).toBe('A registry model named "alpha" already exists.');
    expect(taken.hint).toMatch(/--name/);
    const twice = await failure(core.invoke('detect.adoptLegacy', { path: a, name: 'alpha-again' }));
    expect(twice.code).toBe('CONFLICT');
    expect(twice.message).toMatch(/already in the registry as model "alpha"/);
    const notSt = await failure(core.invoke('detect.adoptLegacy', { path: plain }));
    expect(notSt.code).toBe('INVALID_INPUT');
    expect(notSt.message).toMatch(/is not a sentence-transformers model: no modules\.json/);
    const half = await failure(core.invoke('detect.adoptLegacy', { path: noWeights }));
    expect(half.message).toMatch(/no weights \(model\.safetensors or pytorch_model\.bin/);
    const missing = await failure(core.invoke('detect.adoptLegacy', { path: path.join(st, 'nothing-here') }));
    expect(missing.code).toBe('NOT_FOUND');
    const relative = await failure(core.call('detect.adoptLegacy', { path: 'st/org_alpha' }));
    expect(relative.code).toBe('INVALID_INPUT');
    expect(relative.message).toMatch(/path: must be an absolute path/);
    // A refused adoption wrote nothing.
    expect((await core.invoke('registry.listModels', {})).map((m) => m.name)).toEqual(['alpha']);
  });

  it('proposes names from folder names', () => {
    expect(adoptedName('sentence-transformers_paraphrase-multilingual-MiniLM-L12-v2')).toBe('paraphrase-multilingual-minilm-l12-v2');
    expect(adoptedName('cointegrated_rubert-tiny2')).toBe('rubert-tiny2');
    expect(adoptedName('plainname')).toBe('plainname');
    expect(adoptedName('org_@@@')).toBeNull();
  });
});

describe('model-center adopt', () => {
  it('adopts with --name and prints what it read; exits 1 on a taken name and 2 on a folder that is not a model', async () => {
    const dir = makeStLegacy(path.join(t.home, 'st'), 'cointegrated_rubert-tiny2', { pooling: { pooling_mode_cls_token: true }, maxSeqLength: 2048 });
    const ok = await runCliProcess(['adopt', dir, '--name', 'rubert-tiny2', '--first-version', '1.0.1'], t.env());
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Registered rubert-tiny2 1\.0\.1 \(development\): embedding, local, /);
    expect(ok.stdout).toMatch(/dimension 384, max sequence length 2048, pooling cls/);
    const again = await runCliProcess(['adopt', dir, '--json'], t.env());
    expect(again.code).toBe(1);
    expect((JSON.parse(again.stdout) as { error: { code: string } }).error.code).toBe('CONFLICT');
    const bad = await runCliProcess(['adopt', t.home], t.env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a sentence-transformers model: no modules\.json/);
    const help = await runCliProcess(['adopt', '--help'], t.env());
    expect(help.stdout).toMatch(/--first-version <version>/);
  });
});
