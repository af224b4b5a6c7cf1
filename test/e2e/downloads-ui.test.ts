import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { chromiumMissingReason, launchChromium } from '../support/browser';
import { formatBytes } from '../../src/shared/format-bytes';
import { sentenceModelFiles, sentenceRepo } from '../support/hub-server/fixtures';
import { startHubServer, type HubServer } from '../support/hub-server/hub-server';
import { startServe, type ServeProcess } from '../support/serve-process';
import { makeTempDir, removeDir } from '../support/temp-home';

const missing = chromiumMissingReason();
const REPO = 'acme/ui-embed';
/** No fp16 export: the lookup must say so and the variant select refuse it. */
const NO_FP16 = 'acme/ui-no-fp16';
const INFERENCE = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'modules.json', 'sentence_bert_config.json', '1_Pooling/config.json'];

describe.skipIf(missing)('the Downloads page in a browser, against the loopback hub', () => {
  let home: string;
  let hub: HubServer;
  let serve: ServeProcess;
  let browser: Browser;

  beforeAll(async () => {
    home = makeTempDir('mc-e2e-dl-');
    hub = await startHubServer({
      repos: [
        sentenceRepo(REPO, { branches: { v2: sentenceModelFiles(2) } }),
        { id: NO_FP16, files: sentenceModelFiles(3).filter((f) => f.path !== 'onnx/model_fp16.onnx') },
      ],
    });
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

  /** The Downloads page in a fresh tab, with the errors its scripts throw. */
  async function openDownloads(): Promise<{ page: Page; form: Locator; errors: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${serve.url}#token=${serve.token}`);
    await page.getByRole('button', { name: 'Downloads' }).click();
    return { page, form: page.getByRole('form', { name: 'Download a model' }), errors };
  }

  it('downloads a model with live bytes and speed, verifies and deletes it', async () => {
    const { page, form, errors } = await openDownloads();
    await form.getByLabel('Model (Hub repo id)').fill('not a repo');
    await form.getByRole('button', { name: 'Download' }).click();
    await page.getByText(/Enter a Hub repo id/).waitFor();

    await form.getByLabel('Model (Hub repo id)').fill(REPO);
    await form.getByRole('button', { name: 'Download' }).click();
    const running = page.locator('li.job[data-state="running"]').first();
    await running.waitFor({ timeout: 20_000 });
    await running.locator('.job-foot').getByText(/ of [\d.]+ MB/).waitFor({ timeout: 20_000 });
    await page.locator('li.job[data-state="done"]').first().waitFor({ timeout: 60_000 });

    const commit = hub.repos.get(REPO)!.branches.get('main')!.commit;
    const model = page.locator(`li[data-commit="${commit}"]`);
    await model.waitFor();
    expect(await model.textContent()).toContain('fp32');
    await model.getByRole('button', { name: 'Verify' }).click();
    await model.getByText(/all files match/).waitFor();
    await model.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByTestId('delete-model-dialog');
    const files = [...INFERENCE, 'onnx/model.onnx'];
    const bytes = files.reduce((s, f) => s + hub.repos.get(REPO)!.branches.get('main')!.files.get(f)!.size, 0);
    expect(await dialog.textContent()).toContain(`Revision ${commit.slice(0, 7)} of ${REPO} (main) goes: ${files.length} files, ${formatBytes(bytes)}`);
    // One revision: nothing else to offer.
    expect(await dialog.getByTestId('delete-whole-model').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Delete revision' }).click();
    await page.getByText(`Deleted revision ${commit.slice(0, 7)} of ${REPO}, its last. Freed ${formatBytes(bytes)}.`).waitFor();
    await page.getByText('No downloaded models.').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  // Needs branch issue4-a: the download job reporting `detail.files`; until it is merged this test fails on purpose.
  it('shows a progress line per file while a download runs', async () => {
    const { page, form } = await openDownloads();
    await form.getByLabel('Model (Hub repo id)').fill(REPO);
    await form.getByRole('button', { name: 'Download' }).click();
    const running = page.locator('li.job[data-state="running"]').first();
    const onnx = running.getByTestId('file-progress').locator('li', { hasText: 'onnx/model.onnx' });
    const size = hub.repos.get(REPO)!.branches.get('main')!.files.get('onnx/model.onnx')!.size;
    await onnx.getByText(new RegExp(` of ${formatBytes(size).replace('.', '\\.')}$`)).waitFor({ timeout: 20_000 });
    await onnx.getByRole('progressbar', { name: 'onnx/model.onnx' }).waitFor();
    const id = await running.getAttribute('data-job-id');
    await page.locator(`li.job[data-job-id="${id}"][data-state="done"]`).waitFor({ timeout: 60_000 });
    // A finished job keeps only its total.
    expect(await page.locator(`li.job[data-job-id="${id}"]`).getByTestId('file-progress').count()).toBe(0);
    const commit = hub.repos.get(REPO)!.branches.get('main')!.commit;
    await page.locator(`li[data-commit="${commit}"]`).getByRole('button', { name: 'Delete' }).click();
    await page.getByTestId('delete-model-dialog').getByRole('button', { name: 'Delete revision' }).click();
    await page.getByText('No downloaded models.').waitFor();
    await page.close();
  });

  it('looks a repo up before downloading: commit, variant sizes in the select, unavailable variants disabled, the file list', async () => {
    const { page, form, errors } = await openDownloads();
    const variant = form.getByLabel('Variant');

    await form.getByLabel('Model (Hub repo id)').fill('acme/not-there');
    await form.getByRole('button', { name: 'Look up' }).click();
    await form.getByText(/There is no model "acme\/not-there"/).waitFor();

    await form.getByLabel('Model (Hub repo id)').fill(NO_FP16);
    await variant.selectOption('fp16');
    await form.getByRole('button', { name: 'Look up' }).click();
    const found = form.getByTestId('repo-lookup');
    const main = hub.repos.get(NO_FP16)!.branches.get('main')!;
    await found.getByText(`main → ${main.commit}`).waitFor();
    expect(await found.textContent()).toContain('sentence-transformers');
    const int8 = [...INFERENCE, 'onnx/model_quantized.onnx'].reduce((s, f) => s + main.files.get(f)!.size, 0);
    expect(await found.locator('tr[data-variant="int8"]').textContent()).toBe(`int8${INFERENCE.length + 1}${formatBytes(int8)}`);
    expect(await found.locator('tr[data-variant="fp16"]').textContent()).toContain('not in this repo');
    // The select says the same: sizes on the choices, the missing variant refused, and not left chosen.
    expect(await variant.locator('option[value="int8"]').textContent()).toBe(`int8 — ${formatBytes(int8)}`);
    expect(await variant.locator('option[value="fp16"]').textContent()).toBe('fp16 — not in this repo');
    expect(await variant.locator('option[value="fp16"]').isDisabled()).toBe(true);
    expect(await variant.inputValue()).toBe('fp32');

    // The file list opens on demand, with every file and its size.
    const list = found.locator('details');
    expect(await list.getAttribute('open')).toBeNull();
    await list.locator('summary').click();
    await list.getByText(`pytorch_model.bin · ${formatBytes(main.files.get('pytorch_model.bin')!.size)} · LFS`).waitFor();
    expect(await list.locator('li').count()).toBe(main.files.size);

    // Another revision is another lookup: the sizes shown must not outlive the fields they answer.
    await form.getByLabel('Revision').fill('v2');
    await found.waitFor({ state: 'detached' });
    expect(await variant.locator('option[value="fp16"]').textContent()).toBe('fp16');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('verifies, repairs and deletes one revision at a time, offering the whole model when there are several', async () => {
    const { page, form, errors } = await openDownloads();
    await form.getByLabel('Model (Hub repo id)').fill(REPO);
    const revs = { main: hub.repos.get(REPO)!.branches.get('main')!, v2: hub.repos.get(REPO)!.branches.get('v2')! };
    for (const rev of ['main', 'v2'] as const) {
      await form.getByLabel('Revision').fill(rev);
      await form.getByRole('button', { name: 'Download' }).click();
      await page.locator(`li[data-commit="${revs[rev].commit}"]`).waitFor({ timeout: 60_000 });
    }
    const mainRow = page.locator(`li[data-commit="${revs.main.commit}"]`);
    const v2Row = page.locator(`li[data-commit="${revs.v2.commit}"]`);

    // Damage a blob of v2 only: its Verify finds it, main's does not.
    const snap = path.join(home, 'hub', 'models--acme--ui-embed', 'snapshots', revs.v2.commit);
    const blob = fs.realpathSync(path.join(snap, 'config.json'));
    fs.chmodSync(blob, 0o644);
    fs.appendFileSync(blob, ' ');
    await mainRow.getByRole('button', { name: 'Verify' }).click();
    await mainRow.getByText(/all files match/).waitFor();
    await v2Row.getByRole('button', { name: 'Verify' }).click();
    await v2Row.getByText(/1 file\(s\) damaged/).waitFor();
    expect(await v2Row.getByTestId('verify-problems').textContent()).toMatch(/^config\.json: checksum mismatch/);
    expect(await mainRow.getByRole('button', { name: 'Repair' }).count()).toBe(0);

    // Repair downloads that commit again, as a job in the list, and the revision verifies clean afterwards.
    const jobsBefore = await page.locator('li.job[data-job-id]').count();
    await v2Row.getByRole('button', { name: 'Repair' }).click();
    const repair = page.locator('li.job[data-job-id]', { hasText: `Download ${REPO}@${revs.v2.commit} (fp32)` });
    await repair.waitFor({ timeout: 20_000 });
    expect(await page.locator('li.job[data-job-id]').count()).toBe(jobsBefore + 1);
    await page.locator(`li.job[data-job-id][data-state="done"]`, { hasText: revs.v2.commit }).waitFor({ timeout: 60_000 });
    await v2Row.getByTestId('verify-problems').waitFor({ state: 'detached' });
    await v2Row.getByRole('button', { name: 'Verify' }).click();
    await v2Row.getByText(/all files match/).waitFor();

    // Deleting main leaves v2; the dialog offers the whole model as the other choice.
    await mainRow.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByTestId('delete-model-dialog');
    expect(await dialog.getByRole('heading').textContent()).toBe(`Delete revision ${revs.main.commit.slice(0, 7)} of ${REPO}?`);
    expect(await dialog.textContent()).toMatch(/Delete the whole model instead \(2 revisions, [\d.]+ MB\)/);
    await dialog.getByRole('button', { name: 'Keep' }).click();
    await dialog.waitFor({ state: 'detached' });
    await mainRow.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete revision' }).click();
    await page.getByText(new RegExp(`Deleted revision ${revs.main.commit.slice(0, 7)} of ${REPO}\\. Freed [\\d.]+ [KM]B\\.`)).waitFor();
    await mainRow.waitFor({ state: 'detached' });
    expect(fs.existsSync(path.join(home, 'hub', 'models--acme--ui-embed', 'snapshots', revs.main.commit))).toBe(false);
    expect(fs.existsSync(snap)).toBe(true);

    // With v2 back alongside main, the whole model goes at once.
    await form.getByLabel('Revision').fill('main');
    await form.getByRole('button', { name: 'Download' }).click();
    await mainRow.waitFor({ timeout: 60_000 });
    await v2Row.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByTestId('delete-whole-model').check();
    expect(await dialog.getByRole('heading').textContent()).toBe(`Delete ${REPO}?`);
    await dialog.getByRole('button', { name: 'Delete model' }).click();
    await page.getByText(new RegExp(`Deleted ${REPO} \\(2 revisions\\)\\. Freed [\\d.]+ MB\\.`)).waitFor();
    await page.getByText('No downloaded models.').waitFor();
    expect(fs.existsSync(path.join(home, 'hub', 'models--acme--ui-embed'))).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('cancels a paused download, keeping or deleting its partial files as asked', async () => {
    const partials = (): string[] =>
      fs.existsSync(path.join(home, 'hub')) ? fs.readdirSync(path.join(home, 'hub'), { recursive: true, encoding: 'utf8' }).filter((f) => /\.(incomplete|parts\.json)$/.test(f)) : [];
    const { page, form } = await openDownloads();
    await form.getByLabel('Model (Hub repo id)').fill(REPO);
    await form.getByRole('button', { name: 'Download' }).click();
    const job = page.locator('li.job[data-state="running"]').first();
    await job.locator('.job-foot').getByText(/ of [\d.]+ MB/).waitFor({ timeout: 20_000 });
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
