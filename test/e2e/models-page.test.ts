import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumMissingReason, launchChromium } from '../support/browser';
import { runCliProcess } from '../support/run-cli';
import { startServe, type ServeProcess } from '../support/serve-process';
import { makeTempDir, removeDir } from '../support/temp-home';

const missing = chromiumMissingReason();

describe.skipIf(missing)('the Models page in a browser', () => {
  let home: string;
  let serve: ServeProcess;
  let browser: Browser;

  beforeAll(async () => {
    home = makeTempDir('mc-e2e-models-');
    serve = await startServe(home);
    browser = await launchChromium();
    // Set up through the CLI while the server runs: the page must see another process's writes.
    const env = { MODEL_CENTER_HOME: home };
    expect((await runCliProcess(['import-registry', '--env', 'minilm:sentence-transformers/all-MiniLM-L6-v2:main:384:256'], env)).code).toBe(0);
    expect((await runCliProcess(['register', 'minilm', '1.1.0', '--status', 'staging'], env)).code).toBe(0);
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    removeDir(home);
  });

  it('lists imported models, switches the current version with confirmation, and rolls back', async () => {
    const page = await browser.newPage();
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${serve.url}#token=${serve.token}`);
    await page.getByRole('button', { name: 'Models', exact: true }).click();
    const table = page.getByTestId('models-table');
    await table.getByText('all-minilm-l6-v2').waitFor();
    await table.getByRole('button', { name: 'all-minilm-l6-v2' }).click();
    const detail = page.getByTestId('model-detail');
    await detail.getByTestId('version-1.1.0').waitFor();
    await detail.getByTestId('version-1.1.0').getByRole('button', { name: 'Set current' }).click();
    await detail.getByTestId('version-1.1.0').getByText('current').waitFor();
    await detail.getByRole('button', { name: /Roll back to 1\.0\.0/ }).click();
    await detail.getByTestId('version-1.0.0').getByText('current').waitFor();
    const versions = await runCliProcess(['versions', 'minilm', '--json'], { MODEL_CENTER_HOME: home });
    const current = (JSON.parse(versions.stdout) as { version: string; isCurrent: boolean }[]).filter((v) => v.isCurrent);
    expect(current.map((v) => v.version)).toEqual(['1.0.0']);
    await page.close();
  });
});
