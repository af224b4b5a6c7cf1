import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectRoots } from '../support/detect-fixture';
import { makeOllamaStore, makeVoskModel } from '../support/model-trees';
import { startFakeOllama, type FakeOllama } from '../support/ollama-server';
import { runCliProcess } from '../support/run-cli';
import { startServe } from '../support/serve-process';
import { makeTempDir, removeDir } from '../support/temp-home';

let home: string;
let fake: FakeOllama | undefined;
beforeEach(() => {
  home = makeTempDir('mc-detect-cli-');
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  removeDir(home);
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { MODEL_CENTER_HOME: home, ...detectRoots(home), ...extra };
}

describe('detect and ollama CLI', () => {
  it('detect prints a grouped table and --json the contract shape', async () => {
    makeOllamaStore(path.join(home, 'ollama'), [{ name: 'llama3', tag: '8b', layers: [100] }]);
    makeVoskModel(path.join(home, 'vosk', 'vosk-model-small-ru-0.22'), { omit: ['graph'] });
    const human = await runCliProcess(['detect'], env());
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/Ollama server: not running \(Ollama is not running at http:\/\/127\.0\.0\.1:9/);
    expect(human.stdout).toMatch(/Ollama — 1 model\(s\)/);
    expect(human.stdout).toMatch(/llama3:8b/);
    expect(human.stdout).toMatch(/vosk-model-small-ru-0\.22 .*INCOMPLETE: graph\/HCLG\.fst/);
    expect(human.stdout).toMatch(/Hugging Face cache — 0 model\(s\)/);
    const json = await runCliProcess(['detect', '--json'], env());
    expect(json.code).toBe(0);
    const r = JSON.parse(json.stdout) as { groups: Array<{ source: string; models: Array<{ name: string }> }> };
    expect(r.groups.map((g) => g.source)).toEqual(['ollama', 'vosk', 'huggingface', 'sentence-transformers']);
    expect(r.groups[0]?.models[0]?.name).toBe('llama3:8b');
  });

  it('ollama pull/show/delete against a server; exit 1 when it is down, 2 on a bad name', async () => {
    fake = await startFakeOllama({ models: [{ name: 'llama3:8b', size: 10, digest: 'd'.repeat(64) }] });
    const e = env({ OLLAMA_HOST: fake.host });
    const pull = await runCliProcess(['ollama', 'pull', 'tinyllama', '--json'], e);
    expect(pull.code).toBe(0);
    expect(JSON.parse(pull.stdout)).toMatchObject({ kind: 'ollama.pull', state: 'done', progress: 100 });
    const show = await runCliProcess(['ollama', 'show', 'llama3:8b'], e);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/capabilities: completion/);
    expect(show.stdout).toMatch(/^llama3:8b {2}10 B {2}Q4_0$/m);
    expect(show.stdout).toMatch(/template:\n {4}\{\{ \.Prompt \}\}/);
    const del = await runCliProcess(['ollama', 'delete', 'llama3:8b'], e);
    expect(del.code).toBe(0);
    expect(del.stdout).toMatch(/Deleted llama3:8b/);
    const again = await runCliProcess(['ollama', 'delete', 'llama3:8b', '--json'], e);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout).error.code).toBe('MODEL_NOT_FOUND');
    const down = await runCliProcess(['ollama', 'show', 'llama3'], env());
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/Ollama is not running at http:\/\/127\.0\.0\.1:9; start it with `ollama serve`/);
    const bad = await runCliProcess(['ollama', 'show', 'bad name!'], e);
    expect(bad.code).toBe(2);
  });
});

describe('vosk CLI', () => {
  it('recommended lists official models; install with a bad URL is a usage error', async () => {
    const rec = await runCliProcess(['vosk', 'recommended', '--json'], env());
    expect(rec.code).toBe(0);
    expect((JSON.parse(rec.stdout) as Array<{ language: string }>).map((m) => m.language)).toContain('ru');
    const bad = await runCliProcess(['vosk', 'install', 'not a url'], env());
    expect(bad.code).toBe(2);
  });
});

describe('detect over HTTP', () => {
  it('serves detect and maps a down Ollama to 503 OLLAMA_UNAVAILABLE', async () => {
    makeOllamaStore(path.join(home, 'ollama'), [{ name: 'llama3', tag: '8b', layers: [100] }]);
    const serve = await startServe(home, env());
    try {
      const headers = { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json' };
      const r = await fetch(new URL('/api/rpc/detect', serve.url), { method: 'POST', headers, body: '{}' });
      expect(r.status).toBe(200);
      const body = (await r.json()) as { result: { groups: Array<{ source: string; models: Array<{ name: string }> }> } };
      expect(body.result.groups[0]?.models[0]?.name).toBe('llama3:8b');
      const show = await fetch(new URL('/api/rpc/ollama.show', serve.url), { method: 'POST', headers, body: JSON.stringify({ name: 'llama3' }) });
      expect(show.status).toBe(503);
      const err = (await show.json()) as { error: { code: string; message: string } };
      expect(err.error.code).toBe('OLLAMA_UNAVAILABLE');
    } finally {
      await serve.stop();
    }
  });
});
