import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/create-core';
import { sentenceRepo } from '../support/hub-server/fixtures';
import { startHubServer, type HubServer } from '../support/hub-server/hub-server';
import { detectRoots, failure } from '../support/detect-fixture';
import { makeHfRepo, makeVoskModel } from '../support/model-trees';
import { startFakeOllama, type FakeOllama } from '../support/ollama-server';
import { runCliProcess } from '../support/run-cli';
import { makeTempDir, openTestCore, removeDir } from '../support/temp-home';

const REPO = 'acme/mini-embed';
let hub: HubServer;
let home: string;
let core: Core | undefined;
let fake: FakeOllama | undefined;

beforeAll(async () => {
  hub = await startHubServer({ repos: [sentenceRepo(REPO)] });
});
afterAll(async () => {
  await hub.close();
});
beforeEach(() => {
  home = makeTempDir('mc-ensure-');
});
afterEach(async () => {
  await core?.close();
  core = undefined;
  await fake?.close();
  fake = undefined;
  removeDir(home);
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { MODEL_CENTER_HOME: home, ...detectRoots(home, fake?.host), HF_ENDPOINT: hub.url, ...extra };
}

describe('required models setting', () => {
  it('stores valid refs and refuses a bad entry by name', async () => {
    core = openTestCore(home, env());
    const view = await core.invoke('settings.update', { requiredModels: ['ollama:gemma2:2b', 'vosk:vosk-model-small-ru-0.22', `hf:${REPO}@main`] });
    expect(view.values.requiredModels).toEqual(['ollama:gemma2:2b', 'vosk:vosk-model-small-ru-0.22', `hf:${REPO}@main`]);
    expect(view.sources.requiredModels).toBe('stored');
    const err = await failure(core.call('settings.update', { requiredModels: ['ollama:gemma2:2b', 'hf:not a repo'] }));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(/requiredModels\[1\].*"hf:not a repo"/);
    const unknown = await failure(core.call('settings.update', { requiredModels: ['pip:torch'] }));
    expect(unknown.message).toMatch(/unknown source "pip"/);
    expect((await core.invoke('settings.get', {})).values.requiredModels).toHaveLength(3);
  });

  it('configure requiredModels=a,b sets the list; a bad entry exits 2 naming it', async () => {
    const ok = await runCliProcess(['configure', 'requiredModels=ollama:gemma2:2b, hf:acme/x@v1', '--json'], env());
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.stdout) as { values: { requiredModels: string[] } }).values.requiredModels).toEqual(['ollama:gemma2:2b', 'hf:acme/x@v1']);
    const bad = await runCliProcess(['configure', 'requiredModels=ollama:gemma2:2b,vosk:'], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"vosk:"/);
    const cleared = await runCliProcess(['configure', 'requiredModels=', '--json'], env());
    expect((JSON.parse(cleared.stdout) as { values: { requiredModels: string[] } }).values.requiredModels).toEqual([]);
  });
});

