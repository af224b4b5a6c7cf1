import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/create-core';
import { makeTempDir, openTestCore, removeDir } from '../support/temp-home';
import { writeZip } from '../support/zip-writer';

let home: string;
let core: Core | undefined;
let server: http.Server | undefined;
let base = '';

beforeEach(async () => {
  home = makeTempDir('mc-vosk-');
  const files = path.join(home, 'served');
  fs.mkdirSync(files);
  writeZip(path.join(files, 'vosk-model-small-ru-0.22.zip'), [
    { name: 'vosk-model-small-ru-0.22/am/final.mdl', data: randomBytes(20_000) },
    { name: 'vosk-model-small-ru-0.22/conf/model.conf', data: '--min-active=200\n' },
    { name: 'vosk-model-small-ru-0.22/graph/Gr.fst', data: randomBytes(1000) },
    { name: 'vosk-model-small-ru-0.22/graph/HCLr.fst', data: randomBytes(1000) },
  ]);
  writeZip(path.join(files, 'not-a-model.zip'), [{ name: 'readme.txt', data: 'hello' }]);
  writeZip(path.join(files, 'slip.zip'), [{ name: '../../escape.txt', data: 'x' }]);
  server = http.createServer((req, res) => {
    const f = path.join(files, path.basename(req.url ?? ''));
    if (!fs.existsSync(f)) {
      res.writeHead(404);
      return res.end();
    }
    const body = fs.readFileSync(f);
    res.writeHead(200, { 'Content-Length': body.length, 'Content-Type': 'application/zip' });
    res.end(body);
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  core = openTestCore(home, { HOME: path.join(home, 'h'), OLLAMA_HOST: 'http://127.0.0.1:9', MODEL_CENTER_VOSK_DIRS: path.join(home, 'none') });
});
afterEach(async () => {
  await core?.close();
  core = undefined;
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  removeDir(home);
});

describe('vosk install', () => {
  it('downloads, unpacks into <data>/vosk and detect lists it as complete', async () => {
    if (!core) throw new Error('no core');
    const final = await core.jobs.waitForSettled((await core.invoke('vosk.install', { url: `${base}/vosk-model-small-ru-0.22.zip` })).id);
    expect(final.state).toBe('done');
    expect(final.progress).toBe(100);
    const r = await core.invoke('detect', {});
    const vosk = r.groups.find((g) => g.source === 'vosk');
    expect(vosk?.models.map((m) => [m.name, m.complete, m.language])).toEqual([['vosk-model-small-ru-0.22', true, 'ru']]);
    expect(fs.readdirSync(path.join(home, 'vosk'))).toEqual(['vosk-model-small-ru-0.22']);
    const again = await core.jobs.waitForSettled((await core.invoke('vosk.install', { url: `${base}/vosk-model-small-ru-0.22.zip` })).id);
    expect(again.error?.code).toBe('CONFLICT');
  });

  it('refuses archives that are not models or escape, and 404s, leaving nothing behind', async () => {
    if (!core) throw new Error('no core');
    const notModel = await core.jobs.waitForSettled((await core.invoke('vosk.install', { url: `${base}/not-a-model.zip` })).id);
    expect(notModel.error).toMatchObject({ code: 'ARCHIVE_REFUSED' });
    expect(notModel.error?.message).toMatch(/not a complete Vosk model: missing am\/final\.mdl/);
    const slip = await core.jobs.waitForSettled((await core.invoke('vosk.install', { url: `${base}/slip.zip` })).id);
    expect(slip.error?.code).toBe('ARCHIVE_REFUSED');
    expect(fs.existsSync(path.join(home, 'escape.txt'))).toBe(false);
    const missing = await core.jobs.waitForSettled((await core.invoke('vosk.install', { url: `${base}/nope.zip` })).id);
    expect(missing.error?.code).toBe('NOT_FOUND');
    expect(fs.readdirSync(path.join(home, 'vosk'))).toEqual([]);
    expect((await core.invoke('vosk.recommended', {})).find((m) => m.language === 'ru')?.url).toBe('https://alphacephei.com/vosk/models/vosk-model-small-ru-0.22.zip');
  });
});
