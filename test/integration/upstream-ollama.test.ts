import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failure, useDetectFixture } from '../support/detect-fixture';
import { startFakeOllama } from '../support/ollama-server';
import { republishedManifest, startFakeOllamaRegistry, type FakeOllamaRegistry } from '../support/ollama-registry';
import { runCliProcess } from '../support/run-cli';
import { fakeGguf, makeOllamaModel, sha256 } from '../support/tool-trees';
import { waitFor } from '../support/wait-for';

const t = useDetectFixture('mc-upstream-ollama-');
let registry: FakeOllamaRegistry;
let manifestFile: string;
let pulled: Buffer;

beforeEach(async () => {
  registry = await startFakeOllamaRegistry();
  // gemma2:2b as `ollama pull` left it, and the registry still serving the very bytes it pulled.
  manifestFile = makeOllamaModel(path.join(t.home, 'ollama'), 'gemma2', '2b', fakeGguf(4096)).manifest;
  pulled = fs.readFileSync(manifestFile);
  registry.setManifest('library/gemma2', '2b', pulled);
});
afterEach(async () => {
  await registry.close();
});

const env = (extra: Record<string, string> = {}): Record<string, string> => t.env({ MODEL_CENTER_OLLAMA_REGISTRY: registry.url, ...extra });

const NEW_PARAMS = '{"stop":["<|end|>","<end_of_turn>"]}';

/** Upstream republishes the tag: same weights, new params, and a chat template layer appears. */
function republish(): { head: string; body: string } {
  const body = republishedManifest(pulled, NEW_PARAMS, '<start_of_turn>user\n{{ .Prompt }}<end_of_turn>');
  return { head: registry.setManifest('library/gemma2', '2b', body), body };
}

