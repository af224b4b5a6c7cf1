import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeHfRepo, makeOllamaStore, makeStLegacy, makeVoskModel } from '../support/model-trees';
import { startFakeOllama } from '../support/ollama-server';
import { runCliProcess } from '../support/run-cli';
import { bytesUnder, failure, useDetectFixture } from '../support/detect-fixture';

const t = useDetectFixture('mc-detect-delete-');

const C1 = '1'.repeat(40);
const C2 = '2'.repeat(40);

describe('detect.delete: folders', () => {
  it('deletes a Vosk folder and a legacy folder after a dry run that shows the bytes', async () => {
    const ru = path.join(t.home, 'vosk', 'vosk-model-small-ru-0.22');
    makeVoskModel(ru);
    const legacy = makeStLegacy(path.join(t.home, 'st'), 'org_old');
    const core = t.open();
    const size = bytesUnder(ru);

    const dry = await core.invoke('detect.delete', { source: 'vosk', name: 'vosk-model-small-ru-0.22', dryRun: true });
    expect(dry).toEqual({ source: 'vosk', name: 'vosk-model-small-ru-0.22', location: ru, revision: null, dryRun: true, bytesFreed: size, removes: [ru] });
    expect(fs.existsSync(ru)).toBe(true);
    const real = await core.invoke('detect.delete', { source: 'vosk', name: 'vosk-model-small-ru-0.22', location: ru });
    expect(real.bytesFreed).toBe(size);
    expect(fs.existsSync(ru)).toBe(false);
    expect(fs.existsSync(path.join(t.home, 'vosk'))).toBe(true);

    await core.invoke('detect.delete', { source: 'sentence-transformers', name: 'org/old', location: legacy });
    expect(fs.existsSync(legacy)).toBe(false);
    const gone = await failure(core.invoke('detect.delete', { source: 'sentence-transformers', name: 'org/old' }));
    expect(gone.code).toBe('MODEL_NOT_FOUND');
  });

  it('never deletes outside the scanned roots, nor a root itself', async () => {
    makeVoskModel(path.join(t.home, 'vosk', 'vosk-model-small-ru-0.22'));
    const outside = path.join(t.home, 'outside');
    makeVoskModel(path.join(outside, 'vosk-model-small-ru-0.22'));
    let core = t.open();
    for (const location of [path.join(outside, 'vosk-model-small-ru-0.22'), `${path.join(t.home, 'vosk')}/../outside/vosk-model-small-ru-0.22`, '/etc', 'vosk/vosk-model-small-ru-0.22']) {
      const err = await failure(core.invoke('detect.delete', { source: 'vosk', name: 'vosk-model-small-ru-0.22', location }));
      expect(err.code).toBe('FORBIDDEN');
      expect(err.message).toMatch(/Refusing to delete .*(outside the folders Model Center scans for vosk models|not an absolute path)/);
    }
    // A link inside a root that points out is refused too: the real path decides.
    fs.symlinkSync(path.join(outside, 'vosk-model-small-ru-0.22'), path.join(t.home, 'vosk', 'vosk-model-link-0.1'));
    const link = await failure(core.invoke('detect.delete', { source: 'vosk', name: 'vosk-model-link-0.1', location: path.join(t.home, 'vosk', 'vosk-model-link-0.1') }));
    expect(link.code).toBe('FORBIDDEN');
    expect(fs.existsSync(path.join(outside, 'vosk-model-small-ru-0.22', 'am', 'final.mdl'))).toBe(true);

    // A configured folder that is itself one model is listed, but deleting it would delete the setting's target.
    await core.close();
    const single = path.join(t.home, 'single', 'vosk-model-small-de-0.15');
    makeVoskModel(single);
    core = t.open({ MODEL_CENTER_VOSK_DIRS: single });
    const root = await failure(core.invoke('detect.delete', { source: 'vosk', name: 'vosk-model-small-de-0.15' }));
    expect(root.code).toBe('FORBIDDEN');
    expect(root.message).toMatch(/it is a folder Model Center scans for vosk models, not one model/);
    expect(fs.existsSync(single)).toBe(true);
  });

  it('refuses while a job uses the model, or the registry serves from it', async () => {
    const ru = path.join(t.home, 'vosk', 'vosk-model-small-ru-0.22');
    makeVoskModel(ru);
    const legacy = makeStLegacy(path.join(t.home, 'st'), 'org_served', { pooling: { pooling_mode_mean_tokens: true } });
    makeVoskModel(path.join(t.home, 'vosk', 'vosk-model-small-de-0.15'));
    const core = t.open();

    // Any job naming a file inside the folder uses it (a transcription, a bundle export…).
    const job = core.jobStore.insert('transcribe', 'Transcribe', { audio: '/tmp/a.wav', model: { dir: path.join(ru, 'am') } }, false, process.pid);
    const busy = await failure(core.invoke('detect.delete', { source: 'vosk', name: 'vosk-model-small-ru-0.22', dryRun: true }));
    expect(busy.code).toBe('MODEL_IN_USE');
    expect(busy.message).toBe(`vosk model vosk-model-small-ru-0.22 cannot be deleted: job ${job.id} (transcribe, queued) uses it.`);
    expect(busy.hint).toMatch(new RegExp(`model-center cancel ${job.id}`));
    // An install of the same name would land there.
    core.jobStore.insert('vosk.install', 'Vosk install', { url: 'https://alphacephei.com/vosk/models/vosk-model-small-de-0.15.zip' }, false, process.pid);
    expect((await failure(core.invoke('detect.delete', { source: 'vosk', name: 'vosk-model-small-de-0.15' }))).code).toBe('MODEL_IN_USE');

    await core.invoke('detect.adoptLegacy', { path: legacy, name: 'served' });
    await core.invoke('registry.setStatus', { model: 'served', version: '1.0.0', status: 'staging' });
    await core.invoke('registry.setCurrent', { model: 'served', version: '1.0.0' });
    const served = await failure(core.invoke('detect.delete', { source: 'sentence-transformers', name: 'org/served' }));
    expect(served.code).toBe('MODEL_IN_USE');
    expect(served.message).toMatch(/it is the source of registry model served \(current version 1\.0\.0\)/);
    // A job naming the registry model (by name) uses its folder too; it is checked before the registry.
    const embed = core.jobStore.insert('embed', 'Embed', { model: 'served', texts: 3 }, false, process.pid);
    const byJob = await failure(core.invoke('detect.delete', { source: 'sentence-transformers', name: 'org/served', dryRun: true }));
    expect(byJob.message).toMatch(new RegExp(`job ${embed.id} \\(embed, queued\\) uses it`));
    expect(fs.existsSync(ru) && fs.existsSync(legacy)).toBe(true);
  });
});