describe('models.ensure', () => {
  it('detects what is present, starts jobs for the rest, and is a no-op once all is there', async () => {
    fake = await startFakeOllama({ chunks: 2 });
    makeVoskModel(path.join(home, 'vosk', 'vosk-model-small-ru-0.22'));
    core = openTestCore(home, env());
    await core.invoke('settings.update', { requiredModels: ['ollama:gemma2:2b', 'vosk:vosk-model-small-ru-0.22', `hf:${REPO}`] });

    const dry = await core.invoke('models.ensure', { dryRun: true });
    expect(dry.items).toEqual([
      { ref: 'ollama:gemma2:2b', present: false, action: 'none' },
      { ref: 'vosk:vosk-model-small-ru-0.22', present: true, action: 'none' },
      { ref: `hf:${REPO}`, present: false, action: 'none' },
    ]);
    expect(core.jobStore.list({ limit: 10 })).toHaveLength(0);

    const run = await core.invoke('models.ensure', {});
    const started = run.items.filter((i) => i.action === 'started');
    expect(started.map((i) => i.ref)).toEqual(['ollama:gemma2:2b', `hf:${REPO}`]);
    for (const i of started) expect((await core.jobs.waitForSettled(i.jobId ?? -1)).state).toBe('done');
    const kinds = core.jobStore.list({ limit: 10 }).map((j) => j.kind).sort();
    expect(kinds).toEqual(['download', 'ollama.pull']);

    const again = await core.invoke('models.ensure', {});
    expect(again.items.map((i) => [i.ref, i.present, i.action])).toEqual([
      ['ollama:gemma2:2b', true, 'none'],
      ['vosk:vosk-model-small-ru-0.22', true, 'none'],
      [`hf:${REPO}`, true, 'none'],
    ]);
  });

  it('reports a start failure per ref instead of failing the whole call', async () => {
    core = openTestCore(home, env());
    const r = await core.invoke('models.ensure', { refs: ['hf:acme/does-not-exist', 'ollama:tiny:1b'] });
    // The Hub download starts (the 404 comes in the job); Ollama starts too and fails in its job (server down).
    expect(r.items.map((i) => i.action)).toEqual(['started', 'started']);
    const err = await failure(core.call('models.ensure', { refs: ['nope'] }));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(/"nope" has no source prefix/);
  });

  it('CLI ensure: --dry-run --json, follows jobs, exits 1 when one fails', async () => {
    fake = await startFakeOllama({ chunks: 2, failAfterLines: 1 });
    const dry = await runCliProcess(['ensure', '--dry-run', '--json', 'ollama:bad:1b', `hf:${REPO}`], env());
    expect(dry.code).toBe(0);
    expect((JSON.parse(dry.stdout) as { items: unknown[] }).items).toEqual([
      { ref: 'ollama:bad:1b', present: false, action: 'none' },
      { ref: `hf:${REPO}`, present: false, action: 'none' },
    ]);
    const run = await runCliProcess(['ensure', '--json', 'ollama:bad:1b', `hf:${REPO}`], env());
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout) as { items: Array<{ ref: string; action: string; jobState?: string; error?: string }> };
    expect(out.items[0]).toMatchObject({ ref: 'ollama:bad:1b', action: 'failed', jobState: 'failed' });
    expect(out.items[1]).toMatchObject({ ref: `hf:${REPO}`, action: 'started', jobState: 'done' });
    const human = await runCliProcess(['ensure', `hf:${REPO}`], env());
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/hf:acme\/mini-embed\s+yes\s+present/);
    const none = await runCliProcess(['ensure'], env());
    expect(none.stdout).toMatch(/No required models/);
  });
});

describe('models.recommended', () => {
  it('lists the catalogue with this machine and marks what fits', async () => {
    core = openTestCore(home, env({ MODEL_CENTER_NVIDIA_SMI: path.join(home, 'no-such-nvidia-smi') }));
    const r = await core.invoke('models.recommended', {});
    expect(r.machine.totalRamBytes).toBeGreaterThan(0);
    expect(r.machine.freeDiskBytes).toBeGreaterThan(0);
    // The cache folder does not exist yet: free space is measured at its nearest existing parent.
    expect(path.join(home, 'hub').startsWith(r.machine.diskPath)).toBe(true);
    expect(r.machine.gpus).toEqual([]);
    const refs = r.models.map((m) => m.ref);
    expect(refs).toEqual(expect.arrayContaining(['hf:BAAI/bge-m3', 'hf:cointegrated/rubert-tiny2', 'ollama:qwen2.5:7b', 'vosk:vosk-model-small-ru-0.22']));
    const qwen = r.models.find((m) => m.ref === 'ollama:qwen2.5:7b');
    expect(qwen?.reasons).toContain('no GPU found: runs on the CPU, slower');
    for (const m of r.models) expect(m.fits).toBe(m.ramGB * 1024 ** 3 <= r.machine.totalRamBytes);
    // Each kind is measured where it lands.
    expect(r.machine.installDirs.map((d) => d.kind)).toEqual(['huggingface', 'ollama', 'vosk']);
    for (const d of r.machine.installDirs) expect(d.freeDiskBytes).toBeGreaterThan(0);
    expect(r.models.every((m) => !m.installed)).toBe(true);
  });

  it('marks what is already on this machine', async () => {
    makeVoskModel(path.join(home, 'vosk', 'vosk-model-small-ru-0.22'));
    core = openTestCore(home, env({ MODEL_CENTER_NVIDIA_SMI: path.join(home, 'no-such-nvidia-smi') }));
    const r = await core.invoke('models.recommended', {});
    expect(r.models.filter((m) => m.installed).map((m) => m.ref)).toEqual(['vosk:vosk-model-small-ru-0.22']);
    const human = await runCliProcess(['recommended'], env({ MODEL_CENTER_NVIDIA_SMI: path.join(home, 'no-such-nvidia-smi') }));
    expect(human.stdout).toMatch(/vosk:vosk-model-small-ru-0\.22\s+~\d+ MB\s+~[\d.]+ GB\s+-\s+installed/);
    expect(human.stdout).toMatch(/vosk models go to \S+: [\d.]+ [KMGT]?B free/);
  });

  it('reads the GPU from nvidia-smi and prints the table (CLI)', async () => {
    const smi = path.join(home, 'nvidia-smi');
    fs.writeFileSync(smi, '#!/bin/sh\necho "Tiny GPU, 1024 MiB"\n', { mode: 0o755 });
    const r = await runCliProcess(['recommended', '--json'], env({ MODEL_CENTER_NVIDIA_SMI: smi }));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { machine: { gpus: unknown[] }; models: Array<{ ref: string; reasons: string[] }> };
    expect(out.machine.gpus).toEqual([{ name: 'Tiny GPU', memoryBytes: 1024 * 1024 * 1024 }]);
    expect(out.models.find((m) => m.ref === 'hf:BAAI/bge-m3')?.reasons.join()).toMatch(/GPU has 1\.0 GB, wants ~3 GB/);
    const human = await runCliProcess(['recommended'], env({ MODEL_CENTER_NVIDIA_SMI: smi }));
    expect(human.stdout).toMatch(/This machine: RAM .*GPU Tiny GPU/);
    expect(human.stdout).toMatch(/ollama:gemma2:2b\s+~1600 MB\s+~3 GB\s+~2.5 GB\s+(fits|too big)/);
  });
});

