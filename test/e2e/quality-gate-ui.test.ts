import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Core } from '../../src/main/core/create-core';
import { chromiumMissingReason, launchChromium } from '../support/browser';
import { importAndWait, registerPoorModel, registerTinyModels, writeVariedCorpus } from '../support/collections';
import { startServe, type ServeProcess } from '../support/serve-process';
import { makeTempDir, openTestCore, removeDir, testEnv } from '../support/temp-home';

const missing = chromiumMissingReason();

describe.skipIf(missing)('the quality gate on the Migrations page', () => {
  let home: string;
  let serve: ServeProcess;
  let browser: Browser;
  let core: Core;

  beforeAll(async () => {
    home = makeTempDir('mc-e2e-gate-');
    core = openTestCore(home);
    await registerTinyModels(core);
    await registerPoorModel(core);
    expect((await importAndWait(core, { name: 'kb', paths: [writeVariedCorpus(path.join(home, 'c'), 12, 12)], model: 'tiny', chunkSize: 24 })).state).toBe('done');
    await core.invoke('inference.validate', { model: 'tiny@3.0.0' });
    const { job } = await core.invoke('migrations.start', { collection: 'kb', to: 'tiny@3.0.0', batchSize: 64 });
    expect((await core.jobs.waitForSettled(job.id)).state).toBe('done');
    serve = await startServe(home, testEnv(home));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await core?.close();
    removeDir(home);
  });

  it('freezes a golden set, refuses a rollout B fails, and rolls back with the numbers when a forced rollout is re-checked', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${serve.url}#token=${serve.token}`);
    await page.getByRole('button', { name: 'Migrations' }).click();
    const gate = page.getByTestId('quality-gate');
    await gate.waitFor();
    await gate.getByRole('spinbutton', { name: 'Queries to sample' }).fill('30');
    await page.getByTestId('gate-sample').click();
    await page.getByTestId('gate-count').getByText('30').waitFor();

    // The first step: the gate runs and refuses, with B's numbers in the message.
    await page.getByTestId('rollout-panel').getByRole('button', { name: '10 %' }).click();
    await page.getByTestId('rollout-apply').click();
    await page.getByTestId('rollout-confirm').click();
    await page.getByTestId('migration-error').getByText(/Quality gate failed .*recall@10: B 0\.\d\d < A .*Rollout to 10 % refused/).waitFor();
    expect(await page.getByTestId('route-counts').textContent()).toMatch(/Now 0 % to B/);

    // Forced past the gate, then checked again by hand: it rolls back at once and says why.
    await page.getByTestId('rollout-panel').getByRole('button', { name: '10 %' }).click();
    await page.getByTestId('rollout-apply').click();
    await page.getByTestId('rollout-skip-gate').check();
    await page.getByTestId('rollout-confirm').click();
    await page.getByTestId('route-counts').getByText(/Now 10 % to B/).waitFor();
    await page.getByTestId('gate-run').click();
    await page.getByTestId('migration-state').getByText('rolled-back').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('migration-outcome').textContent()).toMatch(/Quality gate failed \(30 golden queries\): recall@10: B .*Rolled back: tiny@1\.0\.0 serves "kb"/);
    expect(await page.getByTestId('gate-summary').textContent()).toMatch(/manual.*Rolled back/);

    const history = page.getByTestId('serving-history');
    expect(await history.getByTestId('serving-entry').count()).toBe(5);
    expect(await history.textContent()).toMatch(/rolled-back.*Quality gate failed/);
    expect(await history.textContent()).toContain('Set by the admin with the quality gate skipped.');
    expect(errors).toEqual([]);
  });
});
