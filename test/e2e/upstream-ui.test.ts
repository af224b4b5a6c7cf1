import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumMissingReason, launchChromium } from '../support/browser';
import { detectRoots } from '../support/detect-fixture';
import { republishedManifest, startFakeOllamaRegistry, type FakeOllamaRegistry } from '../support/ollama-registry';
import { runCliProcess } from '../support/run-cli';
import { startServe, type ServeProcess } from '../support/serve-process';
import { makeTempDir, removeDir } from '../support/temp-home';
import { fakeGguf, makeOllamaModel } from '../support/tool-trees';

const missing = chromiumMissingReason();

describe.skipIf(missing)('upstream changes on the Models page', () => {
  let home: string;
  let registry: FakeOllamaRegistry;
  let serve: ServeProcess;
  let browser: Browser;

  beforeAll(async () => {
    home = makeTempDir('mc-e2e-upstream-');
    registry = await startFakeOllamaRegistry();
    const pulled = fs.readFileSync(makeOllamaModel(path.join(home, 'ollama'), 'gemma2', '2b', fakeGguf(4096)).manifest);
    registry.setManifest('library/gemma2', '2b', republishedManifest(pulled, '{"stop":["<end_of_turn>"]}', '{{ .Prompt }}'));
    const env = { MODEL_CENTER_HOME: home, ...detectRoots(home), MODEL_CENTER_OLLAMA_REGISTRY: registry.url };
    const register = await runCliProcess(['register', 'gemma', '1.0.0', '--type', 'llm', '--provider', 'ollama', '--tag', 'gemma2:2b', '--status', 'production'], env);
    expect(register.code, register.stderr).toBe(0);
    serve = await startServe(home, env);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await registry?.close();
    removeDir(home);
  });

  it('checks Ollama tags from the page: the changed layers are listed and the registry model is marked outdated', async () => {
    const page = await browser.newPage();
    await page.goto(`${serve.url}#token=${serve.token}`);
    await page.getByRole('button', { name: 'Models', exact: true }).click();
    const panel = page.getByTestId('upstream-panel');
    await panel.locator('summary').click();
    await panel.getByRole('button', { name: 'Check now' }).click();
    const row = panel.getByTestId('upstream-ollama:gemma2:2b');
    await row.getByText('outdated').waitFor();
    expect(await row.innerText()).toContain('added application/vnd.ollama.image.template');
    expect(await row.innerText()).toContain('changed application/vnd.ollama.image.params');
    await page.getByTestId('models-table').getByText('outdated').waitFor();
    // The same report over the HTTP API, saved by the page's check.
    const res = await fetch(new URL('/api/rpc/upstream.last', serve.url), { method: 'POST', headers: { Authorization: `Bearer ${serve.token}` }, body: '{}' });
    const last = ((await res.json()) as { result: { models: Array<{ source: string; repo: string; status: string; registryModels: string[] }> } }).result;
    expect(last.models).toEqual([expect.objectContaining({ source: 'ollama', repo: 'gemma2:2b', status: 'outdated', registryModels: ['gemma'] })]);
    await page.close();
  });
});
