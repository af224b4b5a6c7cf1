import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobDTO } from '../../src/shared/contract';
import { prepareModel } from '../support/bundle-fixtures';
import { sentenceRepo } from '../support/hub-server/fixtures';
import { startHubServer, type HubServer } from '../support/hub-server/hub-server';
import { runCliProcess } from '../support/run-cli';
import { startServe, type ServeProcess } from '../support/serve-process';
import { makeTempDir, openTestCore, removeDir } from '../support/temp-home';

const REPO = 'acme/cli-embed';
const NAME = 'cli-embed';
let hub: HubServer;
let work: string;
const sourceHome = (): string => path.join(work, 'source');
const env = (home: string): Record<string, string> => ({ MODEL_CENTER_HOME: home, HF_HUB_CACHE: path.join(home, 'hub') });

beforeAll(async () => {
  hub = await startHubServer({ repos: [sentenceRepo(REPO)] });
  work = makeTempDir('mc-bundle-cli-');
  const core = openTestCore(sourceHome(), { HF_ENDPOINT: hub.url });
  await prepareModel(core, REPO, NAME);
  await core.close();
});
afterAll(async () => {
  await hub?.close();
  removeDir(work);
});

describe('bundles from the command line', () => {
  // Each CLI run is a process of its own (a few seconds each on a loaded machine): two tests, generous limits.
  // zstd here (on Node 20: the wasm and JS packages, in a process of its own); the HTTP tests below use gzip.
  const out = (): string => path.join(work, 'cli.tar.zst');
  const target = (): string => path.join(work, 'target');

  it('export → import --dry-run → import, as a person runs them', async () => {
    const exported = await runCliProcess(['export', NAME, '--out', out(), '--json'], env(sourceHome()));
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect((JSON.parse(exported.stdout) as JobDTO).state).toBe('done');
    const dry = await runCliProcess(['import', out(), '--dry-run'], env(target()));
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(REPO);
    expect(dry.stdout).toContain('tar + zstd');
    expect(dry.stdout).toMatch(/1\.0\.0 \(production\)/);
    const imported = await runCliProcess(['import', out()], { ...env(target()), HF_HUB_OFFLINE: '1' });
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/blobs added/);
    const core = openTestCore(target());
    try {
      expect((await core.invoke('registry.versions', { model: NAME })).map((v) => v.version)).toEqual(['1.1.0', '1.0.0']);
    } finally {
      await core.close();
    }
  }, 180_000);

  it('exits 1 with the reason for a refused bundle or an existing file, and 2 for a usage error', async () => {
    const junk = path.join(work, 'junk.tar');
    fs.writeFileSync(junk, 'not a bundle at all');
    const bad = await runCliProcess(['import', junk, '--json'], env(target()));
    expect(bad.code).toBe(1);
    expect((JSON.parse(bad.stdout) as JobDTO).error?.code).toBe('ARCHIVE_REFUSED');
    fs.writeFileSync(path.join(work, 'taken.tar.gz'), 'x');
    const taken = await runCliProcess(['export', NAME, '--out', path.join(work, 'taken.tar.gz')], env(sourceHome()));
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/already exists[\s\S]*--overwrite/);
    expect((await runCliProcess(['export', '--out', out()], env(sourceHome()))).code).toBe(2);
    const badKind = await runCliProcess(['export', NAME, '--out', out(), '--compression', 'zst'], env(sourceHome()));
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toMatch(/Allowed choices are auto, gzip, none, zstd/);
  }, 180_000);
});

describe('bundles over HTTP (serve)', () => {
  let serve: ServeProcess;
  let home: string;
  beforeAll(async () => {
    home = path.join(work, 'served');
    serve = await startServe(home, { HF_HUB_CACHE: path.join(home, 'hub'), MODEL_CENTER_UPLOAD_LIMIT: String(64 * 1024 * 1024) });
  });
  afterAll(async () => {
    await serve?.stop();
  });

  const auth = (): Record<string, string> => ({ Authorization: `Bearer ${serve.token}` });
  async function rpc<T>(method: string, input: unknown): Promise<T> {
    const res = await fetch(`${serve.url}api/rpc/${method}`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: JSON.stringify(input) });
    const body = (await res.json()) as { result?: T; error?: unknown };
    if (!res.ok) throw new Error(JSON.stringify(body.error));
    return body.result as T;
  }
  async function settle(id: number): Promise<JobDTO> {
    for (;;) {
      const job = await rpc<JobDTO>('jobs.get', { id });
      if (['done', 'failed', 'cancelled'].includes(job.state)) return job;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('takes a streamed upload of a bundle (past the 1 MiB JSON limit) and imports it', async () => {
    const out = path.join(work, 'upload.tar.gz');
    expect((await runCliProcess(['export', REPO, '--out', out], env(sourceHome()))).code).toBe(0);
    const body = fs.readFileSync(out);
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const res = await fetch(`${serve.url}api/bundles/upload?name=upload.tar.gz`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/octet-stream' }, body });
    expect(res.status).toBe(200);
    const job = await settle(((await res.json()) as { result: JobDTO }).result.id);
    expect(job.error).toBeNull();
    expect(job.state).toBe('done');
    expect((await rpc<Array<{ name: string }>>('registry.listModels', {})).map((m) => m.name)).toEqual([NAME]);
    // The uploaded file is gone once imported.
    expect(fs.readdirSync(path.join(home, 'uploads'))).toEqual([]);

    const noToken = await fetch(`${serve.url}api/bundles/upload`, { method: 'POST', body: 'x' });
    expect(noToken.status).toBe(401);
    const huge = await fetch(`${serve.url}api/bundles/upload`, { method: 'POST', headers: { ...auth(), 'Content-Length': String(65 * 1024 * 1024) }, body: 'x' }).catch(() => null);
    if (huge) expect(huge.status).toBe(413);
  });

  it('exports into the exports folder and serves it by ticket (no header) or bearer, streamed', async () => {
    const started = await rpc<JobDTO>('bundles.export', { models: [NAME] });
    const job = await settle(started.id);
    expect(job.state).toBe('done');
    const [file] = await rpc<Array<{ name: string; sizeBytes: number; path: string }>>('bundles.exports', {});
    expect(file?.name).toMatch(/^cli-embed-.*\.tar\.gz$/);
    const { url } = await rpc<{ url: string }>('bundles.downloadTicket', { name: file!.name });
    const byTicket = await fetch(new URL(url, serve.url));
    expect(byTicket.status).toBe(200);
    expect(byTicket.headers.get('content-disposition')).toContain(file!.name);
    expect(Buffer.from(await byTicket.arrayBuffer()).equals(fs.readFileSync(file!.path))).toBe(true);
    expect((await fetch(`${serve.url}api/bundles/exports/${file!.name}?ticket=1.forged`)).status).toBe(401);
    expect((await fetch(`${serve.url}api/bundles/exports/${file!.name}`)).status).toBe(401);
    expect((await fetch(`${serve.url}api/bundles/exports/${file!.name}`, { headers: auth() })).status).toBe(200);
    expect((await fetch(`${serve.url}api/bundles/exports/..%2Fmodel-center.db`, { headers: auth() })).status).toBe(400);
    await rpc('bundles.deleteExport', { name: file!.name });
    expect(await rpc('bundles.exports', {})).toEqual([]);
  });
});
