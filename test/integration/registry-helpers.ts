import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore, type Core } from '../../src/main/core/create-core';
import { AppError, type ErrorCode } from '../../src/shared/errors';

/** A core on a fresh data dir (real SQLite file); output checking on so handlers cannot drift from the contract. */
export function tempCore(): { core: Core; home: string; cleanup: () => Promise<void> } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-registry-'));
  const core = createCore({ surface: 'test', env: { MODEL_CENTER_HOME: home, MODEL_CENTER_CHECK_OUTPUT: '1' } });
  return {
    core,
    home,
    cleanup: async () => {
      await core.close();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Runs `fn` and returns the AppError it threw (fails the test when it did not throw one). */
export async function appError(fn: () => unknown): Promise<AppError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError, nothing was thrown');
}

export async function expectCode(fn: () => unknown, code: ErrorCode): Promise<AppError> {
  const err = await appError(fn);
  if (err.code !== code) throw new Error(`expected ${code}, got ${err.code}: ${err.message}`);
  return err;
}
