import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobDTO } from '../../src/shared/contract';
import type { Core } from '../../src/main/core/create-core';
import { VOSK_CATALOGUE } from '../../src/main/core/vosk/vosk-catalogue';
import { runCliProcess } from '../support/run-cli';
import { makeTempDir, openTestCore, removeDir, testEnv } from '../support/temp-home';
import { writeZip } from '../support/zip-writer';

/** A loopback model server: HEAD, GET with `Range: bytes=N-`, and faults the tests switch on. */
interface Faults {
  /** GETs still to cut off after `dropAt` bytes of their body. */
  drops: number;
  dropAt: number;
  /** Answer a Range request with the whole zip (200), as some servers do. */
  ignoreRange: boolean;
  /** The next GET sends this many bytes and then nothing until the client goes away (a stall to cancel in). */
  holdAt: number;
  /** HEAD announces this many bytes fewer than the zip has. */
  headShort: number;
  /** GETs (not HEAD) answer this status with no body: the zip went away, or the server wants credentials. */
  getStatus: number;
  /** HEAD answers 403, as a presigned S3/GCS URL (signed for GET only) does. */
  headForbidden: boolean;
}

interface Request {
  method: string;
  name: string;
  range: string | null;
  status: number;
}

let home: string;
let core: Core | undefined;
let server: http.Server | undefined;
let base = '';
let served: Map<string, Buffer>;
let requests: Request[];
let faults: Faults;
/** The acoustic model inside the served ru zip: what an installed model must hold byte for byte. */
const finalMdl = randomBytes(300_000);

const MODEL = 'vosk-model-small-ru-0.22';

function modelEntries(prefix: string, mdl: Buffer = finalMdl): Array<{ name: string; data: Buffer | string }> {
  return [
    { name: `${prefix}am/final.mdl`, data: mdl },
    { name: `${prefix}conf/model.conf`, data: '--min-active=200\n' },
    { name: `${prefix}graph/Gr.fst`, data: randomBytes(1000) },
    { name: `${prefix}graph/HCLr.fst`, data: randomBytes(1000) },
  ];
}

function serveZip(name: string, entries: Array<{ name: string; data: Buffer | string }>): Buffer {
  const file = path.join(home, 'served', name);
  writeZip(file, entries);
  const body = fs.readFileSync(file);
  served.set(name, body);
  return body;
}

function openCore(extra: Record<string, string> = {}): Core {
  return openTestCore(home, {
    HOME: path.join(home, 'h'),
    OLLAMA_HOST: 'http://127.0.0.1:9',
    MODEL_CENTER_VOSK_DIRS: path.join(home, 'none'),
    MODEL_CENTER_VOSK_BASE_URL: base,
    ...extra,
  });
}

function theCore(): Core {
  if (!core) throw new Error('no core');
  return core;
}

async function install(model: string, register?: boolean): Promise<JobDTO> {
  const c = theCore();
  return c.jobs.waitForSettled((await c.invoke('vosk.install', register === undefined ? { model } : { model, register })).id);
}

