import fs from 'node:fs';
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

  it('cancels a paused download, keeping or deleting its partial files as asked', async () => {
    const partials = (): string[] =>
      fs.existsSync(path.join(home, 'hub')) ? fs.readdirSync(path.join(home, 'hub'), { recursive: true, encoding: 'utf8' }).filter((f) => /\.(incomplete|parts\.json)$/.test(f)) : [];
    const page = await browser.newPage();
    await page.goto(`${serve.url}#token=${serve.token}`);
    await page.getByRole('button', { name: 'Downloads' }).click();
    const form = page.getByRole('form', { name: 'Download a model' });
    await form.getByLabel('Model (Hub repo id)').fill(REPO);
    await form.getByRole('button', { name: 'Download' }).click();
    const job = page.locator('li.job[data-state="running"]').first();
    await job.getByText(/ of [\d.]+ MB/).waitFor({ timeout: 20_000 });
    const id = await job.getAttribute('data-job-id');
    const row = page.locator(`li.job[data-job-id="${id}"]`);
    await row.getByRole('button', { name: 'Pause' }).click();
    await page.locator(`li.job[data-job-id="${id}"][data-state="paused"]`).waitFor({ timeout: 20_000 });
    expect(partials().length).toBeGreaterThan(0);

    // Back closes the dialog and leaves the job as it was.
    await row.getByRole('button', { name: 'Cancel' }).click();
    const dialog = page.getByTestId('cancel-job-dialog');
    expect(await dialog.textContent()).toMatch(/kept by default: a later download of the same model continues from it/);
    await dialog.getByRole('button', { name: 'Back' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await row.getAttribute('data-state')).toBe('paused');

    await row.getByRole('button', { name: 'Cancel' }).click();
    await dialog.getByTestId('cancel-job-discard').check();
    await dialog.getByRole('button', { name: 'Cancel job' }).click();
    await page.locator(`li.job[data-job-id="${id}"][data-state="cancelled"]`).waitFor({ timeout: 20_000 });
    await row.getByText(/of partial files deleted/).waitFor();
    expect(partials()).toEqual([]);
    await page.close();
  });
});
