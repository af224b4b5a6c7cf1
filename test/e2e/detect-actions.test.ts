import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissingReason, launchChromium } from '../support/browser';
import { detectRoots } from '../support/detect-fixture';
import { makeStLegacy, makeVoskModel } from '../support/model-trees';
import { startServe, type ServeProcess } from '../support/serve-process';
import { makeTempDir, removeDir } from '../support/temp-home';

const missing = chromiumMissingReason();

/** The same HTTP API the page uses, for setting up and checking state around the clicks. */
async function rpc<T>(serve: ServeProcess, method: string, body: unknown = {}): Promise<T> {
  const res = await fetch(new URL(`/api/rpc/${method}`, serve.url), {
    method: 'POST',
    headers: { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { result: T };
  if (!res.ok) throw new Error(`${method}: ${JSON.stringify(json)}`);
  return json.result;
}

async function openDetected(browser: Browser, serve: ServeProcess): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Every confirmation is in the page; a native dialog would be a regression (it hides the bytes freed).
  page.on('dialog', (d) => {
    errors.push(`native dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(`${serve.url}#token=${serve.token}`);
  await page.getByRole('button', { name: 'Detected' }).click();
  await page.getByTestId('detect-group-vosk').waitFor();
  return { page, errors };
}

describe.skipIf(missing)('Detected page actions in a browser', () => {
  let home: string;
  let serve: ServeProcess;
  let browser: Browser;
  const vosk = (name: string): string => path.join(home, 'vosk', name);

  beforeAll(async () => {
    home = makeTempDir('mc-e2e-detect-actions-');
    for (const name of ['vosk-model-small-ru-0.15', 'vosk-model-small-ru-0.22', 'vosk-model-small-de-0.15']) makeVoskModel(vosk(name));
    makeStLegacy(path.join(home, 'st'), 'org_legacy-mini', { pooling: { pooling_mode_mean_tokens: true }, maxSeqLength: 128 });
    serve = await startServe(home, detectRoots(home));
    await rpc(serve, 'registry.upsertModel', { name: 'emb', type: 'embedding', provider: 'local' });
    for (const version of ['1.0.0', '1.1.0']) await rpc(serve, 'registry.registerVersion', { model: 'emb', version });
    await rpc(serve, 'settings.update', { requiredModels: ['vosk:vosk-model-small-ru-0.22'] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    removeDir(home);
  });

  it('ensure shows what is present; cleanup previews items and bytes, asks, and applies on confirm only', async () => {
    const { page, errors } = await openDetected(browser, serve);
    // The disk chart splits each source's bar by model: three Vosk folders and the legacy one.
    await page.getByTestId('detect-chart').locator('.recharts-bar-rectangle').nth(3).waitFor();
    await page.getByTestId('ensure-run').click();
    expect(await page.getByTestId('ensure-result').textContent()).toMatch(/vosk:vosk-model-small-ru-0\.22\s*present/);

    await page.getByLabel('Revisions to keep').fill('1');
    await page.getByTestId('cleanup-preview').click();
    const summary = page.getByTestId('cleanup-summary');
    await summary.waitFor();
    expect(await summary.textContent()).toMatch(/^Would remove 1 item\(s\), freeing [\d.]+ KB; would archive 1 registry version\(s\)\.$/);
    expect(await page.getByTestId('cleanup-vosk').textContent()).toMatch(/vosk-model-small-ru: keeps vosk-model-small-ru-0\.22 \(in requiredModels\); would remove vosk-model-small-ru-0\.15 \([\d.]+ KB\)/);
    expect(await page.getByTestId('cleanup-registry').textContent()).toMatch(/emb: keeps 1\.1\.0 \(among the 1 most recent\); would archive 1\.0\.0 \(was development\)/);

    // The dialog says what goes; cancelling changes nothing.
    await page.getByTestId('cleanup-run').click();
    const dialog = page.getByTestId('cleanup-dialog');
    expect(await dialog.getByTestId('cleanup-dialog-bytes').textContent()).toMatch(/Deletes 1 revision\(s\) or model folder\(s\), freeing [\d.]+ KB, and archives 1 registry version\(s\)/);
    await dialog.getByTestId('cleanup-dialog-cancel').click();
    await dialog.waitFor({ state: 'detached' });
    expect(fs.existsSync(vosk('vosk-model-small-ru-0.15'))).toBe(true);

    await page.getByTestId('cleanup-run').click();
    await page.getByTestId('cleanup-dialog-confirm').click();
    await summary.filter({ hasText: /^Removed 1 item\(s\), freed [\d.]+ KB; archived 1 registry version\(s\)\.$/ }).waitFor();
    expect(fs.existsSync(vosk('vosk-model-small-ru-0.15'))).toBe(false);
    expect(fs.existsSync(vosk('vosk-model-small-ru-0.22'))).toBe(true);
    const versions = await rpc<Array<{ version: string; status: string }>>(serve, 'registry.versions', { model: 'emb' });
    expect(versions.map((v) => [v.version, v.status])).toEqual([
      ['1.1.0', 'development'],
      ['1.0.0', 'archived'],
    ]);
    // The page scanned again: the removed folder is gone from the Vosk group.
    await page.getByTestId('detect-group-vosk').locator('tr[data-name="vosk-model-small-ru-0.15"]').waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('adopts a legacy folder; deletes a row after a confirmation with the bytes; shows why a delete is refused', async () => {
    const { page, errors } = await openDetected(browser, serve);
    const legacy = page.getByTestId('detect-group-sentence-transformers').locator('tr[data-name="org/legacy-mini"]');
    await legacy.getByTestId('detect-adopt').click();
    const adopt = page.getByTestId('adopt-dialog');
    expect(await adopt.getByTestId('adopt-name').getAttribute('placeholder')).toBe('legacy-mini');
    await adopt.getByTestId('adopt-name').fill('mini-legacy');
    await adopt.getByTestId('adopt-dialog-confirm').click();
    expect(await page.getByTestId('detect-notice').textContent()).toMatch(/Registered mini-legacy 1\.0\.0 \(development\): dimension 384, max length 128, pooling mean\./);
    await legacy.getByText('registry: mini-legacy').waitFor();
    expect(await legacy.getByTestId('detect-adopt').count()).toBe(0);
    const model = await rpc<{ provider: string; source: { kind: string; path: string } }>(serve, 'registry.getModel', { model: 'mini-legacy' });
    expect(model).toMatchObject({ provider: 'local', source: { kind: 'path', path: path.join(home, 'st', 'org_legacy-mini') } });

    const de = page.getByTestId('detect-group-vosk').locator('tr[data-name="vosk-model-small-de-0.15"]');
    await de.getByTestId('detect-delete').click();
    const dialog = page.getByTestId('confirm-dialog');
    expect(await dialog.getByTestId('confirm-bytes').textContent()).toMatch(/This frees [\d.]+ KB and cannot be undone\./);
    expect(await dialog.textContent()).toContain(vosk('vosk-model-small-de-0.15'));
    await dialog.getByTestId('confirm-dialog-cancel').click();
    await dialog.waitFor({ state: 'detached' });
    expect(fs.existsSync(vosk('vosk-model-small-de-0.15'))).toBe(true);
    await de.getByTestId('detect-delete').click();
    await page.getByTestId('confirm-dialog-confirm').click();
    expect(await page.getByTestId('detect-notice').filter({ hasText: 'Deleted' }).textContent()).toMatch(/^Deleted vosk-model-small-de-0\.15: [\d.]+ KB freed\.$/);
    await de.waitFor({ state: 'detached' });
    expect(fs.existsSync(vosk('vosk-model-small-de-0.15'))).toBe(false);

    // Serving from the adopted folder now: the delete is refused before any dialog opens.
    await rpc(serve, 'registry.setStatus', { model: 'mini-legacy', version: '1.0.0', status: 'staging' });
    await rpc(serve, 'registry.setCurrent', { model: 'mini-legacy', version: '1.0.0' });
    await legacy.getByTestId('detect-delete').click();
    expect(await page.getByTestId('detect-action-error').textContent()).toMatch(/cannot be deleted: it is the source of registry model mini-legacy \(current version 1\.0\.0\)/);
    expect(await page.getByTestId('confirm-dialog').count()).toBe(0);
    expect(fs.existsSync(path.join(home, 'st', 'org_legacy-mini'))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe.skipIf(missing)('Settings page: required models and Vosk folders', () => {
  it('saves both lists, refuses a relative folder, and Detected then scans the folder', async () => {
    const home = makeTempDir('mc-e2e-settings-vosk-');
    makeVoskModel(path.join(home, 'my-vosk', 'vosk-model-small-fr-0.22'));
    // No MODEL_CENTER_VOSK_DIRS here: the setting is what this test edits.
    const { MODEL_CENTER_VOSK_DIRS: _vosk, ...roots } = detectRoots(home);
    const serve = await startServe(home, roots);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${serve.url}#token=${serve.token}`);
      await page.getByRole('button', { name: 'Settings' }).click();
      const required = page.locator('textarea[name="requiredModels"]');
      const voskDirs = page.locator('textarea[name="voskDirs"]');
      await voskDirs.waitFor();
      expect(await voskDirs.isDisabled()).toBe(false);

      await voskDirs.fill('models/vosk');
      await page.getByRole('button', { name: 'Save' }).click();
      expect(await page.getByRole('alert').textContent()).toMatch(/voskDirs\[0\]: must be an absolute path/);

      await required.fill('ollama:gemma2:2b\n\nvosk:vosk-model-small-fr-0.22\n');
      await voskDirs.fill(`${path.join(home, 'my-vosk')}\n`);
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
      const view = await rpc<{ values: { requiredModels: string[]; voskDirs: string[] }; sources: Record<string, string> }>(serve, 'settings.get');
      expect(view.values.requiredModels).toEqual(['ollama:gemma2:2b', 'vosk:vosk-model-small-fr-0.22']);
      expect(view.values.voskDirs).toEqual([path.join(home, 'my-vosk')]);
      expect(view.sources.voskDirs).toBe('stored');

      await page.getByRole('button', { name: 'Detected' }).click();
      const group = page.getByTestId('detect-group-vosk');
      await group.locator('tr[data-name="vosk-model-small-fr-0.22"]').waitFor();
      await page.getByTestId('ensure-run').click();
      expect(await page.getByTestId('ensure-result').textContent()).toMatch(/vosk:vosk-model-small-fr-0\.22\s*present/);
      await page.close();
    } finally {
      await browser.close();
      await serve.stop();
      removeDir(home);
    }
  });
});
