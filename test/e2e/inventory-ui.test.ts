import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumMissingReason, launchChromium } from '../support/browser';
import { makeHfRepo } from '../support/model-trees';
import { startServe, type ServeProcess } from '../support/serve-process';
import { makeTempDir, openTestCore, removeDir } from '../support/temp-home';
import { fakeGguf, makeLmStudioModel, makeOllamaModel, sha256 } from '../support/tool-trees';

const missing = chromiumMissingReason();

describe.skipIf(missing)('the Inventory page in a browser', () => {
  let home: string;
  let serve: ServeProcess;
  let browser: Browser;
  const gguf = fakeGguf(300_000, 11);
  let ollamaBlob = '';
  let hfBlob = '';

  beforeAll(async () => {
    home = makeTempDir('mc-e2e-inventory-');
    const h = path.join(home, 'h');
    const env = { HOME: h, HF_HUB_CACHE: path.join(home, 'hub'), OLLAMA_HOST: 'http://127.0.0.1:9' };
    ollamaBlob = makeOllamaModel(path.join(h, '.ollama', 'models'), 'tinyllama', 'latest', gguf).weightsBlob;
    const repo = makeHfRepo(env.HF_HUB_CACHE, 'TheBloke/tiny-GGUF', [{ commit: 'b'.repeat(40), ref: 'main', files: { 'tiny.Q4_K_M.gguf': gguf } }]);
    hfBlob = path.join(repo, 'blobs', sha256(gguf));
    makeHfRepo(env.HF_HUB_CACHE, 'org/embed', [{ commit: 'c'.repeat(40), ref: 'main', files: { 'model.onnx': fakeGguf(50_000, 12), 'config.json': '{}' } }]);
    makeLmStudioModel(path.join(h, '.lmstudio', 'models'), 'TheBloke/tiny-GGUF', { 'tiny.Q4_K_M.gguf': gguf });
    const core = openTestCore(home, env);
    await core.invoke('registry.upsertModel', { name: 'embed', type: 'embedding', provider: 'huggingface', source: { kind: 'hub', repoId: 'org/embed', revision: null } });
    await core.invoke('registry.registerVersion', { model: 'embed', version: '1.0.0', status: 'production' });
    await core.close();
    serve = await startServe(home, env);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    removeDir(home);
  });

  it('scans, charts disk use by tool and model, marks what is safe to delete, and dedupes after a dry run', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${serve.url}#token=${serve.token}`);
    await page.getByRole('button', { name: 'Inventory' }).click();
    await page.getByTestId('inventory-empty').waitFor();
    await page.getByTestId('inventory-scan').click();
    await page.getByTestId('inventory-summary').waitFor({ timeout: 20_000 });
    await page.getByTestId('inventory-chart-tools').locator('.recharts-bar-rectangle').first().waitFor();
    await page.getByTestId('inventory-chart-models').locator('.recharts-bar-rectangle').first().waitFor();
    expect(await page.getByTestId('inventory-chart-tools').locator('.recharts-bar-rectangle').count()).toBe(3);

    const row = (id: string) => page.locator(`tr[data-model-id="${id}"]`).getByTestId('safe-to-delete');
    expect(await row('huggingface:org/embed').textContent()).toContain('in useregistry embed@1.0.0 (production) uses org/embed');
    expect(await row('lmstudio:TheBloke/tiny-GGUF').textContent()).toBe('safe to delete');

    const group = page.getByTestId('duplicate-group');
    expect(await group.count()).toBe(1);
    expect(await group.textContent()).toMatch(/300\.0 KB × 3 — dedupe saves 300\.0 KB/);
    expect(await group.textContent()).toMatch(/left alone: .*tiny\.Q4_K_M\.gguf — LM Studio keeps plain files/);

    await page.getByTestId('dedupe-preview').click();
    const result = page.getByTestId('dedupe-result');
    await result.filter({ hasText: 'Would link 1 file(s), saving 300.0 KB' }).waitFor();
    expect(fs.statSync(hfBlob).ino).not.toBe(fs.statSync(ollamaBlob).ino);
    await page.getByTestId('dedupe-confirm').click();
    // The dedupe job ends, the page scans again and the group has nothing left to link.
    await page.getByTestId('duplicates-summary').filter({ hasText: 'dedupe saves 0 B' }).waitFor({ timeout: 20_000 });
    expect(fs.statSync(hfBlob).ino).toBe(fs.statSync(ollamaBlob).ino);
    expect(sha256(fs.readFileSync(hfBlob))).toBe(sha256(gguf));

    await page.getByTestId('retention-gb').fill('0');
    await page.getByTestId('retention-preview').click();
    const plan = page.getByTestId('retention-result');
    await plan.filter({ hasText: 'Would remove' }).waitFor();
    expect(await plan.textContent()).not.toContain('org/embed');
    expect(await plan.textContent()).toContain('Removing only models that are safe to delete cannot reach this budget.');
    expect(errors).toEqual([]);
    await page.close();
  });
});
