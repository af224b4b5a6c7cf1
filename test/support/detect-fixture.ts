import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { Core } from '../../src/main/core/create-core';
import { AppError } from '../../src/shared/errors';
import type { FakeOllama } from './ollama-server';
import { makeTempDir, openTestCore, removeDir } from './temp-home';

/** The AppError a call fails with (a call that succeeds fails the test). */
export async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

/** Bytes of every file under a folder, as a deletion of it frees them. */
export function bytesUnder(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n += fs.statSync(path.join(e.parentPath, e.name)).size;
  return n;
}

/** Every detect root below `home` (so nothing of the real machine is seen), Ollama at `ollamaHost`. */
export function detectRoots(home: string, ollamaHost = 'http://127.0.0.1:9'): Record<string, string> {
  return {
    HOME: path.join(home, 'h'),
    OLLAMA_MODELS: path.join(home, 'ollama'),
    MODEL_CENTER_VOSK_DIRS: path.join(home, 'vosk'),
    HF_HUB_CACHE: path.join(home, 'hub'),
    SENTENCE_TRANSFORMERS_HOME: path.join(home, 'st'),
    OLLAMA_HOST: ollamaHost,
  };
}

export interface DetectFixture {
  /** A fresh data folder per test, removed afterwards; every detect root lies below it. */
  readonly home: string;
  core: Core | undefined;
  fake: FakeOllama | undefined;
  /** Every detect root inside `home`, Ollama at the fake server when one runs (else a closed port). */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Opens (and remembers, for closing) a core on `env(extra)`. */
  open(extra?: Record<string, string>): Core;
}

/** Registers the per-test temp home, core and fake Ollama of a detect/ensure test file. */
export function useDetectFixture(prefix: string): DetectFixture {
  let home = '';
  const t: DetectFixture = {
    get home() {
      return home;
    },
    core: undefined,
    fake: undefined,
    env: (extra = {}) => ({ MODEL_CENTER_HOME: home, ...detectRoots(home, t.fake?.host), ...extra }),
    open: (extra) => {
      t.core = openTestCore(home, t.env(extra));
      return t.core;
    },
  };
  beforeEach(() => {
    home = makeTempDir(prefix);
  });
  afterEach(async () => {
    await t.core?.close();
    t.core = undefined;
    await t.fake?.close();
    t.fake = undefined;
    removeDir(home);
  });
  return t;
}
