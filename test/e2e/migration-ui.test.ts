import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Core } from '../../src/main/core/create-core';
import { chromiumMissingReason, launchChromium } from '../support/browser';
import { importAndWait, registerTinyModels, writeCorpus } from '../support/collections';
import { runCliProcess } from '../support/run-cli';
import { startServe, type ServeProcess } from '../support/serve-process';
import { makeTempDir, openTestCore, removeDir, testEnv } from '../support/temp-home';
import { waitFor } from '../support/wait-for';

const missing = chromiumMissingReason();

describe.skipIf(missing)('the Migrations and Search pages in a browser', () => {
  let home: string;
  let serve: ServeProcess;
  let browser: Browser;
  let core: Core;

  beforeAll(async () => {
    home = makeTempDir('mc-e2e-migr-');
    core = openTestCore(home);
    await registerTinyModels(core);
    expect((await importAndWait(core, { name: 'kb', paths: [writeCorpus(path.join(home, 'c'), 40, 20)], model: 'tiny', chunkSize: 24 })).state).toBe('done');
    await core.invoke('inference.validate', { model: 'tiny@2.0.0' });
    serve = await startServe(home, testEnv(home));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await core?.close();
    removeDir(home);
  });

  it('monitors a migration another process started and paused, resumes it, compares, rolls out with confirmation and finalizes', async () => {
    // Started and paused by this test's own process: the window must find it in the job table.
    const { job } = await core.invoke('migrations.start', { collection: 'kb', to: 'tiny@2.0.0', batchSize: 4 });
    // Paused early: the job writes a progress sample when it starts and when it pauses, so the chart has two points.
    await waitFor(() => ((core.jobStore.require(job.id).checkpoint as { embedded?: number } | null)?.embedded ?? 0) > 0 ? true : undefined, 30_000);
    const paused = await core.invoke('migrations.pause', { collection: 'kb' });
    expect(paused.state).toBe('paused');
    expect(paused.done).toBeLessThan(paused.total);

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${serve.url}#token=${serve.token}`);
    await page.getByRole('button', { name: 'Migrations' }).click();
    const monitor = page.getByTestId('migration-monitor');
    await monitor.getByTestId('migration-state').getByText('paused').waitFor();
    expect(await monitor.getByTestId('migration-figures').textContent()).toMatch(new RegExp(`${paused.done} of ${paused.total} chunks`));
    await monitor.getByTestId('migration-charts').waitFor();

    // Reopening the page mid-migration shows the same state: it comes from the core, not from the page's memory.
    await page.reload();
    await page.getByTestId('migration-monitor').getByTestId('migration-state').getByText('paused').waitFor();

    await page.getByTestId('migration-resume').click();
    await page.getByTestId('migration-state').getByText('ready').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('migration-figures').textContent()).toMatch(new RegExp(`${paused.total} of ${paused.total} chunks`));

    await page.getByTestId('compare-run').click();
    const report = page.getByTestId('compare-report');
    await report.waitFor({ timeout: 30_000 });
    expect(await report.textContent()).toMatch(/20 sampled queries · mean overlap@10/);

    await page.getByTestId('rollout-panel').getByRole('button', { name: '50 %' }).click();
    await page.getByTestId('rollout-apply').click();
    await page.getByText('Route 50 % of searches to B?').waitFor();
    await page.getByTestId('rollout-confirm').click();
    await page.getByTestId('route-counts').getByText(/Now 50 % to B/).waitFor();

    // The search playground routes by the rollout, or searches the version asked for.
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByTestId('search-query').fill('the train to the airport');
    await page.getByTestId('search-route').selectOption('candidate');
    await page.getByTestId('search-submit').click();
    await page.getByTestId('served-by').getByText('tiny@2.0.0').waitFor();
    expect(await page.getByTestId('search-hit').count()).toBe(15);
    await page.getByTestId('search-route').selectOption('current');
    await page.getByTestId('search-submit').click();
    await page.getByTestId('served-by').getByText('tiny@1.0.0').waitFor();
    expect(await page.getByTestId('search-hit').count()).toBe(15);

    await page.getByRole('button', { name: 'Migrations' }).click();
    await page.getByTestId('finalize').click();
    await page.getByTestId('finalize-yes').click();
    await page.getByTestId('migration-state').getByText('finalized').waitFor();
    expect(await page.getByTestId('migration-outcome').textContent()).toMatch(/tiny@2\.0\.0 serves "kb"; tiny@1\.0\.0's vectors were deleted/);
    const list = await runCliProcess(['collection', 'list', '--json'], { MODEL_CENTER_HOME: home });
    expect((JSON.parse(list.stdout) as Array<{ version: string; dimension: number }>)[0]).toMatchObject({ version: '2.0.0', dimension: 64 });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
