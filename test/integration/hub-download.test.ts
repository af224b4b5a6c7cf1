import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { scanCacheDir } from '@huggingface/hub';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Core } from '../../src/main/core/create-core';
import type { DownloadResult } from '../../src/main/core/hub/download-job';
import type { FileBytes } from '../../src/shared/file-progress';
import { JOB_KINDS_KEEPING_PARTIAL_FILES, type JobDTO } from '../../src/shared/contract';
import { sentenceRepo } from '../support/hub-server/fixtures';
import { gitBlobSha1, sha256 } from '../support/hub-server/hub-repo';
import { startHubServer, type HubServer } from '../support/hub-server/hub-server';
import { CLI } from '../support/run-cli';
import { makeTempDir, openTestCore, removeDir, testEnv } from '../support/temp-home';
import { waitFor } from '../support/wait-for';

const REPO = 'acme/mini-embed';
const GATED = 'acme/gated-embed';
const TOKEN = 'hf_test_token_123';

let hub: HubServer;
let home: string;
let core: Core;

beforeAll(async () => {
  hub = await startHubServer({ repos: [sentenceRepo(REPO), sentenceRepo(GATED, { gated: true })], token: TOKEN, treePageSize: 4, separateCdnHost: true });
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
  vi.restoreAllMocks();
  await core.close();
  for (const repo of [REPO, GATED]) for (const f of hub.repos.get(repo)!.branches.get('main')!.files.keys()) hub.setFault(repo, f, null);
  removeDir(home);
});

const cacheDir = (): string => path.join(home, 'hub');
const mainFile = (p: string, repo = REPO): Buffer => hub.repos.get(repo)!.branches.get('main')!.files.get(p)!.content;
const commitOf = (repo = REPO): string => hub.repos.get(repo)!.branches.get('main')!.commit;

async function download(c: Core, input: Parameters<Core['invoke']>[1] & object): Promise<JobDTO> {
  const job = await c.invoke('hub.download', input as { repo: string });
  return c.jobs.waitForSettled(job.id);
}

const repoDir = (): string => path.join(cacheDir(), 'models--acme--mini-embed');
const onnxBlob = (): string => path.join(repoDir(), 'blobs', sha256(mainFile('onnx/model.onnx')));
const fileDetail = (id: number, file: string): FileBytes | undefined =>
  (core.jobStore.require(id).detail as { files?: FileBytes[] } | null)?.files?.find((f) => f.path === file);

/**
 * The cache as @huggingface/hub's scanner reads it after a download that had to retry or resume: no warnings, one
 * revision at the commit, every file it sees (and the nested LFS file it does not) with the Hub's bytes, and no
 * partial file left behind.
 */
async function expectCleanCache(): Promise<void> {
  const scan = await scanCacheDir(cacheDir());
  expect(scan.warnings).toEqual([]);
  const revs = [...(scan.repos.find((r) => r.id.name === REPO)?.revisions ?? [])];
  expect(revs.map((r) => r.commitOid)).toEqual([commitOf()]);
  expect(revs[0]!.files.length).toBeGreaterThan(0);
  for (const f of revs[0]!.files) expect(fs.readFileSync(f.blob.path).equals(mainFile(path.basename(f.path)))).toBe(true);
  expect(fs.readFileSync(path.join(repoDir(), 'snapshots', commitOf(), 'onnx', 'model.onnx')).equals(mainFile('onnx/model.onnx'))).toBe(true);
  expect(fs.readdirSync(path.join(repoDir(), 'blobs')).filter((b) => b.includes('.'))).toEqual([]);
}


