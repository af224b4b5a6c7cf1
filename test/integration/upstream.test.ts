import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/create-core';
import { AppError } from '../../src/shared/errors';
import { testModel } from '../support/embedding-models';
import { hubFilesFromFolder } from '../support/hub-server/fixtures';
import { buildRepo, pushRevision, type HubFileInput } from '../support/hub-server/hub-repo';
import { startHubServer, type HubServer } from '../support/hub-server/hub-server';
import { runCliProcess } from '../support/run-cli';
import { makeTempDir, openTestCore, removeDir, testEnv } from '../support/temp-home';

const REPO = 'acme/tiny-embed';
let hub: HubServer;
let home: string;
let core: Core;
let original: HubFileInput[];

/** The hub emulator, and an Ollama store of this test's own (empty), so the machine's Ollama models stay out. */
const hubEnv = (extra: Record<string, string> = {}): Record<string, string> => ({ HF_ENDPOINT: hub.url, OLLAMA_MODELS: path.join(home, 'ollama'), ...extra });

beforeAll(async () => {
  original = hubFilesFromFolder(testModel('tiny-32'));
  hub = await startHubServer({ repos: [{ id: REPO, files: original }] });
});
afterAll(async () => {
  await hub.close();
});
beforeEach(async () => {
  // Every test starts from the same upstream: one commit on main.
  hub.repos.set(REPO, buildRepo({ id: REPO, files: original }));
  home = makeTempDir('mc-upstream-');
  core = openTestCore(home, hubEnv());
  const job = await core.invoke('hub.download', { repo: REPO });
  expect((await core.jobs.waitForSettled(job.id)).state).toBe('done');
  await core.invoke('registry.upsertModel', { name: 'tiny', type: 'embedding', provider: 'huggingface', source: { kind: 'hub', repoId: REPO, revision: null } });
  await core.invoke('registry.registerVersion', { model: 'tiny', version: '1.0.0', status: 'production' });
  await core.invoke('registry.setCurrent', { model: 'tiny', version: '1.0.0' });
  hub.requests.length = 0;
});
afterEach(async () => {
  await core.close();
  removeDir(home);
});

/** Upstream publishes a new export: the fp32 model and the README change, an O4 variant appears, vocab.txt goes. */
function pushNewExport(): string {
  const newer = fs.readFileSync(path.join(testModel('tiny-64'), 'onnx', 'model.onnx'));
  const files = original
    .filter((f) => f.path !== 'vocab.txt')
    .map((f) => (f.path === 'onnx/model.onnx' ? { ...f, content: newer } : f.path === 'README.md' ? { ...f, content: `${String(f.content)}\nv2\n` } : f));
  files.push({ path: 'onnx/model_O4.onnx', content: newer, lfs: true });
  return pushRevision(hub.repos.get(REPO)!, 'main', files).commit;
}

describe('upstream changes', () => {
  it('says a model is up to date, then lists exactly which files changed upstream without downloading them', async () => {
    const first = await core.invoke('upstream.check', {});
    expect(first.models).toHaveLength(1);
    expect(first.models[0]).toMatchObject({ source: 'hf', repo: REPO, branch: 'main', status: 'up-to-date', registryModels: ['tiny'] });

    const head = pushNewExport();
    hub.requests.length = 0;
    const second = (await core.invoke('upstream.check', { models: ['tiny'] })).models[0]!;
    expect(second.status).toBe('outdated');
    expect(second.headCommit).toBe(head);
    expect(second.changes.changed.map((c) => c.path)).toEqual(['README.md', 'onnx/model.onnx']);
    expect(second.changes.added.map((c) => c.path)).toEqual(['onnx/model_O4.onnx']);
    expect(second.changes.removed.map((c) => c.path)).toEqual(['vocab.txt']);
    expect(second.affectsDownloaded).toBe(true);
    expect(hub.requests.some((r) => r.url.includes('/resolve/'))).toBe(false);
    expect((await core.invoke('upstream.last', {})).models[0]!.status).toBe('outdated');
  });

  it('update downloads only the changed files and registers a development version while the current one keeps serving', async () => {
    const head = pushNewExport();
    const started = await core.invoke('upstream.update', { model: REPO });
    expect(started.started).toBe(true);
    const final = await core.jobs.waitForSettled(started.job!.id);
    expect(final.state).toBe('done');
    const resolved = hub.requests.filter((r) => r.url.includes('/resolve/')).map((r) => decodeURIComponent(r.url.split(`/resolve/${head}/`)[1] ?? ''));
    expect(resolved).toContain('onnx/model.onnx');
    expect(resolved).not.toContain('tokenizer.json');

    const registered = await core.invoke('upstream.finishUpdate', { jobId: final.id });
    expect(registered).toMatchObject({ state: 'registered', registered: ['tiny@1.0.1'] });
    const model = await core.invoke('registry.getModel', { model: 'tiny' });
    expect(model.currentVersion).toBe('1.0.0');
    const v = model.versions.find((x) => x.version === '1.0.1')!;
    expect(v.status).toBe('development');
    expect(v.source).toEqual({ kind: 'hub', repoId: REPO, revision: head });
    // The new version runs with the new files (the 64-d export), the current one still with the old.
    expect((await core.invoke('inference.embed', { model: 'tiny@1.0.1', texts: ['salary'] })).results[0]!.dimension).toBe(64);
    expect((await core.invoke('inference.embed', { model: 'tiny', texts: ['salary'] })).results[0]!.dimension).toBe(32);
    // This machine now has upstream's head.
    expect((await core.invoke('upstream.check', { models: [REPO] })).models[0]!.status).toBe('up-to-date');
  });

  it('reports a repo that disappeared or became gated as a state, not an error', async () => {
    hub.repos.get(REPO)!.gated = true;
    expect((await core.invoke('upstream.check', {})).models[0]).toMatchObject({ status: 'gated' });
    hub.repos.delete(REPO);
    const gone = (await core.invoke('upstream.check', {})).models[0]!;
    expect(gone.status).toBe('gone');
    expect(gone.message).toContain(REPO);
  });

  it('refuses to go online with HF_HUB_OFFLINE=1, and the CLI exits 1 when something changed', async () => {
    await core.close();
    const offline = openTestCore(home, hubEnv({ HF_HUB_OFFLINE: '1' }));
    try {
      await expect(offline.invoke('upstream.check', {})).rejects.toSatisfy((e: unknown) => e instanceof AppError && e.code === 'HUB_OFFLINE');
    } finally {
      await offline.close();
    }
    pushNewExport();
    const cli = await runCliProcess(['outdated'], testEnv(home, hubEnv()));
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('changed  onnx/model.onnx');
    expect(cli.stdout).toContain('model-center update');
    core = openTestCore(home, hubEnv());
  });
});
