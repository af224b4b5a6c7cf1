import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { scanCacheDir } from '@huggingface/hub';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/create-core';
import { tarStream, type TarEntry } from '../../src/main/core/bundles/tar-writer';
import { BUNDLE_MANIFEST_NAME, type BundleManifest } from '../../src/shared/contract';
import { prepareModel, runJob, treeOf } from '../support/bundle-fixtures';
import { sentenceModelFiles, sentenceRepo } from '../support/hub-server/fixtures';
import { startHubServer, type HubServer } from '../support/hub-server/hub-server';
import { makeTempDir, openTestCore, removeDir } from '../support/temp-home';

const REPO = 'acme/bundle-embed';
const NAME = 'bundle-embed';
let hub: HubServer;
let work: string;
let source: Core;
let commit: string;
let bundleGz: string;
let bundleTar: string;
let bundleZst: string;

beforeAll(async () => {
  const files = sentenceModelFiles();
  const v2 = files.map((f) => (f.path === 'config.json' ? { ...f, content: '{"architectures":["BertModel"],"hidden_size":32,"v2":true}\n' } : f));
  hub = await startHubServer({ repos: [sentenceRepo(REPO, { branches: { v2 } })] });
  work = makeTempDir('mc-bundle-');
  source = openTestCore(path.join(work, 'source'), { HF_ENDPOINT: hub.url });
  ({ commit } = await prepareModel(source, REPO, NAME));
  bundleGz = path.join(work, 'bundle.tar.gz');
  bundleTar = path.join(work, 'bundle.tar');
  bundleZst = path.join(work, 'bundle.tar.zst');
  for (const out of [bundleGz, bundleTar, bundleZst]) {
    const job = await runJob(source, await source.invoke('bundles.export', { models: [NAME], out }));
    expect(job.error).toBeNull();
    expect(job.state).toBe('done');
  }
});
afterAll(async () => {
  await source?.close();
  await hub?.close();
  removeDir(work);
});

let home: string;
let target: Core;
/** The importing machine: offline, and its hub endpoint a closed port, so any network use would fail. */
beforeEach(() => {
  home = makeTempDir('mc-bundle-target-');
  target = openTestCore(home, { HF_HUB_OFFLINE: '1', HF_ENDPOINT: 'http://127.0.0.1:9' });
});
afterEach(async () => {
  await target.close();
  removeDir(home);
});

const cacheOf = (h: string): string => path.join(h, 'hub');
const sourceFile = (p: string): Buffer => fs.readFileSync(path.join(cacheOf(path.join(work, 'source')), 'models--acme--bundle-embed', 'snapshots', commit, ...p.split('/')));

async function importFile(file: string): ReturnType<typeof runJob> {
  return runJob(target, await target.invoke('bundles.import', { file }));
}

/** The cache and registry hold nothing from a refused import: no repo folder, no staging folder, no rows. */
async function expectNothingImported(): Promise<void> {
  expect(treeOf(cacheOf(home)).filter((p) => p !== 'CACHEDIR.TAG')).toEqual([]);
  expect(await target.invoke('registry.listModels', {})).toEqual([]);
  expect(await target.invoke('hub.listDownloaded', {})).toEqual([]);
}

function readManifest(tar: Buffer): BundleManifest {
  const size = parseInt(tar.subarray(124, 136).toString('ascii').trim(), 8);
  return JSON.parse(tar.subarray(512, 512 + size).toString('utf8')) as BundleManifest;
}

async function writeTar(file: string, entries: TarEntry[]): Promise<void> {
  await pipeline(Readable.from(tarStream(entries)), fs.createWriteStream(file));
}

