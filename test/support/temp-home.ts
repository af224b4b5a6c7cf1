import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore, type Core } from '../../src/main/core/create-core';

/** A fresh data dir per test, removed afterwards. */
export function makeTempDir(prefix = 'mc-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function testEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return { MODEL_CENTER_HOME: home, HF_HUB_CACHE: path.join(home, 'hub'), MODEL_CENTER_CHECK_OUTPUT: '1', ...extra };
}

export function openTestCore(home: string, extra: Record<string, string> = {}): Core {
  return createCore({ surface: 'test', env: testEnv(home, extra) });
}