describe('detect.delete: Hugging Face cache', () => {
  it('deletes one revision (bytes: only unshared blobs) or the whole repo; refused while a download uses it', async () => {
    const repo = makeHfRepo(path.join(t.home, 'hub'), 'acme/emb', [
      { commit: C1, ref: 'v1', files: { 'config.json': '{"same":1}', 'model.onnx': 'a'.repeat(1000) } },
      { commit: C2, ref: 'main', files: { 'config.json': '{"same":1}', 'model.onnx': 'b'.repeat(3000) } },
    ]);
    const core = t.open();
    const dry = await core.invoke('detect.delete', { source: 'huggingface', name: 'acme/emb', revision: C1, dryRun: true });
    expect(dry.bytesFreed).toBe(1000);
    expect(dry.removes).toEqual([path.join(repo, 'snapshots', C1)]);
    const job = core.jobStore.insert('download', 'Download acme/emb', { repo: 'acme/emb', revision: 'main' }, true, process.pid);
    const busy = await failure(core.invoke('detect.delete', { source: 'huggingface', name: 'acme/emb', revision: C1 }));
    expect(busy.code).toBe('MODEL_IN_USE');
    expect(busy.message).toMatch(new RegExp(`job ${job.id} \\(download, queued\\) uses it`));
    core.jobStore.patch(job.id, { state: 'cancelled' });

    const one = await core.invoke('detect.delete', { source: 'huggingface', name: 'acme/emb', revision: C1 });
    expect(one.bytesFreed).toBe(1000);
    expect(fs.readdirSync(path.join(repo, 'snapshots'))).toEqual([C2]);
    expect(fs.existsSync(path.join(repo, 'refs', 'v1'))).toBe(false);
    const all = await core.invoke('detect.delete', { source: 'huggingface', name: 'acme/emb' });
    expect(all.removes).toEqual([repo]);
    expect(fs.existsSync(repo)).toBe(false);
    const bad = await failure(core.call('detect.delete', { source: 'vosk', name: 'x', revision: C1 }));
    expect(bad.code).toBe('INVALID_INPUT');
  });
});