describe('bundle export → import', () => {
  it('round-trips files, refs and registry entries into a fresh, offline home that @huggingface/hub can read', async () => {
    const inspect = await target.invoke('bundles.inspect', { file: bundleGz });
    expect(inspect.compression).toBe('gzip');
    expect(inspect.manifest.formatVersion).toBe(1);
    expect(inspect.manifest.models[0]).toMatchObject({ repo: REPO, commit, refs: ['main'] });
    for (const f of inspect.manifest.models[0]!.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);

    const job = await importFile(bundleGz);
    expect(job.error).toBeNull();
    expect(job.state).toBe('done');
    const report = (job.detail as { report: { models: Array<{ blobsAdded: number; blobsReused: number }>; registry: { modelsCreated: string[] } } }).report;
    expect(report.models[0]!.blobsReused).toBe(0);
    expect(report.registry.modelsCreated).toEqual([NAME]);

    const scan = await scanCacheDir(cacheOf(home));
    expect(scan.warnings).toEqual([]);
    const repo = scan.repos.find((r) => r.id.name === REPO)!;
    const rev = [...repo.revisions][0]!;
    expect(rev.commitOid).toBe(commit);
    expect(rev.refs).toEqual(['main']);
    for (const p of ['config.json', '1_Pooling/config.json', 'onnx/model.onnx']) {
      const imported = fs.readFileSync(path.join(cacheOf(home), 'models--acme--bundle-embed', 'snapshots', commit, ...p.split('/')));
      expect(imported.equals(sourceFile(p))).toBe(true);
    }
    expect((await target.invoke('hub.verify', { repo: REPO })).ok).toBe(true);

    const model = await target.invoke('registry.getModel', { model: `${NAME}-alias` });
    expect(model.currentVersion).toBe('1.0.0');
    expect(model.versions.map((v) => [v.version, v.status])).toEqual([
      ['1.1.0', 'staging'],
      ['1.0.0', 'production'],
    ]);
    const validations = await target.invoke('inference.validations', { model: NAME });
    expect(validations.map((v) => [v.registryModel, v.version, v.ok, v.checkedAt])).toEqual([[NAME, '1.0.0', true, '2026-01-02T03:04:05.000Z']]);
    const history = await target.invoke('registry.metricsHistory', { model: NAME, version: '1.1.0' });
    expect(history.map((m) => [m.source, m.metrics])).toEqual([['validate', { recall_at_10: 0.93, latency_ms: 4.5 }]]);

    // The same bundle again: every blob is already there, identical, and is reused; nothing is duplicated.
    const again = await importFile(bundleGz);
    expect(again.state).toBe('done');
    const second = (again.detail as { report: { models: Array<{ blobsAdded: number; blobsReused: number; files: number }>; registry: { versionsAdded: string[] } } }).report;
    expect(second.models[0]!.blobsAdded).toBe(0);
    expect(second.models[0]!.blobsReused).toBeGreaterThan(0);
    expect(second.registry.versionsAdded).toEqual([]);
    expect(await target.invoke('registry.metricsHistory', { model: NAME, version: '1.1.0' })).toHaveLength(1);
    expect((again.detail as { report: { registry: { validationsAdded: number } } }).report.registry.validationsAdded).toBe(0);
    expect(fs.readdirSync(cacheOf(home)).filter((n) => n.startsWith('.model-center'))).toEqual([]);
  });

  it('round-trips a zstd bundle, found by its bytes whatever its name, on this Node as in the app', async () => {
    const raw = fs.readFileSync(bundleZst);
    expect(raw.readUInt32LE(0)).toBe(0xfd2fb528);
    expect((await target.invoke('bundles.inspect', { file: bundleZst })).compression).toBe('zstd');
    // Renamed: the name says gzip, the bytes say zstd; the bytes win.
    const misnamed = path.join(home, 'really-zstd.tar.gz');
    fs.copyFileSync(bundleZst, misnamed);
    const job = await importFile(misnamed);
    expect(job.error).toBeNull();
    expect(job.state).toBe('done');
    for (const p of ['config.json', 'onnx/model.onnx']) {
      const imported = fs.readFileSync(path.join(cacheOf(home), 'models--acme--bundle-embed', 'snapshots', commit, ...p.split('/')));
      expect(imported.equals(sourceFile(p))).toBe(true);
    }
    expect((await target.invoke('hub.verify', { repo: REPO })).ok).toBe(true);
    expect((await target.invoke('registry.getModel', { model: `${NAME}-alias` })).currentVersion).toBe('1.0.0');
    // The zstd program reads it too (where it is installed): the same tar as the plain bundle, but for export times.
    const zstdCli = spawnSync('zstd', ['-dc', bundleZst], { maxBuffer: 256 * 1024 * 1024 });
    if (!zstdCli.error) {
      const plain = fs.readFileSync(bundleTar);
      expect(zstdCli.stdout.length).toBe(plain.length);
      expect(readManifest(zstdCli.stdout).models.map((m) => m.files)).toEqual(readManifest(plain).models.map((m) => m.files));
    }
  });

  it('writes a plain tar that `tar x` alone turns into a usable cache', async () => {
    const raw = fs.readFileSync(bundleTar);
    expect(readManifest(raw).models[0]!.repo).toBe(REPO);
    const dir = path.join(home, 'untarred');
    fs.mkdirSync(dir);
    execFileSync('tar', ['-xf', bundleTar, '-C', dir]);
    const scan = await scanCacheDir(dir);
    const rev = [...scan.repos.find((r) => r.id.name === REPO)!.revisions][0]!;
    expect(rev.commitOid).toBe(commit);
    expect(fs.readFileSync(path.join(dir, 'models--acme--bundle-embed', 'snapshots', commit, 'onnx', 'model.onnx')).equals(sourceFile('onnx/model.onnx'))).toBe(true);
  });

  it('refuses a bundle with one corrupted byte, naming the file, and leaves nothing behind', async () => {
    const raw = fs.readFileSync(bundleTar);
    const onnx = sourceFile('onnx/model.onnx');
    const at = raw.indexOf(onnx.subarray(0, 4096));
    expect(at).toBeGreaterThan(0);
    raw[at + 1_000_000] = raw[at + 1_000_000]! ^ 0xff;
    const bad = path.join(home, 'corrupt.tar');
    fs.writeFileSync(bad, raw);
    const job = await importFile(bad);
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('INTEGRITY');
    expect(job.error?.message).toContain('onnx/model.onnx');
    await expectNothingImported();
  });

  it('refuses truncated bundles (gzip, zstd and plain tar) and leaves nothing behind', async () => {
    for (const [src, name] of [
      [bundleGz, 'cut.tar.gz'],
      [bundleZst, 'cut.tar.zst'],
      [bundleTar, 'cut.tar'],
    ] as const) {
      const raw = fs.readFileSync(src);
      const cut = path.join(home, name);
      fs.writeFileSync(cut, raw.subarray(0, Math.floor(raw.length * 0.6)));
      const job = await importFile(cut);
      expect(job.state).toBe('failed');
      expect(job.error?.code).toBe('ARCHIVE_REFUSED');
      expect(job.error?.message).toMatch(/truncated/i);
      expect(job.error?.message).toContain(name);
      await expectNothingImported();
    }
    // Cut exactly between entries: the tar reads cleanly but files are missing.
    const manifest = readManifest(fs.readFileSync(bundleTar));
    const json = Buffer.from(JSON.stringify(manifest));
    const partial = path.join(home, 'partial.tar');
    await writeTar(partial, [{ type: 'file', path: BUNDLE_MANIFEST_NAME, size: json.length, source: json }]);
    const job = await importFile(partial);
    expect(job.error?.code).toBe('ARCHIVE_REFUSED');
    expect(job.error?.message).toMatch(/missing/);
    await expectNothingImported();
  });

  it('refuses a zstd bundle with damaged bytes, and leaves nothing behind', async () => {
    const raw = fs.readFileSync(bundleZst);
    for (let at = Math.floor(raw.length / 3); at < raw.length - 8; at += 4096) raw[at] = raw[at]! ^ 0x5a;
    const bad = path.join(home, 'damaged.tar.zst');
    fs.writeFileSync(bad, raw);
    const job = await importFile(bad);
    expect(job.state).toBe('failed');
    // Where the damage lands decides who notices: the zstd decoder, the tar reader, or the sha256 check.
    expect(['ARCHIVE_REFUSED', 'INTEGRITY']).toContain(job.error?.code);
    expect(job.error?.message).toContain('damaged.tar.zst');
    await expectNothingImported();
  });

  it('refuses entries that would escape the cache, and links it did not list', async () => {
    const manifest = readManifest(fs.readFileSync(bundleTar));
    const json = Buffer.from(JSON.stringify(manifest));
    const evil = Buffer.from('owned\n');
    const cases: TarEntry[][] = [
      [{ type: 'file', path: '../../escaped.txt', size: evil.length, source: evil }],
      [{ type: 'file', path: 'models--acme--bundle-embed/blobs/../../../escaped.txt', size: evil.length, source: evil }],
      [{ type: 'file', path: '/tmp/escaped.txt', size: evil.length, source: evil }],
      [{ type: 'symlink', path: 'models--acme--bundle-embed/blobs/evil', target: '/etc/passwd' }],
    ];
    for (const [i, extra] of cases.entries()) {
      const file = path.join(home, `evil-${i}.tar`);
      await writeTar(file, [{ type: 'file', path: BUNDLE_MANIFEST_NAME, size: json.length, source: json }, ...extra]);
      const job = await importFile(file);
      expect(job.state).toBe('failed');
      expect(job.error?.code).toBe('ARCHIVE_REFUSED');
      expect(job.error?.message).toMatch(/outside|absolute|not listed/);
      await expectNothingImported();
    }
    expect(fs.existsSync(path.join(home, 'escaped.txt'))).toBe(false);
    expect(fs.existsSync(path.join(path.dirname(home), 'escaped.txt'))).toBe(false);
    // A manifest listing a file path with `..` is refused before any entry is read.
    const sneaky = { ...manifest, models: [{ ...manifest.models[0]!, files: [{ ...manifest.models[0]!.files[0]!, path: '../../x' }] }] };
    const sj = Buffer.from(JSON.stringify(sneaky));
    const file = path.join(home, 'sneaky.tar');
    await writeTar(file, [{ type: 'file', path: BUNDLE_MANIFEST_NAME, size: sj.length, source: sj }]);
    const job = await importFile(file);
    expect(job.error?.code).toBe('ARCHIVE_REFUSED');
    expect(job.error?.message).toMatch(/outside its snapshot/);
  });

  it('refuses a bundle from a newer format, saying which versions, and files that are not bundles', async () => {
    const manifest = readManifest(fs.readFileSync(bundleTar));
    const json = Buffer.from(JSON.stringify({ ...manifest, formatVersion: 99, app: { name: 'Model Center', version: '9.0.0' } }));
    const file = path.join(home, 'future.tar.gz');
    await pipeline(Readable.from(tarStream([{ type: 'file', path: BUNDLE_MANIFEST_NAME, size: json.length, source: json }])), zlib.createGzip(), fs.createWriteStream(file));
    const job = await importFile(file);
    expect(job.error?.code).toBe('BUNDLE_TOO_NEW');
    expect(job.error?.message).toMatch(/format version 99.*9\.0\.0.*reads up to version 1/);
    await expect(target.invoke('bundles.inspect', { file })).rejects.toMatchObject({ code: 'BUNDLE_TOO_NEW' });
    await expectNothingImported();

    const junk = path.join(home, 'junk.tar');
    fs.writeFileSync(junk, Buffer.alloc(4096, 7));
    expect((await importFile(junk)).error?.code).toBe('ARCHIVE_REFUSED');
    await expectNothingImported();
  });

  it('reuses blobs the cache already holds, and keeps local registry decisions', async () => {
    // The target downloaded the same model and registered it its own way first.
    await target.close();
    target = openTestCore(home, { HF_ENDPOINT: hub.url });
    const job = await target.invoke('hub.download', { repo: REPO });
    expect((await runJob(target, job)).state).toBe('done');
    await target.invoke('registry.upsertModel', { name: NAME, type: 'embedding', provider: 'huggingface', source: { kind: 'hub', repoId: REPO, revision: null } });
    await target.invoke('registry.registerVersion', { model: NAME, version: '1.0.0', status: 'staging' });
    const blobs = fs.readdirSync(path.join(cacheOf(home), 'models--acme--bundle-embed', 'blobs')).length;
    const done = await importFile(bundleGz);
    expect(done.state).toBe('done');
    const report = (done.detail as { report: { models: Array<{ blobsReused: number; blobsAdded: number }>; registry: { versionsAdded: string[]; kept: string[] } } }).report;
    expect(report.models[0]!.blobsReused).toBe(blobs);
    expect(report.registry.versionsAdded).toEqual([`${NAME}@1.1.0`]);
    expect(report.registry.kept.join('\n')).toMatch(/1\.0\.0: kept the local status staging/);
    const model = await target.invoke('registry.getModel', { model: NAME });
    expect(model.versions.find((v) => v.version === '1.0.0')?.status).toBe('staging');
  });

  it('carries two revisions of one repo in one bundle, each shared blob once', async () => {
    const job = await source.invoke('hub.download', { repo: REPO, revision: 'v2' });
    expect((await runJob(source, job)).state).toBe('done');
    const out = path.join(home, 'two.tar');
    const exported = await runJob(source, await source.invoke('bundles.export', { models: [`${REPO}@main`, `${REPO}@v2`], out }));
    expect(exported.error).toBeNull();
    const manifest = readManifest(fs.readFileSync(out));
    expect(manifest.models.map((m) => m.refs)).toEqual([['main'], ['v2']]);
    const listing = execFileSync('tar', ['-tf', out], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('/blobs/'));
    expect(new Set(listing).size).toBe(listing.length);
    const imported = await importFile(out);
    expect(imported.error).toBeNull();
    const scan = await scanCacheDir(cacheOf(home));
    const revs = [...scan.repos.find((r) => r.id.name === REPO)!.revisions].map((r) => [...r.refs].join(',')).sort();
    expect(revs).toEqual(['main', 'v2']);
  });

  it('exports refuse unknown models and existing files', async () => {
    await expect(source.invoke('bundles.export', { models: ['acme/nothing-here'], out: path.join(home, 'x.tar') })).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    await expect(source.invoke('bundles.export', { models: [REPO], out: bundleTar })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('an asked-for compression wins over the file name', async () => {
    const out = path.join(home, 'asked.tar');
    const job = await runJob(source, await source.invoke('bundles.export', { models: [REPO], out, compression: 'zstd' }));
    expect(job.error).toBeNull();
    expect(fs.readFileSync(out).readUInt32LE(0)).toBe(0xfd2fb528);
  });
});
