import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/create-core';
import { failure } from '../support/detect-fixture';
import { startFakeOllama, type FakeOllama } from '../support/ollama-server';
import { makeTempDir, openTestCore, removeDir } from '../support/temp-home';

let home: string;
let core: Core | undefined;
let fake: FakeOllama | undefined;

beforeEach(() => {
  home = makeTempDir('mc-ollama-');
});
afterEach(async () => {
  await core?.close();
  core = undefined;
  await fake?.close();
  fake = undefined;
  removeDir(home);
});

describe('ollama operations', () => {
  it('pulls with streamed progress to done, and the model appears on the server', async () => {
    // Spaced lines: job updates are coalesced, and the test wants to see intermediate progress.
    fake = await startFakeOllama({ chunks: 5, lineDelayMs: 40 });
    core = openTestCore(home, { OLLAMA_HOST: fake.host });
    const seen: Array<{ progress: number; phase: string | null }> = [];
    core.bus.on('job.updated', (j) => seen.push({ progress: j.progress, phase: j.phase }));
    const job = await core.invoke('ollama.pull', { name: 'tinyllama:1b' });
    expect(job.kind).toBe('ollama.pull');
    expect(job.resumable).toBe(false);
    const final = await core.jobs.waitForSettled(job.id);
    expect(final.state).toBe('done');
    expect(final.progress).toBe(100);
    expect(final.detail).toMatchObject({ bytesDone: 4_001_200, bytesTotal: 4_001_200, layers: 2 });
    expect(seen.some((s) => s.phase === 'downloading' && s.progress > 0 && s.progress < 95)).toBe(true);
    const progresses = seen.map((s) => s.progress);
    expect(progresses).toEqual([...progresses].sort((a, b) => a - b));
    expect(fake.requests.find((r) => r.path === '/api/pull')?.body).toMatchObject({ name: 'tinyllama:1b', stream: true });
    expect(fake.models.map((m) => m.name)).toContain('tinyllama:1b');
  });

  it('fails the job with the server words when the stream carries {error}', async () => {
    fake = await startFakeOllama({ failAfterLines: 2 });
    core = openTestCore(home, { OLLAMA_HOST: fake.host });
    const final = await core.jobs.waitForSettled((await core.invoke('ollama.pull', { name: 'bad:model' })).id);
    expect(final.state).toBe('failed');
    expect(final.error?.code).toBe('OLLAMA_ERROR');
    expect(final.error?.message).toMatch(/max retries exceeded: unexpected EOF/);
  });

  it('cancel aborts the stream', async () => {
    fake = await startFakeOllama({ chunks: 200, lineDelayMs: 20 });
    core = openTestCore(home, { OLLAMA_HOST: fake.host });
    const job = await core.invoke('ollama.pull', { name: 'big:70b' });
    await new Promise<void>((resolve) => {
      const off = core?.bus.on('job.updated', (j) => {
        if (j.id === job.id && j.phase === 'downloading') {
          off?.();
          resolve();
        }
      });
    });
    await core.invoke('jobs.cancel', { id: job.id });
    const final = await core.jobs.waitForSettled(job.id);
    expect(final.state).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.abortedPulls).toBe(1);
    expect(fake.models.map((m) => m.name)).not.toContain('big:70b');
  });

  it('shows and deletes a model; an unknown one is MODEL_NOT_FOUND', async () => {
    fake = await startFakeOllama({ models: [{ name: 'llama3:8b', size: 10, digest: 'd'.repeat(64) }] });
    core = openTestCore(home, { OLLAMA_HOST: fake.host });
    const shown = await core.invoke('ollama.show', { name: 'llama3:8b' });
    expect(shown).toMatchObject({ name: 'llama3:8b', license: 'MIT', capabilities: ['completion'], sizeBytes: 10, quantization: 'Q4_0', template: '{{ .Prompt }}' });
    expect(shown.modelInfo['llama.context_length']).toBe(8192);
    expect(await core.invoke('ollama.delete', { name: 'llama3:8b' })).toEqual({ deleted: 'llama3:8b' });
    expect(fake.models).toEqual([]);
    expect(fake.requests.find((r) => r.path === '/api/delete')).toMatchObject({ method: 'DELETE', body: { name: 'llama3:8b' } });
    expect((await failure(core.invoke('ollama.delete', { name: 'llama3:8b' }))).code).toBe('MODEL_NOT_FOUND');
    expect((await failure(core.invoke('ollama.show', { name: 'nope' }))).code).toBe('MODEL_NOT_FOUND');
    expect((await failure(core.invoke('ollama.show', { name: 'bad name!' }))).code).toBe('INVALID_INPUT');
  });

  it('says clearly when no server is running', async () => {
    core = openTestCore(home, { OLLAMA_HOST: 'http://127.0.0.1:9' });
    const err = await failure(core.invoke('ollama.show', { name: 'llama3' }));
    expect(err.code).toBe('OLLAMA_UNAVAILABLE');
    expect(err.message).toBe('Ollama is not running at http://127.0.0.1:9; start it with `ollama serve`.');
    const final = await core.jobs.waitForSettled((await core.invoke('ollama.pull', { name: 'llama3' })).id);
    expect(final.state).toBe('failed');
    expect(final.error?.code).toBe('OLLAMA_UNAVAILABLE');
  });
});