describe('detect.delete: Ollama', () => {
  it('deletes through the server; bytes count blobs no other model shares; refuses a loaded model and a server that is down', async () => {
    const store = path.join(t.home, 'ollama');
    makeOllamaStore(store, [
      { name: 'llama3', tag: '8b', layers: [5000, 100] },
      { name: 'gemma2', tag: '2b', layers: [3000] },
    ]);
    const fake = await startFakeOllama({
      models: [
        { name: 'llama3:8b', size: 5100, digest: 'a'.repeat(64) },
        { name: 'gemma2:2b', size: 3000, digest: 'b'.repeat(64) },
      ],
      running: ['gemma2:2b'],
    });
    t.fake = fake;
    let core = t.open();
    const dry = await core.invoke('detect.delete', { source: 'ollama', name: 'llama3:8b', dryRun: true });
    // The two layers; the config blob is the same JSON for both models, so it stays.
    expect(dry.bytesFreed).toBe(5100);
    expect(dry.removes[0]).toMatch(/^Ollama model llama3:8b \(through the server at http:\/\/127\.0\.0\.1:\d+/);
    const loaded = await failure(core.invoke('detect.delete', { source: 'ollama', name: 'gemma2:2b' }));
    expect(loaded.code).toBe('MODEL_IN_USE');
    expect(loaded.hint).toMatch(/ollama stop gemma2:2b/);

    await core.invoke('detect.delete', { source: 'ollama', name: 'llama3:8b' });
    expect(fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.body)).toEqual([{ name: 'llama3:8b' }]);
    expect(fake.models.map((m) => m.name)).toEqual(['gemma2:2b']);

    await fake.close();
    t.fake = undefined;
    await core.close();
    core = t.open();
    const down = await failure(core.invoke('detect.delete', { source: 'ollama', name: 'llama3:8b' }));
    expect(down.code).toBe('OLLAMA_UNAVAILABLE');
    expect(down.message).toMatch(/Ollama is not running at http:\/\/127\.0\.0\.1:9; start it with `ollama serve`/);
  });
});

describe('model-center detect delete', () => {
  it('asks for --yes with what would go, deletes with it, and refuses a path outside the roots', async () => {
    const ru = path.join(t.home, 'vosk', 'vosk-model-small-ru-0.22');
    makeVoskModel(ru);
    const ask = await runCliProcess(['detect', 'delete', 'vosk', 'vosk-model-small-ru-0.22'], t.env());
    expect(ask.code).toBe(2);
    expect(ask.stderr).toMatch(/Would delete vosk model vosk-model-small-ru-0\.22, freeing [\d.]+ KB:/);
    expect(ask.stderr).toMatch(/Run again with --yes/);
    expect(fs.existsSync(ru)).toBe(true);
    const escape = await runCliProcess(['detect', 'delete', 'vosk', 'vosk-model-small-ru-0.22', '--location', path.join(t.home, 'vosk', '..', 'h'), '--yes', '--json'], t.env());
    expect(escape.code).toBe(1);
    expect((JSON.parse(escape.stdout) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    const ok = await runCliProcess(['detect', 'delete', 'vosk', 'vosk-model-small-ru-0.22', '--yes'], t.env());
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Deleted vosk model vosk-model-small-ru-0\.22: [\d.]+ KB freed\./);
    expect(fs.existsSync(ru)).toBe(false);
  });
});