describe('upstream changes of Ollama models', () => {
  it('says a tag is up to date, then names the layers that changed when the registry republishes it, without fetching a layer', async () => {
    const core = t.open(env());
    const first = await core.invoke('upstream.check', {});
    expect(first.models).toHaveLength(1);
    expect(first.models[0]).toMatchObject({ source: 'ollama', repo: 'gemma2:2b', branch: '2b', status: 'up-to-date', pinnedCommit: `sha256:${sha256(pulled)}` });

    const { head } = republish();
    const second = (await core.invoke('upstream.check', { models: ['ollama:gemma2:2b'] })).models[0]!;
    expect(second.status).toBe('outdated');
    expect(second.headCommit).toBe(head);
    expect(second.changes.changed).toEqual([
      // makeOllamaModel's params layer is `{"stop":["<|end|>"]}`: 20 bytes.
      expect.objectContaining({ path: 'application/vnd.ollama.image.params', oldSize: 20, newSize: NEW_PARAMS.length, newHash: `sha256:${sha256(NEW_PARAMS)}` }),
    ]);
    expect(second.changes.added.map((l) => l.path)).toEqual(['application/vnd.ollama.image.template']);
    expect(second.changes.removed).toEqual([]);
    expect(second.message).toContain(`${sha256(pulled).slice(0, 12)} → ${head.slice(7, 19)}`);
    // Only manifests were asked for, the way `ollama pull` asks.
    expect(registry.requests.every((r) => r.path === '/v2/library/gemma2/manifests/2b' && r.accept === 'application/vnd.docker.distribution.manifest.v2+json')).toBe(true);
    expect((await core.invoke('upstream.last', {})).models.find((m) => m.repo === 'gemma2:2b')?.status).toBe('outdated');
    await core.close();
    t.core = undefined;

    const cli = await runCliProcess(['outdated'], env());
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/ollama:gemma2:2b\s+2b\s+[0-9a-f]{12}\s+[0-9a-f]{12}\s+outdated/);
    expect(cli.stdout).toContain('changed  application/vnd.ollama.image.params');
    expect(cli.stdout).toContain('added    application/vnd.ollama.image.template');
    expect(cli.stdout).toContain('model-center update ollama:<name>');
  });

  it('reports a removed tag or model as gone and a registry that is down as unreachable, one request each, never throwing', async () => {
    makeOllamaModel(path.join(t.home, 'ollama'), 'phi3', 'mini', fakeGguf(2048, 2));
    const core = t.open(env());
    registry.deleteTag('library/gemma2', '2b');
    const gone = (await core.invoke('upstream.check', {})).models;
    expect(registry.requests.map((r) => r.path).sort()).toEqual(['/v2/library/gemma2/manifests/2b', '/v2/library/phi3/manifests/mini']);
    expect(gone.find((m) => m.repo === 'gemma2:2b')).toMatchObject({ status: 'gone', headCommit: null, message: expect.stringContaining('no longer has the tag library/gemma2:2b') });
    expect(gone.find((m) => m.repo === 'phi3:mini')).toMatchObject({ status: 'gone', message: expect.stringContaining('no longer has the model library/phi3') });

    await registry.close();
    const down = (await core.invoke('upstream.check', {})).models;
    expect(down.map((m) => m.status)).toEqual(['unreachable', 'unreachable']);
    expect(down[0]!.message).toMatch(/Could not reach the Ollama registry at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it('update pulls the tag through the running Ollama server, and the badge turns up to date once the new manifest is in place', async () => {
    t.fake = await startFakeOllama({ lineDelayMs: 30 });
    const core = t.open(env());
    const unchanged = await core.invoke('upstream.update', { model: 'gemma2:2b' });
    expect(unchanged).toMatchObject({ started: false, message: 'gemma2:2b is up to date.' });

    const { head, body } = republish();
    const started = await core.invoke('upstream.update', { model: 'ollama:gemma2:2b' });
    expect(started).toMatchObject({ started: true, repo: 'gemma2:2b', check: { status: 'outdated', headCommit: head } });
    expect(started.job).toMatchObject({ kind: 'ollama.pull', params: { name: 'gemma2:2b' } });
    // What Ollama does while the pull runs: it writes the registry's manifest over the tag's.
    fs.writeFileSync(manifestFile, body);
    expect((await core.jobs.waitForSettled(started.job!.id)).state).toBe('done');
    expect(t.fake.requests.filter((r) => r.path === '/api/pull').map((r) => r.body)).toEqual([expect.objectContaining({ name: 'gemma2:2b' })]);
    await waitFor(async () => (await core.invoke('upstream.last', {})).models[0]?.status === 'up-to-date');
    await core.close();
    t.core = undefined;

    // The CLI follows the pull to its end; nothing is registered (Ollama replaced the tag in place).
    registry.setManifest('library/gemma2', '2b', republishedManifest(pulled, NEW_PARAMS, '{{ .Prompt }}'));
    const cli = await runCliProcess(['update', 'ollama:gemma2:2b', '--json'], env());
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ started: true, repo: 'gemma2:2b', job: { kind: 'ollama.pull', state: 'done' } });
  });

  it('update fails with the usual message when the Ollama server is not running; HF_HUB_OFFLINE refuses Ollama checks too', async () => {
    republish();
    const core = t.open(env());
    const err = await failure(core.invoke('upstream.update', { model: 'gemma2:2b' }));
    expect(err.code).toBe('OLLAMA_UNAVAILABLE');
    expect(err.message).toBe('Ollama is not running at http://127.0.0.1:9; start it with `ollama serve`.');
    await core.close();
    const cli = await runCliProcess(['update', 'ollama:gemma2:2b'], env());
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('Ollama is not running at http://127.0.0.1:9; start it with `ollama serve`.');

    registry.requests.length = 0;
    const offline = t.open(env({ HF_HUB_OFFLINE: '1' }));
    expect((await failure(offline.invoke('upstream.check', {}))).code).toBe('HUB_OFFLINE');
    expect(registry.requests).toEqual([]);
  });
});

