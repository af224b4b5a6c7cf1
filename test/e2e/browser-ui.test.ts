import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumMissingReason, launchChromium } from '../support/browser';
import { startServe, type ServeProcess } from '../support/serve-process';
import { makeTempDir, removeDir } from '../support/temp-home';

const missing = chromiumMissingReason();
if (missing) console.warn(`Skipping browser end-to-end tests: ${missing}`);

describe.skipIf(missing)('the window in a browser, served by model-center serve', () => {
  let home: string;
  let serve: ServeProcess;
  let browser: Browser;

  beforeAll(async () => {
    home = makeTempDir('mc-e2e-');
    serve = await startServe(home);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    removeDir(home);
  });

  it('asks for the token when opened without one', async () => {
    const page = await browser.newPage();
    await page.goto(serve.url);
    await expect(page.getByText(/needs its API token/).waitFor()).resolves.toBeUndefined();
    await page.close();
  });

  it('shows live status and follows a self-test job to 100 % over SSE', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${serve.url}#token=${serve.token}`);
    const facts = page.getByTestId('status-facts');
    await facts.waitFor();
    expect(await facts.textContent()).toContain(home);
    expect(await facts.textContent()).toContain('server · node');
    expect(page.url()).not.toContain(serve.token);
    await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor();

    await page.getByTestId('run-selftest').click();
    const job = page.locator('li.job').first();
    await job.waitFor();
    // Seen mid-way first, then done: the bar moves through SSE, not by reloading.
    await page.locator('li.job[data-state="running"]').first().waitFor({ timeout: 10_000 });
    await page.locator('li.job[data-state="done"]').first().waitFor({ timeout: 30_000 });
    expect(await job.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    expect(await job.textContent()).toContain('100 %');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('saves settings and shows them after a reload', async () => {
    const page = await browser.newPage();
    await page.goto(`${serve.url}#token=${serve.token}`);
    await page.getByRole('button', { name: 'Settings' }).click();
    const concurrency = page.locator('input[name="downloadConcurrency"]');
    await concurrency.fill('4');
    await page.locator('select[name="theme"]').selectOption('dark');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await page.reload();
    await page.locator('input[name="downloadConcurrency"]').waitFor();
    expect(await page.locator('input[name="downloadConcurrency"]').inputValue()).toBe('4');
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.getByTestId('token-presence').filter({ hasText: 'No token' }).waitFor();
    await page.close();
  });
});
