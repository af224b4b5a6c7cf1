import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumMissingReason, launchChromium } from '../support/browser';
import { sentenceRepo } from '../support/hub-server/fixtures';
import { startHubServer, type HubServer } from '../support/hub-server/hub-server';
import { startServe, type ServeProcess } from '../support/serve-process';
import { makeTempDir, removeDir } from '../support/temp-home';

const missing = chromiumMissingReason();
const REPO = 'acme/ui-embed';

describe.skipIf(missing)('the Downloads page in a browser, against the loopback hub', () => {
  let home: string;
  let hub: HubServer;
  let serve: ServeProcess;
  let browser: Browser;

  beforeAll(async () => {
    home = makeTempDir('mc-e2e-dl-');
    hub = await startHubServer({ repos: [sentenceRepo(REPO)] });
    // Slow enough to see the transfer mid-way in the window.
    hub.setFault(REPO, 'onnx/model.onnx', { kind: 'trickle', chunkBytes: 128 * 1024, delayMs: 40 });
    serve = await startServe(home, { HF_ENDPOINT: hub.url, HF_HUB_CACHE: path.join(home, 'hub') });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await hub?.close();
    removeDir(home);
  });

  it('downloads a model with live bytes and speed, verifies and deletes it', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${serve.url}#token=${serve.token}`);
    await page.getByRole('button', { name: 'Downloads' }).click();
    const form = page.getByRole('form', { name: 'Download a model' });
    await form.getByLabel('Model (Hub repo id)').fill('not a repo');
    await form.getByRole('button', { name: 'Download' }).click();
    await page.getByText(/Enter a Hub repo id/).waitFor();

    await form.getByLabel('Model (Hub repo id)').fill(REPO);
    await form.getByRole('button', { name: 'Download' }).click();
    const running = page.locator('li.job[data-state="running"]').first();
    await running.waitFor({ timeout: 20_000 });
    await running.getByText(/ of [\d.]+ MB/).waitFor({ timeout: 20_000 });
    await page.locator('li.job[data-state="done"]').first().waitFor({ timeout: 60_000 });

    const model = page.locator(`li[data-model="${REPO}"]`);
    await model.waitFor();
    expect(await model.textContent()).toContain('fp32');
    await model.getByRole('button', { name: 'Verify' }).click();
    await model.getByText(/all files match/).waitFor();
    await model.getByRole('button', { name: 'Delete' }).click();
    await model.getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByText('No downloaded models.').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });
});
