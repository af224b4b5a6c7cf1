import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { prepareModel } from '../support/bundle-fixtures';
import { chromiumMissingReason, launchChromium } from '../support/browser';
import { sentenceRepo } from '../support/hub-server/fixtures';
import { startHubServer, type HubServer } from '../support/hub-server/hub-server';
import { runCliProcess } from '../support/run-cli';
import { startServe, type ServeProcess } from '../support/serve-process';
import { makeTempDir, openTestCore, removeDir } from '../support/temp-home';

const missing = chromiumMissingReason();
const REPO = 'acme/ui-bundle';
const NAME = 'ui-bundle';

describe.skipIf(missing)('Export and Import on the Models page, in a browser', () => {
  let work: string;
  let hub: HubServer;
  let online: ServeProcess;
  let offline: ServeProcess;
  let browser: Browser;
  const homeA = (): string => path.join(work, 'online');
  const homeB = (): string => path.join(work, 'offline');

  beforeAll(async () => {
    work = makeTempDir('mc-e2e-bundle-');
    hub = await startHubServer({ repos: [sentenceRepo(REPO)] });
    const core = openTestCore(homeA(), { HF_ENDPOINT: hub.url });
    await prepareModel(core, REPO, NAME);
    await core.close();
    online = await startServe(homeA(), { HF_HUB_CACHE: path.join(homeA(), 'hub') });
    offline = await startServe(homeB(), { HF_HUB_CACHE: path.join(homeB(), 'hub'), HF_HUB_OFFLINE: '1' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await online?.stop();
    await offline?.stop();
    await hub?.close();
    removeDir(work);
  });

  it('exports a model (zstd), downloads the bundle, uploads it to another machine and sees the model there', async () => {
    const errors: string[] = [];
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${online.url}#token=${online.token}`);
    await page.getByRole('button', { name: 'Models', exact: true }).click();
    const panel = page.getByTestId('bundles');
    await panel.getByLabel(`Export ${REPO}`).check();
    await panel.getByTestId('export-compression').selectOption('zstd');
    await panel.getByRole('button', { name: 'Export', exact: true }).click();
    await panel.locator('li.job[data-state="done"]').first().waitFor({ timeout: 30_000 });
    const row = panel.getByTestId('exports-table').locator('tr[data-export]').first();
    await row.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.tar\.zst$/);
    const file = path.join(work, download.suggestedFilename());
    await download.saveAs(file);
    expect(fs.statSync(file).size).toBeGreaterThan(1024 * 1024);
    await page.screenshot({ path: path.join(work, 'export.png'), fullPage: true });
    if (process.env.MC_SCREENSHOTS) fs.copyFileSync(path.join(work, 'export.png'), path.join(process.env.MC_SCREENSHOTS, 'bundles-export.png'));

    const page2 = await context.newPage();
    page2.on('pageerror', (e) => errors.push(e.message));
    await page2.goto(`${offline.url}#token=${offline.token}`);
    await page2.getByRole('button', { name: 'Models', exact: true }).click();
    await page2.getByText('No models registered yet.').waitFor();
    const panel2 = page2.getByTestId('bundles');
    // Something that is not a bundle: refused, the reason shown on the job, nothing imported.
    const junk = path.join(work, 'junk.tar.gz');
    fs.writeFileSync(junk, Buffer.alloc(2048, 1));
    await panel2.getByLabel('Bundle file').setInputFiles(junk);
    await panel2.getByRole('button', { name: 'Upload and import' }).click();
    const failed = panel2.locator('li.job[data-state="failed"]').first();
    await failed.waitFor({ timeout: 30_000 });
    expect(await failed.textContent()).toMatch(/not a readable tar archive|not a Model Center bundle/);
    await panel2.getByLabel('Bundle file').setInputFiles(file);
    await panel2.getByRole('button', { name: 'Upload and import' }).click();
    await panel2.locator('li.job[data-state="done"]').first().waitFor({ timeout: 30_000 });
    await page2.getByTestId('models-table').getByText(NAME).waitFor();
    if (process.env.MC_SCREENSHOTS) await page2.screenshot({ path: path.join(process.env.MC_SCREENSHOTS, 'bundles-import.png'), fullPage: true });
    const versions = await runCliProcess(['versions', NAME, '--json'], { MODEL_CENTER_HOME: homeB() });
    expect((JSON.parse(versions.stdout) as Array<{ version: string; isCurrent: boolean }>).find((v) => v.isCurrent)?.version).toBe('1.0.0');
    expect(errors).toEqual([]);
    await context.close();
  });
});
