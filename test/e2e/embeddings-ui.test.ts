import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissingReason, launchChromium } from '../support/browser';
import { placeInHfCache, testModel } from '../support/embedding-models';
import { runCliProcess } from '../support/run-cli';
import { startServe, type ServeProcess } from '../support/serve-process';
import { makeTempDir, removeDir } from '../support/temp-home';

const missing = chromiumMissingReason();

/** tiny-32 reads at most 128 tokens: this line has 300 words. */
const LONG_LINE = Array.from({ length: 150 }, () => 'зарплата salary').join(' ');
const TEXTS = ['зарплата', 'заработная плата', 'salary', 'weather forecast', LONG_LINE];

describe.skipIf(missing)('the Embeddings page in a browser, with a generated model', () => {
  let home: string;
  let serve: ServeProcess;
  let browser: Browser;

  beforeAll(async () => {
    home = makeTempDir('mc-e2e-embed-');
    const env = { MODEL_CENTER_HOME: home, HF_HUB_CACHE: path.join(home, 'hub') };
    const folder = testModel('tiny-32');
    const register = await runCliProcess(['register', 'tiny', '1.0.0', '--type', 'embedding', '--provider', 'local', '--path', folder, '--status', 'production'], env);
    expect(register.code, register.stderr).toBe(0);
    expect((await runCliProcess(['set-current', 'tiny', '1.0.0'], env)).code).toBe(0);
    serve = await startServe(home, { HF_HUB_CACHE: env.HF_HUB_CACHE });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    removeDir(home);
  });

  /** When a registry model's latest validation ran, asked over the HTTP API the page uses. */
  const lastValidatedAt = async (model: string): Promise<string | null> => {
    const res = await fetch(new URL('/api/rpc/inference.validations', serve.url), {
      method: 'POST',
      headers: { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ model }),
    });
    const { result } = (await res.json()) as { result: { checkedAt: string }[] };
    return result[0]?.checkedAt ?? null;
  };

  const open = async (area: string): Promise<{ page: Page; errors: string[] }> => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${serve.url}#token=${serve.token}`);
    await page.getByRole('button', { name: area, exact: true }).click();
    return { page, errors };
  };

  it('embeds Russian and English lines: dimension, provider, truncation, a heat map; an unknown model is an error', async () => {
    const { page, errors } = await open('Embeddings');
    await page.locator('input[name="model"]').fill('tiny');
    await page.locator('textarea[name="texts"]').fill(`${TEXTS.join('\n')}\n`);
    await page.getByRole('button', { name: 'Embed', exact: true }).click();
    const result = page.getByTestId('embed-result');
    await result.waitFor();
    expect(await result.getByTestId('embed-dimension').textContent()).toBe('32');
    expect(await result.getByTestId('embed-provider').textContent()).toBe('cpu');
    expect(await result.getByTestId('embed-timings').textContent()).toMatch(/total .+ms · queue .+ms · inference .+ms/);
    expect(await result.getByTestId('embed-cache').textContent()).toMatch(/0 hits · 5 misses/);

    // Only the over-long line is marked, with the model's max length.
    const truncated = result.getByTestId('truncated');
    expect(await truncated.count()).toBe(1);
    expect(await result.getByTestId('embed-text-5').getByTestId('truncated').textContent()).toBe('truncated to 128 tokens');
    expect(await result.getByTestId('embed-text-5').locator('td').nth(2).textContent()).toBe('128');

    // One cell per pair, labelled rows and columns; a paraphrase lands closer than an unrelated text.
    const matrix = result.getByTestId('similarity-matrix');
    expect(await matrix.locator('td.heat-cell').count()).toBe(TEXTS.length * TEXTS.length);
    expect(await matrix.locator('thead th[scope="col"]').count()).toBe(TEXTS.length);
    expect(await matrix.locator('tbody th[scope="row"]').first().textContent()).toContain('зарплата');
    const cell = async (i: number, j: number): Promise<number> => Number(await matrix.locator('tbody tr').nth(i).locator('td.heat-cell').nth(j).textContent());
    expect(await cell(0, 0)).toBe(1);
    expect(await cell(0, 1)).toBeGreaterThan(await cell(0, 3));

    // Embedding the same texts again comes from the cache.
    await page.getByRole('button', { name: 'Embed', exact: true }).click();
    await result.getByTestId('embed-cache').filter({ hasText: '5 hits · 0 misses' }).waitFor();

    await page.locator('input[name="model"]').fill('no-such-model');
    await page.getByRole('button', { name: 'Embed', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: 'No model or alias "no-such-model"' }).waitFor();
    expect(await alert.textContent()).toContain('Hint:');
    expect(await page.getByTestId('embed-result').count()).toBe(0);

    await page.locator('input[name="model"]').fill('tiny');
    await page.locator('textarea[name="texts"]').fill('salary\n\nзарплата');
    await page.getByRole('button', { name: 'Embed', exact: true }).click();
    await alert.filter({ hasText: 'Line 2 is empty' }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('validates the model: every check ok, "healthy" here and on the Models page', async () => {
    const { page, errors } = await open('Embeddings');
    await page.locator('input[name="model"]').fill('tiny');
    await page.getByRole('button', { name: 'Validate', exact: true }).click();
    const report = page.getByTestId('validation-report');
    await report.waitFor({ timeout: 30_000 });
    expect(await report.locator('[data-health]').textContent()).toBe('healthy');
    for (const check of ['load', 'dimension', 'finite', 'unit norm', 'deterministic', 'similarity']) {
      expect(await report.getByTestId(`check-${check}`).locator('td').nth(1).textContent()).toBe('ok');
    }

    await page.getByRole('button', { name: 'Models', exact: true }).click();
    await page.getByTestId('model-health-tiny').filter({ hasText: 'healthy' }).waitFor();
    await page.getByRole('button', { name: 'tiny', exact: true }).click();
    const health = page.getByTestId('model-detail').getByTestId('health-1.0.0');
    await health.filter({ hasText: 'healthy' }).waitFor();
    // The row's own action validates that version again: a newer result is recorded and the badge stays healthy.
    const before = await lastValidatedAt('tiny');
    await health.getByRole('button', { name: 'Validate' }).click();
    await expect.poll(() => lastValidatedAt('tiny'), { timeout: 30_000 }).not.toBe(before);
    await health.filter({ hasText: 'healthy' }).waitFor();
    await health.getByRole('button', { name: 'Validate', disabled: false }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  // Runs after the tests above, whose embeddings left a session loaded and vectors in the cache.
  it('shows the loaded session on Status, clears the cache, and saves inferenceThreads in Settings', async () => {
    const { page, errors } = await open('Status');
    const panel = page.getByTestId('inference-panel');
    await panel.getByTestId('inference-sessions').waitFor();
    expect(await panel.getByTestId('inference-sessions').textContent()).toContain('cpu');
    await panel.getByRole('button', { name: 'Clear cache' }).click();
    await panel.getByRole('status').filter({ hasText: /Removed \d+ cached vectors?/ }).waitFor();
    await panel.getByTestId('inference-cache').filter({ hasText: /^0 vectors/ }).waitFor();

    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const threads = page.locator('input[name="inferenceThreads"]');
    await threads.fill('1');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await page.reload();
    await threads.waitFor();
    expect(await threads.inputValue()).toBe('1');
    const shown = await runCliProcess(['configure', '--json'], { MODEL_CENTER_HOME: home });
    expect((JSON.parse(shown.stdout) as { values: { inferenceThreads: number } }).values.inferenceThreads).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a Hub model that failed verification: the refusal comes with a warning whose button opens the Downloads page', async () => {
    const placed = placeInHfCache(path.join(home, 'hub'), 'acme/damaged-embed', testModel('tiny-32'));
    const onnx = fs.realpathSync(path.join(placed.snapshotDir, 'onnx', 'model.onnx'));
    const bytes = fs.readFileSync(onnx);
    bytes.writeUInt8(bytes.readUInt8(bytes.length >> 1) ^ 0xff, bytes.length >> 1);
    fs.writeFileSync(onnx, bytes);
    const env = { MODEL_CENTER_HOME: home, HF_HUB_CACHE: path.join(home, 'hub') };
    expect((await runCliProcess(['verify', 'acme/damaged-embed'], env)).code).toBe(1);

    const { page, errors } = await open('Embeddings');
    await page.locator('input[name="model"]').fill('acme/damaged-embed');
    await page.locator('textarea[name="texts"]').fill('salary');
    await page.getByRole('button', { name: 'Embed', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'acme/damaged-embed failed verification' }).waitFor();
    const warning = page.getByTestId('model-missing');
    expect(await warning.getAttribute('data-repo')).toBe('acme/damaged-embed');
    // A model that is simply unknown is not a download problem: no warning for it.
    await page.locator('input[name="model"]').fill('no-such-model');
    await page.getByRole('button', { name: 'Embed', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'No model or alias' }).waitFor();
    expect(await warning.count()).toBe(0);

    await page.locator('input[name="model"]').fill('acme/damaged-embed');
    await page.getByRole('button', { name: 'Embed', exact: true }).click();
    await warning.getByRole('button', { name: 'Go to Downloads' }).click();
    await page.locator('button.nav[aria-current="page"]', { hasText: 'Downloads' }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/downloads');
    // The model to repair is already in the download form.
    expect(await page.getByLabel('Model (Hub repo id)').inputValue()).toBe('acme/damaged-embed');
    expect(errors).toEqual([]);
    await page.close();
  });
});