const gets = (): Request[] => requests.filter((r) => r.method === 'GET');
const downloads = (): string => path.join(home, 'vosk', '.downloads');

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeEach(async () => {
  home = makeTempDir('mc-vosk-');
  fs.mkdirSync(path.join(home, 'served'));
  served = new Map();
  requests = [];
  faults = { drops: 0, dropAt: 0, ignoreRange: false, holdAt: 0, headShort: 0, headForbidden: false, getStatus: 0 };
  serveZip(`${MODEL}.zip`, modelEntries(`${MODEL}/`));
  serveZip('not-a-model.zip', [{ name: 'readme.txt', data: 'hello' }]);
  serveZip('slip.zip', [{ name: '../../escape.txt', data: 'x' }]);
  server = http.createServer((req, res) => {
    const name = decodeURIComponent(path.basename(new URL(req.url ?? '/', 'http://x').pathname));
    const log: Request = { method: req.method ?? '', name, range: req.headers.range ?? null, status: 0 };
    requests.push(log);
    const body = served.get(name);
    if (!body) {
      log.status = 404;
      res.writeHead(404);
      return res.end();
    }
    if (req.method === 'HEAD' && faults.headForbidden) {
      log.status = 403;
      res.writeHead(403);
      return res.end();
    }
    if (req.method === 'GET' && faults.getStatus) {
      log.status = faults.getStatus;
      res.writeHead(faults.getStatus);
      return res.end();
    }
    const m = /^bytes=(\d+)-$/.exec(log.range ?? '');
    const start = m && !faults.ignoreRange ? Number(m[1]) : 0;
    const part = body.subarray(start);
    log.status = start > 0 ? 206 : 200;
    res.writeHead(log.status, {
      'Content-Type': 'application/zip',
      'Content-Length': req.method === 'HEAD' ? body.length - faults.headShort : part.length,
      'Accept-Ranges': 'bytes',
      ETag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`,
      ...(start > 0 ? { 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    if (req.method === 'HEAD') return res.end();
    if (faults.drops > 0) {
      faults.drops--;
      // Written out, then the connection is cut: the client has a prefix and a broken transfer.
      res.write(part.subarray(0, faults.dropAt), () => res.socket?.destroy());
      return;
    }
    if (faults.holdAt > 0) {
      res.write(part.subarray(0, faults.holdAt));
      faults.holdAt = 0;
      return;
    }
    res.end(part);
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  core = openCore();
});

afterEach(async () => {
  await core?.close();
  core = undefined;
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  removeDir(home);
});

describe('vosk install', () => {
  it('downloads, unpacks into <data>/vosk, registers it, and detect lists it as complete', async () => {
    const c = theCore();
    const final = await install(`${base}/${MODEL}.zip`);
    expect(final.state).toBe('done');
    expect(final.progress).toBe(100);
    const size = served.get(`${MODEL}.zip`)!.length;

    const r = await c.invoke('detect', {});
    const vosk = r.groups.find((g) => g.source === 'vosk');
    expect(vosk?.models.map((m) => [m.name, m.complete, m.language, m.registryModel])).toEqual([[MODEL, true, 'ru', MODEL]]);
    expect(fs.readFileSync(path.join(home, 'vosk', MODEL, 'am', 'final.mdl')).equals(finalMdl)).toBe(true);
    // The zip and its staging folders are gone once the model is in place.
    expect(fs.readdirSync(path.join(home, 'vosk'))).toEqual([MODEL]);

    const model = await c.invoke('registry.getModel', { model: MODEL });
    expect(model).toMatchObject({ type: 'stt', provider: 'vosk', source: { kind: 'path', path: path.join(home, 'vosk', MODEL) } });
    expect(model.versions.map((v) => [v.version, v.status])).toEqual([['0.22.0', 'development']]);
    // A development version pins nothing: the folder stays as deletable as before it was registered.
    expect(model.currentVersion).toBeNull();
    expect(theCore().jobs.get(final.id).result).toMatchObject({ name: MODEL, zipBytes: size, registry: { model: MODEL, version: '0.22.0' } });

    const again = await install(`${base}/${MODEL}.zip`);
    expect(again.error?.code).toBe('CONFLICT');
  });

  it('installs but leaves the registry alone when the name is taken by another model, and says so', async () => {
    await theCore().invoke('registry.upsertModel', { name: MODEL, type: 'stt', provider: 'local', source: { kind: 'path', path: '/srv/other' } });
    const final = await install(MODEL);
    expect(final.state).toBe('done');
    expect(theCore().jobs.get(final.id).result).toMatchObject({
      registry: { model: null, version: null, message: expect.stringMatching(/^Not registered: the registry already has a model named vosk-model-small-ru-0\.22/) },
    });
    expect((await theCore().invoke('registry.getModel', { model: MODEL })).source).toEqual({ kind: 'path', path: '/srv/other' });
  });

  it('refuses archives that are not models or escape, and 404s, leaving nothing behind', async () => {
    const notModel = await install(`${base}/not-a-model.zip`);
    expect(notModel.error).toMatchObject({ code: 'ARCHIVE_REFUSED' });
    expect(notModel.error?.message).toMatch(/not a complete Vosk model: missing am\/final\.mdl/);
    const slip = await install(`${base}/slip.zip`);
    expect(slip.error?.code).toBe('ARCHIVE_REFUSED');
    expect(fs.existsSync(path.join(home, 'escape.txt'))).toBe(false);
    const missing = await install(`${base}/nope.zip`);
    expect(missing.error?.code).toBe('NOT_FOUND');
    expect(missing.error?.message).toContain(`${base}/nope.zip`);
    expect(fs.readdirSync(path.join(home, 'vosk'))).toEqual([]);
  });

  it('resumes with a Range request after the connection drops mid-file', async () => {
    const size = served.get(`${MODEL}.zip`)!.length;
    faults.drops = 1;
    faults.dropAt = Math.floor(size / 2);
    const final = await install(MODEL);
    expect(final.state).toBe('done');
    const [first, second, third] = gets();
    expect(first).toMatchObject({ range: null, status: 200 });
    const at = Number(/^bytes=(\d+)-$/.exec(second?.range ?? '')?.[1]);
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThanOrEqual(faults.dropAt);
    expect(second?.status).toBe(206);
    expect(third).toBeUndefined();
    expect(fs.readFileSync(path.join(home, 'vosk', MODEL, 'am', 'final.mdl')).equals(finalMdl)).toBe(true);
    expect(fs.existsSync(downloads())).toBe(false);
  });

  it('starts the file over when the server ignores Range', async () => {
    const size = served.get(`${MODEL}.zip`)!.length;
    faults.drops = 1;
    faults.dropAt = Math.floor(size / 2);
    faults.ignoreRange = true;
    const final = await install(MODEL);
    expect(final.state).toBe('done');
    const [, second] = gets();
    expect(second?.range).toMatch(/^bytes=\d+-$/);
    expect(second?.status).toBe(200);
    // Had the prefix been kept under a whole-file answer, the zip would be corrupt and refused.
    expect(fs.readFileSync(path.join(home, 'vosk', MODEL, 'am', 'final.mdl')).equals(finalMdl)).toBe(true);
  });

  it('installs from a URL whose HEAD is refused (a presigned URL), asking with a GET instead', async () => {
    faults.headForbidden = true;
    const final = await install(MODEL);
    expect(final.error).toBeNull();
    expect(requests.map((r) => [r.method, r.status])).toContainEqual(['HEAD', 403]);
    expect(fs.existsSync(path.join(home, 'vosk', MODEL, 'am', 'final.mdl'))).toBe(true);
  });

  it('names the URL, not the Hub, when the zip server refuses the download or no longer has the zip', async () => {
    faults.getStatus = 404;
    let final = await install(MODEL);
    expect(final.error?.code).toBe('NOT_FOUND');
    expect(final.error?.message).toContain(`${base}/${MODEL}.zip`);
    expect(final.error?.message).not.toMatch(/Hub/);
    faults.getStatus = 401;
    final = await install(MODEL);
    expect(final.error?.code).toBe('DOWNLOAD_FAILED');
    expect(final.error?.message).toMatch(/HTTP 401/);
    expect(`${final.error?.message} ${final.error?.hint ?? ''}`).not.toMatch(/Hub|gated|token|licen[cs]e/i);
  });

  it('refuses a zip larger than the server announced and keeps nothing of it', async () => {
    faults.headShort = 100;
    const final = await install(MODEL);
    expect(final.error?.code).toBe('INTEGRITY');
    expect(final.error?.message).toMatch(/larger than/);
    expect(fs.existsSync(downloads())).toBe(false);
    expect(fs.existsSync(path.join(home, 'vosk', MODEL))).toBe(false);
  });

  it('cancel with discard deletes the partial zip and its downloads folder', async () => {
    const c = theCore();
    const held = Math.floor(served.get(`${MODEL}.zip`)!.length / 3);
    faults.holdAt = held;
    const job = await c.invoke('vosk.install', { model: MODEL });
    await until('the first third', () => c.jobs.get(job.id).detail?.bytesDone === held);
    expect(fs.readdirSync(downloads()).length).toBeGreaterThan(0);
    const cancelled = await c.invoke('jobs.cancel', { id: job.id, discard: true });
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.message).toMatch(/^Cancelled; [\d.]+ [KM]B of partial download deleted\.$/);
    expect(fs.existsSync(downloads())).toBe(false);
  });

  it('continues the partial file of a cancelled install, and of one the app was closed on', async () => {
    const c = theCore();
    const size = served.get(`${MODEL}.zip`)!.length;
    const held = Math.floor(size / 3);
    faults.holdAt = held;
    const job = await c.invoke('vosk.install', { model: MODEL });
    await until('the first third', () => c.jobs.get(job.id).detail?.bytesDone === held);
    // Progress as other downloads report it: bytes against the zip's size, speed, ETA; the download is 0–80 %.
    expect(c.jobs.get(job.id)).toMatchObject({ phase: 'download', detail: { bytesTotal: size, speed: expect.any(Number) } });
    expect(c.jobs.get(job.id).detail).toHaveProperty('eta');
    expect(c.jobs.get(job.id).progress).toBeCloseTo((held / size) * 80, 1);
    // Another install of the same model while this one holds the staging file is refused.
    await expect(c.invoke('vosk.install', { model: MODEL })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await c.jobs.cancel(job.id)).state).toBe('cancelled');
    const partial = fs.statSync(path.join(downloads(), `${MODEL}.zip.incomplete`)).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(size);

    // The next install asks for the rest only; this one is stopped by closing the app half-way.
    faults.holdAt = Math.floor(size / 3);
    const second = await c.invoke('vosk.install', { model: MODEL });
    await until('more bytes', () => Number(c.jobs.get(second.id).detail?.bytesDone ?? 0) > partial);
    expect(gets().at(-1)?.range).toBe(`bytes=${partial}-`);
    await c.close();
    core = openCore();
    expect(theCore().jobs.get(second.id).state).toBe('interrupted');
    const more = fs.statSync(path.join(downloads(), `${MODEL}.zip.incomplete`)).size;
    expect(more).toBeGreaterThan(partial);

    const final = await theCore().jobs.waitForSettled((await theCore().invoke('jobs.resume', { id: second.id })).id);
    expect(final.state).toBe('done');
    expect(gets().at(-1)?.range).toBe(`bytes=${more}-`);
    expect(fs.readFileSync(path.join(home, 'vosk', MODEL, 'am', 'final.mdl')).equals(finalMdl)).toBe(true);
    expect(fs.existsSync(downloads())).toBe(false);
  });

  it('resolves catalogue names through MODEL_CENTER_VOSK_BASE_URL; --no-register leaves the registry alone', async () => {
    const list = await theCore().invoke('vosk.recommended', {});
    expect(list.find((m) => m.name === MODEL)?.url).toBe(`${base}/${MODEL}.zip`);
    const final = await install(MODEL, false);
    expect(final.state).toBe('done');
    expect(requests.map((r) => [r.method, r.name])).toEqual([
      ['HEAD', `${MODEL}.zip`],
      ['GET', `${MODEL}.zip`],
    ]);
    expect(theCore().jobs.get(final.id).result).toMatchObject({ name: MODEL, registry: null });
    expect(await theCore().invoke('registry.listModels', {})).toEqual([]);
    // A name the catalogue does not know is looked for in the same folder.
    const unknown = await install('vosk-model-small-xx-0.1');
    expect(unknown.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(`${base}/vosk-model-small-xx-0.1.zip`) });
    await expect(theCore().invoke('vosk.install', { model: '../etc' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('CLI: the catalogue table, and `vosk install <name> --no-register` from MODEL_CENTER_VOSK_BASE_URL', async () => {
    const env = testEnv(home, { HOME: path.join(home, 'h'), MODEL_CENTER_VOSK_DIRS: path.join(home, 'none'), MODEL_CENTER_VOSK_BASE_URL: base });
    const list = await runCliProcess(['vosk', 'recommended'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${MODEL} +ru +.*~90 MB +~0\\.3 GB +${base}/${MODEL}\\.zip$`, 'm'));
    const r = await runCliProcess(['vosk', 'install', MODEL, '--no-register', '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      job: { kind: 'vosk.install', state: 'done', params: { url: `${base}/${MODEL}.zip`, register: false } },
      result: { name: MODEL, location: path.join(home, 'vosk', MODEL), registry: null },
    });
    expect(fs.readFileSync(path.join(home, 'vosk', MODEL, 'am', 'final.mdl')).equals(finalMdl)).toBe(true);
    expect(await theCore().invoke('registry.listModels', {})).toEqual([]);
    const again = await runCliProcess(['vosk', 'install', MODEL], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already installed/);
    // Human output says where it went and what the registry did.
    fs.rmSync(path.join(home, 'vosk', MODEL), { recursive: true });
    const human = await runCliProcess(['vosk', 'install', MODEL], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`Installed ${MODEL} in ${path.join(home, 'vosk', MODEL)}`);
    expect(human.stdout).toContain(`Registered as ${MODEL} 0.22.0 (development).`);
  });

  it('finds the model under macOS junk and one folder deeper, in a flat zip, and refuses a zip of two models', async () => {
    const de = 'vosk-model-small-de-0.15';
    serveZip(`${de}.zip`, [
      { name: '__MACOSX/release/._vosk-model-small-de-0.15', data: 'junk' },
      { name: '__MACOSX/release/vosk-model-small-de-0.15/am/._final.mdl', data: 'junk' },
      { name: 'release/README.txt', data: 'read me' },
      ...modelEntries(`release/${de}/`),
    ]);
    expect((await install(de)).state).toBe('done');
    expect(fs.readdirSync(path.join(home, 'vosk')).sort()).toEqual([de]);
    expect(fs.readdirSync(path.join(home, 'vosk', de)).sort()).toEqual(['am', 'conf', 'graph']);

    serveZip('my-model.zip', modelEntries(''));
    expect((await install(`${base}/my-model.zip`)).state).toBe('done');
    expect(fs.existsSync(path.join(home, 'vosk', 'my-model', 'am', 'final.mdl'))).toBe(true);

    serveZip('two.zip', [...modelEntries('a/'), ...modelEntries('b/')]);
    const two = await install(`${base}/two.zip`);
    expect(two.error).toMatchObject({ code: 'ARCHIVE_REFUSED', message: expect.stringMatching(/holds 2 Vosk models \(a, b\)/) });

    const r = await theCore().invoke('detect', {});
    expect(r.groups.find((g) => g.source === 'vosk')?.models.map((m) => [m.name, m.complete])).toEqual([
      ['my-model', true],
      [de, true],
    ]);
  });

  it('ships a catalogue of official models with their URLs and sizes', () => {
    const names = VOSK_CATALOGUE.models.map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['vosk-model-small-en-us-0.15', MODEL, 'vosk-model-small-de-0.15', 'vosk-model-en-us-0.22']));
    for (const m of VOSK_CATALOGUE.models) {
      expect(m.url).toBe(`https://alphacephei.com/vosk/models/${m.name}.zip`);
      // Small models are tens of MB zipped and unpack to more than they weigh zipped.
      expect(m.unpackedMB * 1024 ** 2).toBeGreaterThan(m.zipBytes);
    }
  });
});
