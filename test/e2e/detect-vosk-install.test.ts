import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumMissingReason, launchChromium } from '../support/browser';
import { detectRoots } from '../support/detect-fixture';
import { makeVoskModel } from '../support/model-trees';
import { startServe, type ServeProcess } from '../support/serve-process';
import { makeTempDir, removeDir } from '../support/temp-home';
import { writeZip } from '../support/zip-writer';

const missing = chromiumMissingReason();

const RU = 'vosk-model-small-ru-0.22';
const DE = 'vosk-model-small-de-0.15';
const EN = 'vosk-model-small-en-us-0.15';

function modelZip(file: string, name: string): Buffer {
  writeZip(file, [
    { name: `${name}/am/final.mdl`, data: randomBytes(300_000) },
    { name: `${name}/conf/model.conf`, data: '--min-active=200\n' },
    { name: `${name}/graph/Gr.fst`, data: randomBytes(1000) },
    { name: `${name}/graph/HCLr.fst`, data: randomBytes(1000) },
  ]);
  return fs.readFileSync(file);
}

/**
 * A loopback model folder (MODEL_CENTER_VOSK_BASE_URL points the catalogue at it). The ru zip's first GET sends a
 * third and then waits for `release()`, so the page can be looked at while the job runs.
 */
async function startZipServer(dir: string): Promise<{ base: string; release(): void; close(): Promise<void> }> {
  const served = new Map([RU, DE].map((n) => [`${n}.zip`, modelZip(path.join(dir, `${n}.zip`), n)]));
  let release = (): void => undefined;
  const released = new Promise<void>((r) => (release = r));
  let held = false;
  const server = http.createServer((req, res) => {
    const name = path.basename(new URL(req.url ?? '/', 'http://x').pathname);
    const body = served.get(name);
    if (!body) return res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Length': body.length, 'Accept-Ranges': 'bytes' });
    if (req.method === 'HEAD') return res.end();
    if (name !== `${RU}.zip` || held) return res.end(body);
    held = true;
    const third = Math.floor(body.length / 3);
    res.write(body.subarray(0, third));
    void released.then(() => res.end(body.subarray(third)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    release: () => release(),
    close: () => {
      release();
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

describe.skipIf(missing)('installing Vosk models from the Detected page', () => {
  let home: string;
  let zips: Awaited<ReturnType<typeof startZipServer>>;
  let serve: ServeProcess;
  let browser: Browser;

  beforeAll(async () => {
    home = makeTempDir('mc-e2e-vosk-');
    fs.mkdirSync(path.join(home, 'served'));
    zips = await startZipServer(path.join(home, 'served'));
    makeVoskModel(path.join(home, 'vosk', EN));
    serve = await startServe(home, { ...detectRoots(home), MODEL_CENTER_VOSK_BASE_URL: zips.base });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await zips?.close();
    removeDir(home);
  });

  it('lists the catalogue, installs an entry as a job followed to done, rescans, and refuses bad input', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${serve.url}#token=${serve.token}`);
    await page.getByRole('button', { name: 'Detected' }).click();
    const box = page.getByTestId('vosk-models');
    const row = (name: string) => box.getByTestId('vosk-catalogue').locator(`tr[data-name="${name}"]`);
    const detected = (name: string) => page.getByTestId('detect-group-vosk').locator(`tr[data-name="${name}"]`);
    const job = (name: string) => box.locator('li.job').filter({ hasText: `Vosk install ${name}` });

    // The catalogue: language, zip size, unpacked size, note; a model already on disk is marked and not offered.
    await row(RU).waitFor();
    expect(await row(RU).textContent()).toMatch(/Vosk small Russian 0\.22.*vosk-model-small-ru-0\.22\s*ru\s*46\.2 MB\s*~90 MB\s*Lightweight/);
    await row(EN).locator('.badge', { hasText: 'installed' }).waitFor();
    expect(await row(EN).getByTestId('vosk-install').isDisabled()).toBe(true);
    expect(await row(RU).locator('.badge').count()).toBe(0);
    expect(await detected(RU).count()).toBe(0);

    // Install from the catalogue: the job runs with bytes, pause and cancel; the row says it is installing.
    await row(RU).getByTestId('vosk-install').click();
    const ru = job(RU);
    await ru.filter({ hasText: /KB of [\d.]+ KB/ }).and(box.locator('li.job[data-state="running"]')).waitFor({ timeout: 20_000 });
    expect(await ru.getByRole('button').allTextContents()).toEqual(['Pause', 'Cancel']);
    expect(await row(RU).getByTestId('vosk-install').textContent()).toBe('Installing…');
    expect(await row(RU).getByTestId('vosk-install').isDisabled()).toBe(true);

    // The same model by name while that job holds it: the core's CONFLICT, in the box.
    await box.getByTestId('vosk-install-ref').fill(RU);
    await box.getByTestId('vosk-install-ref-submit').click();
    const error = box.getByTestId('vosk-install-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/^Job \d+ is already installing vosk-model-small-ru-0\.22 \(running\)\.\nHint: Wait for it, or cancel it first\.$/);

    zips.release();
    await box.locator('li.job[data-state="done"]').filter({ hasText: `Vosk install ${RU}` }).waitFor({ timeout: 20_000 });
    // The page rescans by itself: the model is in the Vosk group, registered (the checkbox is on by default).
    await detected(RU).waitFor({ timeout: 10_000 });
    expect(await detected(RU).textContent()).toContain(`registry: ${RU}`);
    await row(RU).locator('.badge', { hasText: 'installed' }).waitFor();

    // Unticked, the next install leaves the registry alone.
    await box.getByTestId('vosk-install-register').uncheck();
    await row(DE).getByTestId('vosk-install').click();
    await job(DE).and(box.locator('li.job[data-state="done"]')).waitFor({ timeout: 20_000 });
    await detected(DE).waitFor({ timeout: 10_000 });
    expect(await detected(DE).textContent()).not.toContain('registry:');

    // A URL that names no zip is refused before any job starts; a zip the server lacks fails its job with the URL.
    const jobsBefore = await box.locator('li.job').count();
    await box.getByTestId('vosk-install-ref').fill('https://example.com/models/');
    await box.getByTestId('vosk-install-ref-submit').click();
    await error.filter({ hasText: "the URL must end with the model's zip name" }).waitFor();
    expect(await box.locator('li.job').count()).toBe(jobsBefore);
    const nope = `${zips.base}/vosk-model-small-xx-0.1.zip`;
    await box.getByTestId('vosk-install-ref').fill(nope);
    await box.getByTestId('vosk-install-ref-submit').click();
    await error.waitFor({ state: 'detached' });
    const failed = job('vosk-model-small-xx-0.1').and(box.locator('li.job[data-state="failed"]'));
    await failed.waitFor({ timeout: 20_000 });
    expect(await failed.locator('.error-text').textContent()).toContain(`There is no zip at ${nope} (HTTP 404).`);

    expect(errors).toEqual([]);
    await page.close();
  });
});
