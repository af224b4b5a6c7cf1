import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { _electron as electron } from 'playwright-core';
import { REPO_ROOT } from '../support/run-cli';
import { makeTempDir, removeDir } from '../support/temp-home';

function electronBinary(): string | undefined {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown;
    return typeof p === 'string' && fs.existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

const binary = electronBinary();
const nativeReady = fs.existsSync(path.join(REPO_ROOT, '.native'));
const reason = !binary
  ? 'no Electron binary installed (ELECTRON_SKIP_BINARY_DOWNLOAD was set, or it could not be downloaded)'
  : !nativeReady
    ? 'better-sqlite3 is not built for Electron yet (run `npm start` once, which runs scripts/prepare-electron-native.mjs)'
    : undefined;
if (reason) console.warn(`Skipping the Electron end-to-end test: ${reason}`);

describe.skipIf(reason)('the Electron app', () => {
  it('opens a sandboxed window that shows live status through IPC', async () => {
    const home = makeTempDir('mc-electron-');
    const app = await electron.launch({ executablePath: binary, args: [REPO_ROOT, '--no-sandbox'], env: { ...process.env, MODEL_CENTER_HOME: home } });
    try {
      const win = await app.firstWindow();
      await win.getByTestId('status-facts').waitFor();
      expect(await win.getByTestId('status-facts').textContent()).toContain(home);
      expect(await win.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      await win.getByTestId('run-selftest').click();
      await win.locator('li.job[data-state="done"]').first().waitFor({ timeout: 30_000 });
    } finally {
      await app.close();
      removeDir(home);
    }
  });
});
