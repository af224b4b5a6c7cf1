import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumMissingReason, launchChromium } from '../support/browser';
import { detectRoots } from '../support/detect-fixture';
import { makeOllamaStore, makeVoskModel } from '../support/model-trees';
import { startFakeOllama } from '../support/ollama-server';
import { startServe, type ServeProcess } from '../support/serve-process';
import { makeTempDir, removeDir } from '../support/temp-home';

const missing = chromiumMissingReason();

describe.skipIf(missing)('the Detected page in a browser', () => {
  let home: string;
  let serve: ServeProcess;
  let browser: Browser;

  beforeAll(async () => {
    home = makeTempDir('mc-e2e-detect-');
    makeOllamaStore(path.join(home, 'ollama'), [{ name: 'llama3', tag: '8b', layers: [2_000_000] }]);
    makeVoskModel(path.join(home, 'vosk', 'vosk-model-small-ru-0.22'), { omit: ['graph'] });
    serve = await startServe(home, detectRoots(home));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    removeDir(home);
  });

  it('lists models grouped by source with a disk-usage chart', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${serve.url}#token=${serve.token}`);
    await page.getByRole('button', { name: 'Detected' }).click();
    const ollama = page.getByTestId('detect-group-ollama');
    await ollama.waitFor();
    expect(await ollama.textContent()).toContain('llama3:8b');
    expect(await page.getByTestId('ollama-server').textContent()).toMatch(/Ollama is not running at http:\/\/127\.0\.0\.1:9/);
    const vosk = page.getByTestId('detect-group-vosk');
    expect(await vosk.textContent()).toMatch(/incomplete.*graph\/HCLG\.fst/);
    await page.getByTestId('detect-chart').locator('.recharts-bar-rectangle').first().waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe.skipIf(missing)('pulling an Ollama model from the Detected page', () => {
  it('starts a pull job, follows it to done and lists the model after a rescan', async () => {
    const home = makeTempDir('mc-e2e-pull-');
    const fake = await startFakeOllama({ chunks: 10, lineDelayMs: 30 });
    const serve = await startServe(home, { HOME: path.join(home, 'h'), OLLAMA_MODELS: path.join(home, 'ollama'), HF_HUB_CACHE: path.join(home, 'hub'), OLLAMA_HOST: fake.host });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${serve.url}#token=${serve.token}`);
      await page.getByRole('button', { name: 'Detected' }).click();
      await page.getByTestId('ollama-server').filter({ hasText: 'running at' }).waitFor();
      await page.getByTestId('ollama-pull-name').fill('tinyllama:1b');
      await page.getByTestId('ollama-pull').click();
      await page.locator('li.job[data-state="done"]').first().waitFor({ timeout: 20_000 });
      await page.getByTestId('detect-group-ollama').filter({ hasText: 'tinyllama:1b' }).waitFor({ timeout: 10_000 });
      // Ensure starts a pull for a missing required model: its job is followed in the upkeep section, then listed.
      await fetch(new URL('/api/rpc/settings.update', serve.url), {
        method: 'POST',
        headers: { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ requiredModels: ['ollama:gemma2:2b'] }),
      });
      await page.getByTestId('ensure-run').click();
      expect(await page.getByTestId('ensure-result').textContent()).toMatch(/ollama:gemma2:2b\s*missing\s*job \d+ started/);
      await page.getByTestId('model-upkeep').locator('li.job[data-state="done"]').waitFor({ timeout: 20_000 });
      await page.getByTestId('detect-group-ollama').filter({ hasText: 'gemma2:2b' }).waitFor({ timeout: 10_000 });
      // What `ollama show` says, in a dialog from the row.
      await page.locator('tr[data-name="tinyllama:1b"]').getByTestId('ollama-details-open').click();
      const details = page.getByTestId('ollama-details');
      await details.filter({ hasText: 'Q4_0' }).waitFor();
      expect(await details.textContent()).toContain('{{ .Prompt }}');
      await page.keyboard.press('Escape');
      await details.waitFor({ state: 'detached' });
      await page.close();
    } finally {
      await browser.close();
      await serve.stop();
      await fake.close();
      removeDir(home);
    }
  });
});
