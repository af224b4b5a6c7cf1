import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureApiToken } from '../../src/main/core/auth/api-token';
import type { Core } from '../../src/main/core/create-core';
import { startHttpServer, type RunningServer } from '../../src/main/server/http-server';
import { testModel } from '../support/embedding-models';
import { makeTempDir, openTestCore, removeDir } from '../support/temp-home';

let home: string;
let core: Core;
let server: RunningServer;
let token: string;
let rendererDir: string;

beforeAll(async () => {
  home = makeTempDir();
  core = openTestCore(home);
  token = ensureApiToken(home);
  rendererDir = path.join(home, 'renderer');
  fs.mkdirSync(rendererDir);
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<html>window</html>');
  fs.writeFileSync(path.join(home, 'secret.txt'), 'do not serve');
  server = await startHttpServer(core, { port: 0, token, rendererDir });
});
afterAll(async () => {
  await server.close();
  await core.close();
  removeDir(home);
});

interface Reply {
  status: number;
  body: string;
  json: () => { result?: unknown; error?: { code: string; message: string; issues?: { path: string }[] } };
}

/** Raw requests, so Host, Origin and sizes can be set exactly as an attacker would. */
function request(method: string, urlPath: string, opts: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method, path: urlPath, headers: { Host: `127.0.0.1:${server.port}`, ...opts.headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, json: () => JSON.parse(body) }));
    });
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'EPIPE' || (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

const auth = (): Record<string, string> => ({ Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' });

describe('HTTP API security', () => {
  it('listens on loopback only and keeps the token file private', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(fs.statSync(path.join(home, 'api-token')).mode & 0o777).toBe(0o600);
  });

  it('answers 401 without a token and with a wrong one', async () => {
    expect((await request('POST', '/api/rpc/system.status')).status).toBe(401);
    const wrong = await request('POST', '/api/rpc/system.status', { headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.json().error?.code).toBe('UNAUTHORIZED');
  });

  it('answers 403 to a Host or Origin that is not this loopback server (DNS rebinding)', async () => {
    const evilHost = await request('POST', '/api/rpc/system.status', { headers: { ...auth(), Host: 'evil.example' } });
    expect(evilHost.status).toBe(403);
    const evilPort = await request('POST', '/api/rpc/system.status', { headers: { ...auth(), Host: '127.0.0.1:1' } });
    expect(evilPort.status).toBe(403);
    const evilOrigin = await request('POST', '/api/rpc/system.status', { headers: { ...auth(), Origin: 'http://evil.example' } });
    expect(evilOrigin.status).toBe(403);
    const page = await request('GET', '/', { headers: { Host: 'evil.example' } });
    expect(page.status).toBe(403);
  });

  it('answers /api/health without a token with the inference summary, naming no model and no path; Host is still checked', async () => {
    // A registered model whose file is damaged: its validation fails, so health is degraded.
    const broken = path.join(home, 'acme-private-model');
    fs.cpSync(testModel(), broken, { recursive: true });
    const onnxFile = path.join(broken, 'onnx', 'model.onnx');
    fs.writeFileSync(onnxFile, fs.readFileSync(onnxFile).subarray(0, 5000));
    await core.invoke('registry.upsertModel', { name: 'acme-secret-embedder', type: 'embedding', provider: 'local', source: { kind: 'path', path: broken } });
    expect((await core.invoke('inference.validate', { model: 'acme-secret-embedder' })).ok).toBe(false);
    await core.invoke('inference.embed', { model: testModel(), texts: ['salary'], cache: false });

    const r = await request('GET', '/api/health');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ ok: true, inference: { status: 'degraded', device: 'cpu', setting: 'cpu', loadedModels: 1, problems: 1 } });
    expect((await core.invoke('inference.health', {})).problems.join()).toContain('acme-secret-embedder');
    expect(r.body).not.toContain('acme');
    expect(r.body).not.toContain(home);
    expect((await request('GET', '/api/health', { headers: { Host: 'evil.example' } })).status).toBe(403);
  });

  it('answers 413 to a 50 MB body without reading it all', async () => {
    const big = Buffer.alloc(50 * 1024 * 1024, 'a');
    const r = await request('POST', '/api/rpc/settings.update', { headers: auth(), body: big });
    expect(r.status).toBe(413);
  });

  it('answers 400 naming the field for wrong types, and for broken JSON', async () => {
    const r = await request('POST', '/api/rpc/jobs.selftest', { headers: auth(), body: JSON.stringify({ steps: 'ten' }) });
    expect(r.status).toBe(400);
    expect(r.json().error?.issues?.[0]?.path).toBe('steps');
    const broken = await request('POST', '/api/rpc/settings.update', { headers: auth(), body: '{"theme":' });
    expect(broken.status).toBe(400);
  });

  it('answers 404 for unknown methods and 405 for a GET of a mutation', async () => {
    expect((await request('POST', '/api/rpc/no.such', { headers: auth() })).status).toBe(404);
    expect((await request('GET', '/api/rpc/settings.update', { headers: auth() })).status).toBe(405);
  });

  it('never serves a file outside the window folder', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
      const r = await request('GET', p);
      expect(r.body).not.toContain('do not serve');
    }
  });
});

describe('HTTP API behaviour', () => {
  it('serves queries over GET and POST, with the same result as in process', async () => {
    const viaPost = await request('POST', '/api/rpc/settings.get', { headers: auth() });
    const viaGet = await request('GET', '/api/rpc/settings.get?input=%7B%7D', { headers: auth() });
    expect(viaPost.json().result).toEqual(await core.invoke('settings.get', {}));
    expect(viaGet.json().result).toEqual(viaPost.json().result);
  });

  it('lists the contract', async () => {
    const r = await request('GET', '/api/contract', { headers: auth() });
    const names = (JSON.parse(r.body) as { name: string }[]).map((m) => m.name);
    expect(names).toContain('system.status');
    expect(names).toContain('jobs.selftest');
  });

  it('streams job progress over SSE until done, coalesced to about 10 updates a second', async () => {
    const events: { state: string; progress: number }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: server.port, path: '/api/events', headers: { ...auth(), Host: `127.0.0.1:${server.port}` } }, (res) => {
        expect(res.headers['content-type']).toMatch(/text\/event-stream/);
        let buf = '';
        res.on('data', (d: Buffer) => {
          buf += d.toString();
          for (const block of buf.split('\n\n').slice(0, -1)) {
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (block.includes('event: job.updated') && data) {
              const job = JSON.parse(data) as { state: string; progress: number };
              events.push(job);
              if (job.state === 'done') {
                req.destroy();
                resolve();
              }
            }
          }
          buf = buf.slice(buf.lastIndexOf('\n\n') + 2);
        });
      });
      req.on('error', (e) => (events.some((j) => j.state === 'done') ? resolve() : reject(e)));
    });
    await new Promise((r) => setTimeout(r, 100));
    const start = Date.now();
    const started = await request('POST', '/api/rpc/jobs.selftest', { headers: auth(), body: JSON.stringify({ steps: 100, stepMs: 10 }) });
    expect(started.status).toBe(200);
    await done;
    const seconds = (Date.now() - start) / 1000;
    expect(events.at(-1)).toMatchObject({ state: 'done', progress: 100 });
    expect(events.length).toBeGreaterThan(2);
    // 100 progress reports arrive; the stream carries at most ~10 per second plus the state changes.
    expect(events.length).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 4);
  });
});