describe('models.cleanup', () => {
  const c = (d: string): string => d.repeat(40);
  function makeRevisions(): string {
    const cache = path.join(home, 'hub');
    const revs = ['1', '2', '3', '4'].map((d, i) => ({ commit: c(d), ref: i === 3 ? 'main' : undefined, files: { 'config.json': '{"shared":true}', 'model.bin': `weights ${d}`.repeat(100 * (i + 1)) } }));
    const repo = makeHfRepo(cache, 'acme/old', revs);
    // Oldest first: snapshot mtimes decide the order (no hub table record for these).
    revs.forEach((r, i) => {
      const t = new Date(Date.UTC(2026, 0, 1 + i));
      fs.utimesSync(path.join(repo, 'snapshots', r.commit), t, t);
    });
    return repo;
  }

  it('keeps the N most recent and pinned revisions; dry-run counts only unshared blobs; the real run deletes', async () => {
    const repo = makeRevisions();
    core = openTestCore(home, env());
    await core.invoke('registry.upsertModel', { name: 'old-embed', type: 'embedding', provider: 'huggingface', source: { kind: 'hub', repoId: 'acme/old', revision: c('2') } });
    await core.invoke('registry.registerVersion', { model: 'old-embed', version: '1.0.0', status: 'production' });

    const dry = await core.invoke('models.cleanup', { keep: 1, dryRun: true });
    expect(dry.repos).toHaveLength(1);
    const r = dry.repos[0];
    expect(r?.kept.map((k) => [k.commit, k.reason])).toEqual([
      [c('4'), 'among the 1 most recent'],
      [c('2'), 'pinned by registry model old-embed (production)'],
    ]);
    expect(r?.removed.map((x) => x.commit)).toEqual([c('3'), c('1')]);
    // Only model.bin of 3 and 1 are freed; config.json is shared with kept revisions.
    expect(dry.bytesFreed).toBe('weights 3'.length * 300 + 'weights 1'.length * 100);
    expect(fs.existsSync(path.join(repo, 'snapshots', c('1')))).toBe(true);

    const human = await runCliProcess(['cleanup', '--keep', '1', '--dry-run'], env());
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/would remove/);
    expect(human.stdout).toMatch(/Would free .* \(2 revision\(s\)\)/);

    const real = await core.invoke('models.cleanup', { keep: 1 });
    expect(real.bytesFreed).toBe(dry.bytesFreed);
    expect(fs.readdirSync(path.join(repo, 'snapshots')).sort()).toEqual([c('2'), c('4')]);
    expect(fs.readdirSync(path.join(repo, 'blobs'))).toHaveLength(3);
    expect((await core.invoke('models.cleanup', { keep: 1, dryRun: true })).bytesFreed).toBe(0);
  });

  it('leaves a repo alone while a download job uses it', async () => {
    const repo = makeRevisions();
    core = openTestCore(home, env());
    const job = core.jobStore.insert('download', 'Download acme/old', { repo: 'acme/old', revision: 'main' }, true, process.pid);
    const r = await core.invoke('models.cleanup', { keep: 1 });
    expect(r.repos[0]).toMatchObject({ repo: 'acme/old', removed: [], skipped: expect.stringMatching(new RegExp(`download job ${job.id} \\((queued|interrupted)\\) uses it`)) });
    expect(r.bytesFreed).toBe(0);
    expect(fs.readdirSync(path.join(repo, 'snapshots'))).toHaveLength(4);
  });

  it('CLI: --keep 0 or a word exits 2 with the reason', async () => {
    const bad = await runCliProcess(['cleanup', '--keep', '0'], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/keep: must keep at least 1 revision/);
    const word = await runCliProcess(['cleanup', '--keep', 'all', '--json'], env());
    expect(word.code).toBe(2);
  });
});