describe('hub downloads against the loopback hub', () => {
  it('downloads the inference files and the variant into a cache @huggingface/hub reads back', async () => {
    const final = await download(core, { repo: REPO });
    expect(final.error).toBeNull();
    expect(final.state).toBe('done');
    const commit = commitOf();
    const scan = await scanCacheDir(cacheDir());
    expect(scan.warnings).toEqual([]);
    const repo = scan.repos.find((r) => r.id.name === REPO);
    expect(repo).toBeDefined();
    const rev = [...repo!.revisions][0]!;
    expect(rev.commitOid).toBe(commit);
    expect(rev.refs).toEqual(['main']);
    // scanCacheDir (2.x) reads only the top level of a snapshot; it resolves each link to its blob.
    const top = [...rev.files].map((f) => path.basename(f.path)).sort();
    expect(top).toEqual(['config.json', 'modules.json', 'sentence_bert_config.json', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
    for (const f of rev.files) expect(fs.readFileSync(f.blob.path).equals(mainFile(path.basename(f.path)))).toBe(true);
    const files = [...top, '1_Pooling/config.json', 'onnx/model.onnx'];
    // Blobs are named by etag: sha256 for LFS, the git blob id for regular files; links are relative.
    const snap = path.join(cacheDir(), 'models--acme--mini-embed', 'snapshots', commit);
    expect(fs.readlinkSync(path.join(snap, 'onnx', 'model.onnx'))).toBe(`../../../blobs/${sha256(mainFile('onnx/model.onnx'))}`);
    expect(fs.readlinkSync(path.join(snap, 'config.json'))).toBe(`../../blobs/${gitBlobSha1(mainFile('config.json'))}`);
    expect(fs.readFileSync(path.join(snap, 'onnx', 'model.onnx')).equals(mainFile('onnx/model.onnx'))).toBe(true);
    expect(fs.readFileSync(path.join(cacheDir(), 'models--acme--mini-embed', 'refs', 'main'), 'utf8')).toBe(commit);
    expect(fs.readFileSync(path.join(cacheDir(), 'CACHEDIR.TAG'), 'utf8')).toMatch(/^Signature: 8a477f597d28d172789f06886806bc55\n/);

    const status = await core.invoke('hub.status', { repo: REPO });
    expect(status.present).toBe(true);
    expect(status.downloaded?.commit).toBe(commit);
    expect(status.downloaded?.sizeBytes).toBe(files.reduce((s, f) => s + mainFile(f).length, 0));
    expect((await core.invoke('hub.listDownloaded', {})).map((m) => m.repo)).toEqual([REPO]);
    const verify = await core.invoke('hub.verify', { repo: REPO });
    expect(verify.ok).toBe(true);
    // Every request was pinned to the commit after the revision was resolved.
    expect(hub.requests.filter((r) => r.url.includes('/resolve/')).every((r) => r.url.includes(`/resolve/${commit}/`))).toBe(true);
  });

  it('picks the int8 variant and --include globs', async () => {
    const final = await download(core, { repo: REPO, variant: 'int8', include: ['README.md', '*.bin'] });
    expect(final.state).toBe('done');
    const status = await core.invoke('hub.status', { repo: REPO });
    const paths = status.downloaded!.files.map((f) => f.path);
    expect(paths).toContain('onnx/model_quantized.onnx');
    expect(paths).toContain('README.md');
    expect(paths).toContain('pytorch_model.bin');
    expect(paths).not.toContain('onnx/model.onnx');
  });

  it('resumes a dropped connection with a Range request', async () => {
    hub.setFault(REPO, 'onnx/model.onnx', { kind: 'drop', afterBytes: 1_000_000 });
    const final = await download(core, { repo: REPO });
    expect(final.error).toBeNull();
    expect(final.state).toBe('done');
    const cdn = hub.requests.filter((r) => r.url.startsWith('/cdn-lfs/'));
    // The retry asks for the rest: from what reached the disk before the cut (> 0, at most the bytes sent).
    const starts = cdn.filter((r) => r.range && /^bytes=\d+-$/.test(r.range)).map((r) => Number(/\d+/.exec(r.range!)![0]));
    expect(starts.some((s) => s > 0 && s <= 1_000_000)).toBe(true);
    expect((await core.invoke('hub.verify', { repo: REPO })).ok).toBe(true);
    await expectCleanCache();
  });

  it('fails on corrupted bytes naming the file and both hashes, leaving no blob', async () => {
    hub.setFault(REPO, 'onnx/model.onnx', { kind: 'corrupt' });
    const final = await download(core, { repo: REPO });
    expect(final.state).toBe('failed');
    const expected = sha256(mainFile('onnx/model.onnx'));
    expect(final.error?.code).toBe('INTEGRITY');
    expect(final.error?.message).toContain('onnx/model.onnx');
    expect(final.error?.message).toContain(expected);
    expect(final.error?.message).toMatch(/got [0-9a-f]{64}/);
    const blobs = fs.readdirSync(path.join(cacheDir(), 'models--acme--mini-embed', 'blobs'));
    expect(blobs.filter((b) => b.startsWith(expected))).toEqual([]);
    expect((await core.invoke('hub.status', { repo: REPO })).present).toBe(false);
  });

  it('retries a 500 and then succeeds', async () => {
    hub.setFault(REPO, 'config.json', { kind: 'error500', times: 2 });
    const final = await download(core, { repo: REPO });
    expect(final.state).toBe('done');
    expect(hub.requests.filter((r) => r.url.endsWith('/config.json') && r.status === 500)).toHaveLength(2);
    await expectCleanCache();
  });

  it('rides out an overloaded Hub: metadata calls answered 503 are tried again', async () => {
    hub.failApi(2);
    const final = await download(core, { repo: REPO });
    expect(final.state).toBe('done');
    expect(hub.requests.filter((r) => r.url.startsWith('/api/') && r.status === 503)).toHaveLength(2);
  });

  it('refuses a gated model without a token, naming it, and downloads it with one', async () => {
    const denied = await download(core, { repo: GATED });
    expect(denied.state).toBe('failed');
    expect(denied.error?.code).toBe('HUB_AUTH');
    expect(denied.error?.message).toContain(GATED);
    expect(denied.error?.hint).toMatch(/HF_TOKEN/);
    expect(denied.error?.hint).toMatch(/configure --hf-token/);
    await core.close();
    core = openTestCore(home, { HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN });
    hub.requests.length = 0;
    const ok = await download(core, { repo: GATED });
    expect(ok.error).toBeNull();
    expect(ok.state).toBe('done');
    // The token goes to the Hub, never to the CDN host its LFS files redirect to.
    const cdn = hub.requests.filter((r) => r.url.startsWith('/cdn-lfs/'));
    expect(cdn.length).toBeGreaterThan(0);
    expect(cdn.every((r) => !r.authorized)).toBe(true);
    // (Successful ones: the refused attempt's last 401 may be logged late, when its socket closes.)
    expect(hub.requests.filter((r) => r.url.includes('/resolve/') && r.status < 400 && !r.authorized)).toEqual([]);
  });

  it('names an unknown repo and an unknown revision', async () => {
    const unknown = await download(core, { repo: 'acme/does-not-exist' });
    expect(unknown.error?.code).toBe('HUB_NOT_FOUND');
    expect(unknown.error?.message).toBe(`There is no model "acme/does-not-exist" on ${hub.url}.`);
    const badRev = await download(core, { repo: REPO, revision: 'v9' });
    expect(badRev.error?.code).toBe('HUB_NOT_FOUND');
    expect(badRev.error?.message).toBe(`${REPO} has no revision "v9".`);
  });

  it('refuses an invalid repo id at the edge', async () => {
    await expect(core.invoke('hub.download', { repo: 'not-a-repo' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(core.invoke('hub.download', { repo: 'a/b--c' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('pauses mid-transfer and resumes to the end, keeping the bytes already fetched', async () => {
    hub.setFault(REPO, 'onnx/model.onnx', { kind: 'trickle', chunkBytes: 64 * 1024, delayMs: 15 });
    const job = await core.invoke('hub.download', { repo: REPO });
    await waitFor(() => {
      const d = core.jobStore.require(job.id).detail as { bytesDone?: number } | null;
      return d?.bytesDone && d.bytesDone > 500_000 ? true : undefined;
    });
    const paused = await core.invoke('jobs.pause', { id: job.id });
    expect(paused.state).toBe('paused');
    expect(paused.progress).toBeGreaterThan(10);
    expect(paused.progress).toBeLessThan(90);
    hub.setFault(REPO, 'onnx/model.onnx', null);
    core.jobs.resume(job.id);
    const final = await core.jobs.waitForSettled(job.id);
    expect(final.error).toBeNull();
    expect(final.state).toBe('done');
    expect(hub.requests.some((r) => r.url.startsWith('/cdn-lfs/') && r.range !== undefined)).toBe(true);
    expect((await core.invoke('hub.verify', { repo: REPO })).ok).toBe(true);
    await expectCleanCache();
  });

  it('cancels mid-transfer; a new download continues from the partial file', async () => {
    hub.setFault(REPO, 'onnx/model.onnx', { kind: 'trickle', chunkBytes: 64 * 1024, delayMs: 15 });
    const job = await core.invoke('hub.download', { repo: REPO });
    await waitFor(() => {
      const d = core.jobStore.require(job.id).detail as { bytesDone?: number; speed?: number; eta?: number | null } | null;
      return d?.bytesDone && d.bytesDone > 500_000 && (d.speed ?? 0) > 0 ? true : undefined;
    });
    const detail = core.jobStore.require(job.id).detail as { bytesTotal: number; eta: number | null; currentFile: string | null };
    expect(detail.bytesTotal).toBeGreaterThan(3_000_000);
    expect(detail.currentFile).not.toBeNull();
    const cancelled = await core.invoke('jobs.cancel', { id: job.id });
    expect(cancelled.state).toBe('cancelled');
    await expect(core.invoke('hub.delete', { repo: REPO })).resolves.toBeDefined();
    // Deleted with the partial: start again, cancel again, then finish from the partial file.
    const again = await core.invoke('hub.download', { repo: REPO });
    await waitFor(() => {
      const d = core.jobStore.require(again.id).detail as { bytesDone?: number } | null;
      return d?.bytesDone && d.bytesDone > 500_000 ? true : undefined;
    });
    await core.invoke('jobs.cancel', { id: again.id });
    hub.setFault(REPO, 'onnx/model.onnx', null);
    hub.requests.length = 0;
    const final = await download(core, { repo: REPO });
    expect(final.state).toBe('done');
    // Requests cut by the cancel are logged when their socket closes (status -1): only count finished ones.
    const cdn = hub.requests.filter((r) => r.url.startsWith('/cdn-lfs/') && r.status !== -1);
    expect(cdn.length).toBeGreaterThan(0);
    expect(cdn.map((r) => r.range ?? 'none')).not.toContain('none');
    expect((await core.invoke('hub.verify', { repo: REPO })).ok).toBe(true);
  });

  it('cancel with discard deletes the partial files (and the empty repo folder); while another job downloads the model, keeps them', async () => {
    const partials = (): string[] =>
      fs.existsSync(cacheDir()) ? fs.readdirSync(cacheDir(), { recursive: true, encoding: 'utf8' }).filter((f) => /\.(incomplete|parts\.json)$/.test(f)) : [];
    const started = async (): Promise<JobDTO> => {
      const job = await core.invoke('hub.download', { repo: REPO });
      await waitFor(() => {
        const d = core.jobStore.require(job.id).detail as { bytesDone?: number } | null;
        return d?.bytesDone && d.bytesDone > 500_000 ? true : undefined;
      });
      return job;
    };
    // The window offers the choice for these kinds: they must be the real ones.
    expect(core.jobs.knownKinds()).toEqual(expect.arrayContaining([...JOB_KINDS_KEEPING_PARTIAL_FILES]));
    hub.setFault(REPO, 'onnx/model.onnx', { kind: 'trickle', chunkBytes: 64 * 1024, delayMs: 15 });
    // Paused, then cancelled with discard while another download of the same model runs from the same partial file.
    const first = await started();
    await core.invoke('jobs.pause', { id: first.id });
    expect(partials().length).toBeGreaterThan(0);
    const second = await started();
    const kept = await core.invoke('jobs.cancel', { id: first.id, discard: true });
    expect(kept.state).toBe('cancelled');
    expect(kept.message).toBe(`Cancelled; its partial files are kept: job ${second.id} (running) downloads ${REPO} from them.`);
    expect(partials().length).toBeGreaterThan(0);
    // Resuming a paused download while another writes the same partial files is refused, naming the other job.
    await core.invoke('jobs.pause', { id: second.id });
    const third = await started();
    core.jobs.resume(second.id);
    const refused = await core.jobs.waitForSettled(second.id);
    expect([refused.state, refused.error?.code, refused.error?.message]).toEqual(['failed', 'MODEL_IN_USE', `${REPO} is already being downloaded by job ${third.id}.`]);
    // Cancelled while running, with discard: the partial files go, and the verified small files stay, as the message says.
    const gone = await core.invoke('jobs.cancel', { id: third.id, discard: true });
    expect(gone.state).toBe('cancelled');
    expect(gone.message).toMatch(/^Cancelled; [\d.]+ [KM]B of partial files deleted\. The \d+ verified file\(s\) stay in the cache/);
    expect(partials()).toEqual([]);
    // Nothing of the model was ever complete: a discarded first download leaves no repo folder at all.
    for (const f of hub.repos.get(REPO)!.branches.get('main')!.files.keys()) hub.setFault(REPO, f, { kind: 'trickle', chunkBytes: 1, delayMs: 5_000 });
    await core.invoke('hub.delete', { repo: REPO });
    const fresh = await core.invoke('hub.download', { repo: REPO });
    await waitFor(() => (partials().length > 0 ? true : undefined));
    await core.invoke('jobs.cancel', { id: fresh.id, discard: true });
    expect(fs.existsSync(path.join(cacheDir(), 'models--acme--mini-embed'))).toBe(false);
  });

  it('refuses to delete while a download is active, then deletes a revision and frees its bytes', async () => {
    hub.setFault(REPO, 'onnx/model.onnx', { kind: 'trickle', chunkBytes: 64 * 1024, delayMs: 15 });
    const job = await core.invoke('hub.download', { repo: REPO });
    await waitFor(() => (core.jobStore.require(job.id).state === 'running' ? true : undefined));
    await expect(core.invoke('hub.delete', { repo: REPO })).rejects.toMatchObject({ code: 'MODEL_IN_USE' });
    // Nor is it verified while the download may be rewriting its blobs.
    await expect(core.invoke('hub.verify', { repo: REPO })).rejects.toMatchObject({ code: 'MODEL_IN_USE', message: `${REPO} is being downloaded by job ${job.id}; verify it once that ends.` });
    await core.invoke('jobs.cancel', { id: job.id });
    hub.setFault(REPO, 'onnx/model.onnx', null);
    expect((await download(core, { repo: REPO })).state).toBe('done');
    const size = (await core.invoke('hub.status', { repo: REPO })).downloaded!.sizeBytes;
    const del = await core.invoke('hub.delete', { repo: REPO, revision: 'main' });
    expect(del.commits).toEqual([commitOf()]);
    expect(del.bytesFreed).toBeGreaterThanOrEqual(size);
    expect(del.removedModel).toBe(true);
    expect(fs.existsSync(path.join(cacheDir(), 'models--acme--mini-embed'))).toBe(false);
    expect((await core.invoke('hub.status', { repo: REPO })).present).toBe(false);
    await expect(core.invoke('hub.verify', { repo: REPO })).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });

  it('a download stopped by the app shutting down is interrupted and resumes in the next process', async () => {
    hub.setFault(REPO, 'onnx/model.onnx', { kind: 'trickle', chunkBytes: 64 * 1024, delayMs: 15 });
    const job = await core.invoke('hub.download', { repo: REPO });
    await waitFor(() => {
      const d = core.jobStore.require(job.id).detail as { bytesDone?: number } | null;
      return d?.bytesDone && d.bytesDone > 500_000 ? true : undefined;
    });
    await core.close();
    hub.setFault(REPO, 'onnx/model.onnx', null);
    core = openTestCore(home, { HF_ENDPOINT: hub.url });
    expect(core.jobStore.require(job.id).state).toBe('interrupted');
    hub.requests.length = 0;
    core.jobs.resume(job.id);
    const final = await core.jobs.waitForSettled(job.id);
    expect(final.error).toBeNull();
    expect(final.state).toBe('done');
    // Resumed from the checkpoint: no new revision lookup, and the big file continued from its partial bytes.
    expect(hub.requests.filter((r) => r.url.startsWith('/api/models/'))).toEqual([]);
    const cdn = hub.requests.filter((r) => r.url.startsWith('/cdn-lfs/') && r.status !== -1);
    expect(cdn.map((r) => r.range ?? 'none')).not.toContain('none');
    expect((await core.invoke('hub.verify', { repo: REPO })).ok).toBe(true);
    await expectCleanCache();
  });

  it('a download whose process was killed is found interrupted, and resumes with a Range request to a clean cache', async () => {
    // ~800 kB/s: the CLI's download is seconds from its end when it is killed.
    hub.setFault(REPO, 'onnx/model.onnx', { kind: 'trickle', chunkBytes: 16 * 1024, delayMs: 20 });
    const child = spawn(process.execPath, [CLI, 'download', REPO], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...testEnv(home, { HF_ENDPOINT: hub.url }) },
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.on('close', r));
    // Received bytes reach the disk a 1 MiB slab at a time: kill once some are there, for the resume to keep.
    const partial = `${onnxBlob()}.incomplete`;
    let id = 0;
    try {
      id = (await waitFor(() => ((fs.statSync(partial, { throwIfNoEntry: false })?.size ?? 0) > 0 ? core.jobStore.list({ states: ['running'], limit: 1 })[0] : undefined), 60_000)).id;
    } finally {
      child.kill('SIGKILL');
    }
    await exited;
    await core.close();
    hub.setFault(REPO, 'onnx/model.onnx', null);
    core = openTestCore(home, { HF_ENDPOINT: hub.url });
    expect(core.jobStore.require(id).state).toBe('interrupted');
    const resumedAt = Date.now();
    core.jobs.resume(id);
    const final = await core.jobs.waitForSettled(id);
    expect(final.error).toBeNull();
    expect(final.state).toBe('done');
    // The killed process's cut request may be logged late: only this run's count.
    const cdn = hub.requests.filter((r) => r.url.startsWith('/cdn-lfs/') && r.at >= resumedAt);
    expect(cdn.length).toBeGreaterThan(0);
    expect(cdn.every((r) => /^bytes=[1-9]\d*-$/.test(r.range ?? ''))).toBe(true);
    expect((await core.invoke('hub.verify', { repo: REPO })).ok).toBe(true);
    await expectCleanCache();
  });

  it('repairs a damaged blob on the next download, fetching only that file', async () => {
    expect((await download(core, { repo: REPO })).state).toBe('done');
    // Same size, one byte flipped: what a bad disk or an interrupted copy leaves, and what a size check misses.
    const bytes = fs.readFileSync(onnxBlob());
    bytes[123_456] = bytes[123_456]! ^ 0xff;
    fs.writeFileSync(onnxBlob(), bytes);
    expect((await core.invoke('hub.verify', { repo: REPO })).ok).toBe(false);
    hub.requests.length = 0;
    const repaired = await download(core, { repo: REPO });
    expect(repaired.state).toBe('done');
    expect(repaired.message).toBe('Downloaded 8 files (1 repaired: onnx/model.onnx).');
    expect((core.jobStore.require(repaired.id).result as DownloadResult).repaired).toEqual(['onnx/model.onnx']);
    const fetched = hub.requests.filter((r) => r.url.includes('/resolve/') || r.url.startsWith('/cdn-lfs/')).map((r) => r.url);
    expect(fetched).toEqual([`/${REPO}/resolve/${commitOf()}/onnx/model.onnx`, `/cdn-lfs/${sha256(mainFile('onnx/model.onnx'))}`]);
    expect((await core.invoke('hub.verify', { repo: REPO })).ok).toBe(true);
    await expectCleanCache();
    // Intact blobs are checked, not fetched.
    hub.requests.length = 0;
    const again = await download(core, { repo: REPO });
    expect(again.message).toBe('Downloaded 8 files.');
    expect(hub.requests.filter((r) => r.url.includes('/resolve/') || r.url.startsWith('/cdn-lfs/'))).toEqual([]);
  });

  it('lists each file in flight with its own bytes', async () => {
    hub.setFault(REPO, 'onnx/model.onnx', { kind: 'trickle', chunkBytes: 64 * 1024, delayMs: 15 });
    const job = await core.invoke('hub.download', { repo: REPO });
    const entry = await waitFor(() => {
      const f = fileDetail(job.id, 'onnx/model.onnx');
      return f && f.bytesDone > 0 ? f : undefined;
    });
    expect(entry.bytesTotal).toBe(mainFile('onnx/model.onnx').length);
    expect(entry.bytesDone).toBeLessThan(entry.bytesTotal);
    const files = (core.jobStore.require(job.id).detail as { files: FileBytes[] }).files;
    expect(files.length).toBeLessThanOrEqual(core.settings.values().downloadConcurrency);
    await core.invoke('jobs.cancel', { id: job.id });
  });

  it('copies where the cache folder refuses symlinks, and says so', async () => {
    vi.spyOn(fs.promises, 'symlink').mockRejectedValue(Object.assign(new Error('operation not permitted'), { code: 'EPERM' }));
    const final = await download(core, { repo: REPO });
    expect(final.state).toBe('done');
    expect(final.message).toMatch(/^Downloaded 8 files\. Symlinks are not allowed in /);
    expect(final.message).toContain(cacheDir());
    expect(final.message).toMatch(/copies of the blobs instead of links.*twice its size on disk/);
    const snap = path.join(repoDir(), 'snapshots', commitOf(), 'onnx', 'model.onnx');
    expect(fs.lstatSync(snap).isSymbolicLink()).toBe(false);
    expect(fs.readFileSync(snap).equals(mainFile('onnx/model.onnx'))).toBe(true);
    expect((await core.invoke('hub.verify', { repo: REPO })).ok).toBe(true);
  });

  it('refuses to start when the disk has less free space than the download needs', async () => {
    const { checkFreeSpace } = await import('../../src/main/core/hub/download-job');
    await expect(checkFreeSpace(home, 1)).resolves.toBeUndefined();
    await expect(checkFreeSpace(home, Number.MAX_SAFE_INTEGER)).rejects.toMatchObject({ code: 'DISK_FULL', message: expect.stringContaining(home) });
    // Just under what is free: refused all the same, for the margin the message names.
    const st = fs.statfsSync(home);
    const free = Number(st.bavail) * Number(st.bsize);
    await expect(checkFreeSpace(home, free - 1_000_000)).rejects.toMatchObject({ code: 'DISK_FULL', message: expect.stringMatching(/plus a [\d.]+ MB safety margin/) });
  });

  it('refuses the network when HF_HUB_OFFLINE is set', async () => {
    await core.close();
    core = openTestCore(home, { HF_ENDPOINT: hub.url, HF_HUB_OFFLINE: '1' });
    await expect(core.invoke('hub.download', { repo: REPO })).rejects.toMatchObject({ code: 'HUB_OFFLINE' });
    expect(hub.requests).toEqual([]);
  });
});
