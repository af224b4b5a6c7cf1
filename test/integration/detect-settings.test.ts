import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/main/core/create-core';
import { AppError } from '../../src/shared/errors';
import { makeHfRepo, makeVoskModel } from '../support/model-trees';
import { runCliProcess } from '../support/run-cli';
import { makeTempDir, removeDir } from '../support/temp-home';

let home: string;
let core: Core | undefined;

beforeEach(() => {
  home = makeTempDir('mc-detect-settings-');
});
afterEach(async () => {
  await core?.close();
  core = undefined;
  removeDir(home);
});

/** No HF_HUB_CACHE / HF_HOME / MODEL_CENTER_VOSK_DIRS unless given: the settings decide. */
function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    MODEL_CENTER_HOME: home,
    HOME: path.join(home, 'h'),
    XDG_CACHE_HOME: path.join(home, 'xdg'),
    OLLAMA_MODELS: path.join(home, 'ollama'),
    SENTENCE_TRANSFORMERS_HOME: path.join(home, 'st'),
    OLLAMA_HOST: 'http://127.0.0.1:9',
    MODEL_CENTER_CHECK_OUTPUT: '1',
    ...extra,
  };
}

function open(extra: Record<string, string> = {}): Core {
  return createCore({ surface: 'test', env: env(extra) });
}

async function names(c: Core, source: string): Promise<string[]> {
  return ((await c.invoke('detect', {})).groups.find((g) => g.source === source)?.models ?? []).map((m) => m.name);
}

describe('setting voskDirs', () => {
  it('adds folders detect searches; MODEL_CENTER_VOSK_DIRS wins over it; relative paths are refused', async () => {
    makeVoskModel(path.join(home, 'a', 'vosk-model-small-ru-0.22'));
    makeVoskModel(path.join(home, 'b', 'vosk-model-small-de-0.15'));
    core = open();
    expect(await names(core, 'vosk')).toEqual([]);
    const view = await core.invoke('settings.update', { voskDirs: [path.join(home, 'a')] });
    expect(view.values.voskDirs).toEqual([path.join(home, 'a')]);
    expect(view.sources.voskDirs).toBe('stored');
    const r = await core.invoke('detect', {});
    const vosk = r.groups.find((g) => g.source === 'vosk');
    expect(vosk?.roots[0]).toEqual({ path: path.join(home, 'a'), exists: true });
    expect(vosk?.models.map((m) => m.name)).toEqual(['vosk-model-small-ru-0.22']);

    let err: unknown;
    try {
      await core.call('settings.update', { voskDirs: ['models/vosk'] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toMatch(/voskDirs\[0\]: must be an absolute path/);
    await core.close();

    core = open({ MODEL_CENTER_VOSK_DIRS: path.join(home, 'b') });
    const envView = await core.invoke('settings.get', {});
    expect(envView.values.voskDirs).toEqual([path.join(home, 'b')]);
    expect(envView.sources.voskDirs).toBe('env');
    expect(await names(core, 'vosk')).toEqual(['vosk-model-small-de-0.15']);
  });

  it('configure voskDirs=a,b stores the list (relative entries from the current folder); an empty value clears it', async () => {
    const set = await runCliProcess(['configure', `voskDirs=${path.join(home, 'a')}, ${path.join(home, 'b')}`, '--json'], env());
    expect(set.code).toBe(0);
    expect((JSON.parse(set.stdout) as { values: { voskDirs: string[] } }).values.voskDirs).toEqual([path.join(home, 'a'), path.join(home, 'b')]);
    const human = await runCliProcess(['configure'], env());
    expect(human.stdout).toMatch(new RegExp(`voskDirs\\s+${path.join(home, 'a')}, ${path.join(home, 'b')}\\s+stored`));
    const rel = await runCliProcess(['configure', 'voskDirs=models/vosk', '--json'], env());
    expect((JSON.parse(rel.stdout) as { values: { voskDirs: string[] } }).values.voskDirs).toEqual([path.resolve('models/vosk')]);
    const cleared = await runCliProcess(['configure', 'voskDirs=', '--json'], env());
    expect((JSON.parse(cleared.stdout) as { values: { voskDirs: string[] } }).values.voskDirs).toEqual([]);
  });
});

describe('detect follows the cache folder setting', () => {
  it('scans the hubCacheDir setting when no HF_HUB_CACHE/HF_HOME is set, as downloads and cleanup do', async () => {
    const cache = path.join(home, 'custom-cache');
    makeHfRepo(cache, 'org/model', [{ commit: 'a'.repeat(40), ref: 'main', files: { 'config.json': '{}' } }]);
    core = open();
    expect(await names(core, 'huggingface')).toEqual([]);
    await core.invoke('settings.update', { hubCacheDir: cache });
    expect(await names(core, 'huggingface')).toEqual(['org/model']);
  });
});
