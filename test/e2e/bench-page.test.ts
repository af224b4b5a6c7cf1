import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { BenchResultDTO } from '../../src/shared/contract';
import { chromiumMissingReason, launchChromium } from '../support/browser';
import { testModel } from '../support/embedding-models';
import { startServe, type ServeProcess } from '../support/serve-process';
import { makeTempDir, openTestCore, removeDir } from '../support/temp-home';

const missing = chromiumMissingReason();

async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const file = await download.path();
  return { name: download.suggestedFilename(), bytes: fs.readFileSync(file) };
}

describe.skipIf(missing)('the Benchmarks page in a browser', () => {
  let home: string;
  let serve: ServeProcess;
  let browser: Browser;

  beforeAll(async () => {
    home = makeTempDir('mc-e2e-bench-');
    // Two stored results before the window opens: what the charts must draw.
    const core = openTestCore(home);
    try {
      await core.invoke('registry.upsertModel', { name: 'tiny', type: 'embedding', provider: 'local', source: { kind: 'path', path: testModel('tiny-32') } });
      await core.invoke('registry.registerVersion', { model: 'tiny', version: '1.0.0' });
      await core.invoke('registry.registerVersion', { model: 'tiny', version: '2.0.0', source: { kind: 'path', path: testModel('tiny-64') } });
      for (const model of ['tiny@1.0.0', 'tiny@2.0.0']) {
        const job = await core.invoke('bench.run', { model, limit: 10, runs: 2, warmupRuns: 0, batchSizes: [1, 4, 8] });
        expect((await core.jobs.waitForSettled(job.id)).state).toBe('done');
      }
      // A figure from another machine in the version's history (as an imported bundle brings): its own, marked series.
      await core.invoke('registry.recordMetrics', { model: 'tiny', version: '1.0.0', metrics: { throughput_b1: 1 }, source: 'bench job 99: cpu, 4 threads, machine ffffffffffff' });
    } finally {
      await core.close();
    }
    serve = await startServe(home);
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    removeDir(home);
  });

  it('draws throughput, latency, comparison and history from stored results, exports PNG, CSV and JSON, and runs a new benchmark', async () => {
    const page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1400, height: 1600 } });
    await page.goto(`${serve.url}#token=${serve.token}`);
    await page.getByRole('button', { name: 'Benchmarks', exact: true }).click();

    const throughput = page.getByTestId('chart-throughput');
    await throughput.locator('.recharts-line-curve').first().waitFor();
    expect(await throughput.locator('.recharts-line-curve').count()).toBe(2);
    // Three batch sizes, one dot per series and size.
    expect(await throughput.locator('.recharts-line-dots circle').count()).toBe(6);
    expect(await throughput.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents()).toEqual(['1', '4', '8']);
    const latency = page.getByTestId('chart-latency');
    await latency.locator('.recharts-bar-rectangle path').first().waitFor();
    expect(await latency.locator('.recharts-bar-rectangle path').count()).toBeGreaterThan(2);
    const compare = page.getByTestId('bench-compare');
    await expect.poll(() => compare.locator('tr', { hasText: 'Dimension' }).innerText()).toMatch(/Dimension\s+\d+\s+\d+ \((\+100\.0|-50\.0) %\)/);
    // The version's registry metrics over time: one benchmark so far, so one point.
    const history = page.getByTestId('chart-history');
    await history.locator('.recharts-line-dots circle').first().waitFor();
    // One series per provider and machine: this machine's benchmark, and the other machine's figure, marked.
    expect(await history.locator('.chart-legend li').allInnerTexts()).toEqual([
      expect.stringMatching(/^cpu×\d+ · this machine \([0-9a-f]{12}\)$/),
      'cpu×4 · other machine ffffffffffff, not comparable',
    ]);
    expect(await history.locator('.recharts-line-dots circle').count()).toBe(2);
    await page.getByTestId('history-other-machine').waitFor();

    const png = await downloaded(page, () => page.getByTestId('chart-throughput-png').click());
    expect(png.name).toBe('chart-throughput.png');
    expect(png.bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.bytes.length).toBeGreaterThan(5_000);
    // The comparison table as PNG too: drawn from the table as shown, every row in it (IHDR: width, height at 16 and 20, twice the CSS size).
    const tablePng = await downloaded(page, () => page.getByTestId('bench-compare-png').click());
    expect(tablePng.name).toBe('bench-compare.png');
    expect(tablePng.bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(tablePng.bytes.length).toBeGreaterThan(10_000);
    const shown = await compare.locator('table').boundingBox();
    expect(tablePng.bytes.readUInt32BE(16)).toBeGreaterThanOrEqual(2 * Math.floor(shown!.width));
    expect(tablePng.bytes.readUInt32BE(20)).toBeGreaterThanOrEqual(2 * Math.floor(shown!.height));
    const csv = await downloaded(page, () => page.getByTestId('chart-throughput-csv').click());
    const lines = csv.bytes.toString('utf8').trim().split('\r\n');
    expect(lines[0]).toBe('result_id,result,batch_size,texts_per_s,texts_per_s_min,texts_per_s_max,tokens_per_s');
    expect(lines).toHaveLength(1 + 2 * 3);
    const raw = await downloaded(page, () => page.getByTestId('bench-export-json').click());
    expect(raw.name).toMatch(/^benchmarks-.*\.json$/);
    const parsed = JSON.parse(raw.bytes.toString('utf8')) as { results: Array<{ machine: { cpuModel: string }; latency: { samples: number[] } }> };
    expect(parsed.results).toHaveLength(2);
    expect(parsed.results[0]!.latency.samples).toHaveLength(20);

    // A benchmark started from the window, on a corpus typed there: the job shows, and its result joins the table when it is done.
    await page.getByTestId('bench-model').fill('tiny@2.0.0');
    await page.getByTestId('bench-batches').fill('1,2');
    await page.getByTestId('bench-runs').fill('1');
    await page.getByTestId('bench-warmup').fill('0');
    await page.getByTestId('bench-variant').selectOption('fp32');
    // Over the contract's cap on inline texts the run is refused in the form, saying why.
    // Pasted, not typed: Playwright's fill goes through the editing engine, far too slow for 5001 lines.
    await page.getByTestId('bench-corpus').evaluate((box, text) => {
      // React watches the prototype's value setter, so the input event reaches its state.
      Object.getOwnPropertyDescriptor(Object.getPrototypeOf(box) as object, 'value')?.set?.call(box, text);
      box.dispatchEvent(new Event('input', { bubbles: true }));
    }, Array.from({ length: 5001 }, (_, i) => `text ${i}`).join('\n'));
    await expect.poll(() => page.getByTestId('bench-corpus-count').innerText()).toMatch(/^5001 texts, .* at most 5000 texts/);
    expect(await page.getByTestId('bench-run').isDisabled()).toBe(true);
    await page.getByTestId('bench-corpus').fill('первая строка\n\nsecond line of my corpus\nтретья\n');
    await page.getByTestId('bench-corpus-name').fill('mine');
    expect(await page.getByTestId('bench-corpus-count').innerText()).toMatch(/^3 texts, 0\.0 of 256 KiB$/);
    await page.getByTestId('bench-run').click();
    await page.getByTestId('bench-result-3').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('bench-results').locator('tbody tr').count()).toBe(3);
    const res = await fetch(new URL(`/api/rpc/bench.get?input=${encodeURIComponent(JSON.stringify({ id: 3 }))}`, serve.url), { headers: { authorization: `Bearer ${serve.token}` } });
    const third = ((await res.json()) as { result: BenchResultDTO }).result;
    expect(third.corpus).toMatchObject({ name: 'mine', texts: 3 });
    expect(third.run).toMatchObject({ warmupRuns: 0, runs: 1, batchSizes: [1, 2] });
    expect(third.model.variant).toBe('fp32');
    await page.close();
  }, 120_000);
});
