import fs from 'node:fs';
import path from 'node:path';
import { downloadFileToCacheDir, scanCacheDir } from '@huggingface/hub';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/create-core';
import { sentenceRepo } from '../support/hub-server/fixtures';
import { startHubServer, type HubServer } from '../support/hub-server/hub-server';
import { makeTempDir, openTestCore, removeDir } from '../support/temp-home';

/**
 * The cache our app writes and the one @huggingface/hub writes for the same files must be the same tree,
 * and each must find the other's files without the network.
 */
const REPO = 'acme/interop';
let hub: HubServer;
let home: string;
let core: Core;
const FILES = ['config.json', '1_Pooling/config.json', 'onnx/model.onnx'];

beforeAll(async () => {
  hub = await startHubServer({ repos: [sentenceRepo(REPO)], separateCdnHost: true });
});
afterAll(async () => {
  await hub.close();
});
beforeEach(() => {
  home = makeTempDir();
  core = openTestCore(home, { HF_ENDPOINT: hub.url });
  hub.requests.length = 0;
});
afterEach(async () => {
  await core.close();
  removeDir(home);
});

const commit = (): string => hub.repos.get(REPO)!.branches.get('main')!.commit;
const noNetwork: typeof fetch = () => Promise.reject(new Error('network used'));

function layout(cacheDir: string): Record<string, string> {
  const snap = path.join(cacheDir, 'models--acme--interop', 'snapshots', commit());
  return Object.fromEntries(FILES.map((f) => [f, fs.readlinkSync(path.join(snap, ...f.split('/')))]));
}

describe('cache interoperability with @huggingface/hub', () => {
  it('writes the same blobs and relative links as @huggingface/hub', async () => {
    const theirs = path.join(home, 'theirs');
    for (const f of FILES) await downloadFileToCacheDir({ repo: REPO, path: f, revision: commit(), hubUrl: hub.url, cacheDir: theirs });
    const job = await core.invoke('hub.download', { repo: REPO });
    expect((await core.jobs.waitForSettled(job.id)).state).toBe('done');
    expect(layout(path.join(home, 'hub'))).toEqual(layout(theirs));
  });

  it('@huggingface/hub finds files our app downloaded without touching the network', async () => {
    const job = await core.invoke('hub.download', { repo: REPO });
    expect((await core.jobs.waitForSettled(job.id)).state).toBe('done');
    for (const f of FILES) {
      const p = await downloadFileToCacheDir({ repo: REPO, path: f, revision: commit(), hubUrl: hub.url, cacheDir: path.join(home, 'hub'), fetch: noNetwork });
      expect(fs.existsSync(p)).toBe(true);
    }
  });

  it('reuses a blob @huggingface/hub already put in the cache', async () => {
    await downloadFileToCacheDir({ repo: REPO, path: 'onnx/model.onnx', revision: commit(), hubUrl: hub.url, cacheDir: path.join(home, 'hub') });
    hub.requests.length = 0;
    const job = await core.invoke('hub.download', { repo: REPO });
    expect((await core.jobs.waitForSettled(job.id)).state).toBe('done');
    expect(hub.requests.filter((r) => r.url.includes('model.onnx') || r.url.startsWith('/cdn-lfs/'))).toEqual([]);
  });

  it('marks the cache root (CACHEDIR.TAG) but writes no trees/<commit>.json, so Python reads a partial snapshot offline', async () => {
    // huggingface_hub 1.x refuses, offline, a snapshot whose cached tree listing names files that are not there
    // (_raise_if_incomplete_snapshot); without a listing it returns the folder. A download of the inference files
    // alone must stay usable from Python, so Model Center writes no listing.
    const job = await core.invoke('hub.download', { repo: REPO });
    expect((await core.jobs.waitForSettled(job.id)).state).toBe('done');
    const cache = path.join(home, 'hub');
    expect(fs.readFileSync(path.join(cache, 'CACHEDIR.TAG'), 'utf8')).toMatch(/^Signature: 8a477f597d28d172789f06886806bc55/);
    expect(fs.existsSync(path.join(cache, 'models--acme--interop', 'trees'))).toBe(false);
    expect(fs.readdirSync(path.join(cache, 'models--acme--interop')).sort()).toEqual(['blobs', 'refs', 'snapshots']);
  });

  it('@huggingface/hub scans a download pinned to a commit (no branch, so no ref file)', async () => {
    const job = await core.invoke('hub.download', { repo: REPO, revision: commit() });
    expect((await core.jobs.waitForSettled(job.id)).state).toBe('done');
    const scan = await scanCacheDir(path.join(home, 'hub'));
    expect(scan.warnings.map((w) => w.message)).toEqual([]);
    const repo = scan.repos.find((r) => r.id.name === REPO);
    expect(repo?.revisions.map((r) => ({ commit: r.commitOid, refs: r.refs }))).toEqual([{ commit: commit(), refs: [] }]);
  });
});
