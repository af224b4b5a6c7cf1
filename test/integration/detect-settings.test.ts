import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/main/core/create-core';
import { AppError } from '../../src/shared/errors';
import { makeHfRepo, makeVoskModel } from '../support/model-trees';
import { runCliProcess } from '../support/run-cli';
import { useDetectFixture } from '../support/detect-fixture';

const t = useDetectFixture('mc-detect-settings-');

/** No HF_HUB_CACHE / HF_HOME / MODEL_CENTER_VOSK_DIRS unless given: the settings decide. */
function env(extra: Record<string, string> = {}): Record<string, string> {
  const { HF_HUB_CACHE: _cache, MODEL_CENTER_VOSK_DIRS: _vosk, ...base } = t.env();
  return { ...base, XDG_CACHE_HOME: path.join(t.home, 'xdg'), MODEL_CENTER_CHECK_OUTPUT: '1', ...extra };
}

function open(extra: Record<string, string> = {}): Core {
  t.core = createCore({ surface: 'test', env: env(extra) });
  return t.core;
}

async function names(c: Core, source: string): Promise<string[]> {
  return ((await c.invoke('detect', {})).groups.find((g) => g.source === source)?.models ?? []).map((m) => m.name);
}

describe('setting voskDirs', () => {
  it('adds folders detect searches; MODEL_CENTER_VOSK_DIRS wins over it; relative paths are refused', async () => {
    makeVoskModel(path.join(t.home, 'a', 'vosk-model-small-ru-0.22'));
    makeVoskModel(path.join(t.home, 'b', 'vosk-model-small-de-0.15'));
    let core = open();
    expect(await names(core, 'vosk')).toEqual([]);
    const view = await core.invoke('settings.update', { voskDirs: [path.join(t.home, 'a')] });
    expect(view.values.voskDirs).toEqual([path.join(t.home, 'a')]);
    expect(view.sources.voskDirs).toBe('stored');
    const r = await core.invoke('detect', {});
    const vosk = r.groups.find((g) => g.source === 'vosk');
    expect(vosk?.roots[0]).toEqual({ path: path.join(t.home, 'a'), exists: true });
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

    core = open({ MODEL_CENTER_VOSK_DIRS: path.join(t.home, 'b') });
    const envView = await core.invoke('settings.get', {});
    expect(envView.values.voskDirs).toEqual([path.join(t.home, 'b')]);
    expect(envView.sources.voskDirs).toBe('env');
    expect(await names(core, 'vosk')).toEqual(['vosk-model-small-de-0.15']);
  });

  it('configure voskDirs=a,b stores the list (relative entries from the current folder); an empty value clears it', async () => {
    const set = await runCliProcess(['configure', `voskDirs=${path.join(t.home, 'a')}, ${path.join(t.home, 'b')}`, '--json'], env());
    expect(set.code).toBe(0);
    expect((JSON.parse(set.stdout) as { values: { voskDirs: string[] } }).values.voskDirs).toEqual([path.join(t.home, 'a'), path.join(t.home, 'b')]);
    const human = await runCliProcess(['configure'], env());
    expect(human.stdout).toMatch(new RegExp(`voskDirs\\s+${path.join(t.home, 'a')}, ${path.join(t.home, 'b')}\\s+stored`));
    const rel = await runCliProcess(['configure', 'voskDirs=models/vosk', '--json'], env());
    expect((JSON.parse(rel.stdout) as { values: { voskDirs: string[] } }).values.voskDirs).toEqual([path.resolve('models/vosk')]);
    const cleared = await runCliProcess(['configure', 'voskDirs=', '--json'], env());
    expect((JSON.parse(cleared.stdout) as { values: { voskDirs: string[] } }).values.voskDirs).toEqual([]);
  });
});

describe('detect follows the cache folder setting', () => {
  it('scans the hubCacheDir setting when no HF_HUB_CACHE/HF_HOME is set, as downloads and cleanup do', async () => {
    const cache = path.join(t.home, 'custom-cache');
    makeHfRepo(cache, 'org/model', [{ commit: 'a'.repeat(40), ref: 'main', files: { 'config.json': '{}' } }]);
    const core = open();
    expect(await names(core, 'huggingface')).toEqual([]);
    await core.invoke('settings.update', { hubCacheDir: cache });
    expect(await names(core, 'huggingface')).toEqual(['org/model']);
  });
});
