import fs from 'node:fs';
import path from 'node:path';
import { scanCacheDir } from '@huggingface/hub';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/create-core';
import type { JobDTO } from '../../src/shared/contract';
import { prepareModel, runJob, treeOf } from '../support/bundle-fixtures';
import { sentenceRepo } from '../support/hub-server/fixtures';
import { startHubServer, type HubServer } from '../support/hub-server/hub-server';
import { startS3Server, type S3Server } from '../support/s3-server';
import { makeTempDir, openTestCore, removeDir } from '../support/temp-home';
import { waitFor } from '../support/wait-for';

const REPO = 'acme/store-embed';
const NAME = 'store-embed';
/** s3rver's minimum: parts of 5 MiB; the fixture's model.onnx (6 MiB) then goes up in two parts. */
const PART = String(5 * 1024 * 1024);
let hub: HubServer;
let s3: S3Server;
let work: string;
let source: Core;
let commit: string;

const storeSettings = (): Parameters<Core['invoke']>[1] => ({
  endpoint: s3.endpoint,
  bucket: s3.bucket,
  region: 'us-east-1',
  prefix: 'team/models',
  forcePathStyle: true,
  accessKeyId: s3.accessKeyId,
  secretAccessKey: s3.secretAccessKey,
});

beforeAll(async () => {
  hub = await startHubServer({ repos: [{ ...sentenceRepo(REPO), files: sentenceRepo(REPO).files.map((f) => (f.path === 'onnx/model.onnx' ? { ...f, content: Buffer.concat([Buffer.from(f.content), Buffer.alloc(3 * 1024 * 1024, 5)]) } : f)) }] });
  s3 = await startS3Server();
  work = makeTempDir('mc-store-');
  source = openTestCore(path.join(work, 'source'), { HF_ENDPOINT: hub.url, MODEL_CENTER_S3_PART_BYTES: PART });
  ({ commit } = await prepareModel(source, REPO, NAME));
  await source.invoke('store.configure', storeSettings() as never);
});
afterAll(async () => {
  await source?.close();
  await s3?.close();
  await hub?.close();
  removeDir(work);
});

let home: string;
let target: Core;
beforeEach(async () => {
  home = makeTempDir('mc-store-target-');
  target = openTestCore(home, { HF_HUB_OFFLINE: '1' });
  await target.invoke('store.configure', storeSettings() as never);
});
afterEach(async () => {
  await target.close();
  removeDir(home);
});

describe('the S3-compatible model store (loopback s3rver)', () => {
  it('keeps keys as secrets: never in the view, the database or the log', async () => {
    const view = await source.invoke('store.get', {});
    expect(view).toMatchObject({ configured: true, bucket: s3.bucket, prefix: 'team/models', keys: { present: true, source: 'stored' } });
    expect(JSON.stringify(view)).not.toContain(s3.secretAccessKey);
    const dbText = fs.readFileSync(path.join(work, 'source', 'model-center.db')).toString('latin1');
    expect(dbText).not.toContain('"secretAccessKey"');
    const log = fs.readFileSync(path.join(work, 'source', 'logs', 'model-center.log'), 'utf8');
    expect(log).not.toContain(s3.secretAccessKey);
  });

  it('publishes blobs (multipart for the big one), the manifest and refs, and pulls them into a fresh cache', async () => {
    const job = await runJob(source, await source.invoke('store.publish', { models: [REPO] }));
    expect(job.error).toBeNull();
    expect(job.state).toBe('done');
    const objects = await s3.objects();
    const folder = 'team/models/models--acme--store-embed';
    expect(objects.has(`${folder}/manifests/${commit}.json`)).toBe(true);
    expect(objects.has(`${folder}/refs/main`)).toBe(true);
    expect([...objects.keys()].filter((k) => k.startsWith(`${folder}/blobs/`)).length).toBe(8);
    expect(s3.requests.some((r) => r.method === 'POST' && r.url.includes('uploads'))).toBe(true);

    // Publishing again uploads nothing: every blob is there with the same sha256.
    const again = await runJob(source, await source.invoke('store.publish', { models: [NAME] }));
    expect((again.detail as { report: { blobsUploaded: number; blobsSkipped: number } }).report).toMatchObject({ blobsUploaded: 0, blobsSkipped: 8 });

    const list = await target.invoke('store.list', {});
    expect(list).toEqual([expect.objectContaining({ repo: REPO, commit, refs: ['main'], files: 8, registry: [NAME] })]);

    const pulled = await runJob(target, await target.invoke('store.pull', { repo: REPO }));
    expect(pulled.error).toBeNull();
    expect(pulled.state).toBe('done');
    const scan = await scanCacheDir(path.join(home, 'hub'));
    const rev = [...scan.repos.find((r) => r.id.name === REPO)!.revisions][0]!;
    expect(rev.commitOid).toBe(commit);
    expect(rev.refs).toEqual(['main']);
    expect((await target.invoke('hub.verify', { repo: REPO })).ok).toBe(true);
    expect((await target.invoke('registry.getModel', { model: NAME })).currentVersion).toBe('1.0.0');
    expect(treeOf(path.join(home, 'hub')).filter((p) => p.startsWith('.model-center'))).toEqual([]);
  });

  it('resumes a dropped connection with a Range request and verifies the sha256', async () => {
    await runJob(source, await source.invoke('store.publish', { models: [REPO] }));
    const manifest = (await target.invoke('store.list', {}))[0]!;
    expect(manifest.commit).toBe(commit);
    s3.requests.length = 0;
    // The big blob: model.onnx (6 MiB), named by its sha256 as an LFS file.
    const onnx = hub.repos.get(REPO)!.branches.get('main')!.files.get('onnx/model.onnx')!;
    s3.dropNextGet(`/blobs/${onnx.lfsOid!}`, 1_500_000);
    const pulled = await runJob(target, await target.invoke('store.pull', { repo: REPO, revision: commit }));
    expect(pulled.error).toBeNull();
    expect(pulled.state).toBe('done');
    const ranged = s3.requests.filter((r) => r.method === 'GET' && r.range);
    expect(ranged.length).toBeGreaterThan(0);
    const start = Number(/bytes=(\d+)-/.exec(ranged[0]!.range!)![1]);
    expect(start).toBeGreaterThan(0);
    expect(start).toBeLessThanOrEqual(1_500_000);
    expect((await target.invoke('hub.verify', { repo: REPO })).ok).toBe(true);
  });

  it('pauses a pull mid-file and resumes it from the partial file', async () => {
    await runJob(source, await source.invoke('store.publish', { models: [REPO] }));
    const onnx = hub.repos.get(REPO)!.branches.get('main')!.files.get('onnx/model.onnx')!;
    s3.slowGets(`/blobs/${onnx.lfsOid!}`, 64 * 1024, 15);
    try {
      const job = await target.invoke('store.pull', { repo: REPO });
      await waitFor(() => {
        const d = target.jobs.get(job.id).detail as { currentFile?: string; bytesDone?: number } | null;
        return d?.currentFile === 'onnx/model.onnx' && (d.bytesDone ?? 0) > 2 * 1024 * 1024 ? true : undefined;
      }, 60_000);
      expect((await target.invoke('jobs.pause', { id: job.id })).state).toBe('paused');
      const stage = fs.readdirSync(path.join(home, 'hub')).find((n) => n.startsWith('.model-center-pull-'));
      expect(stage).toBeDefined();
      const partial = fs.readdirSync(path.join(home, 'hub', stage!)).find((n) => n.endsWith('.incomplete'));
      const have = fs.statSync(path.join(home, 'hub', stage!, partial!)).size;
      expect(have).toBeGreaterThan(0);
      s3.slowGets(null);
      s3.requests.length = 0;
      await target.invoke('jobs.resume', { id: job.id });
      const done = await target.jobs.waitForSettled(job.id);
      expect(done.error).toBeNull();
      expect(done.state).toBe('done');
      expect(s3.requests.some((r) => r.method === 'GET' && r.range === `bytes=${have}-`)).toBe(true);
      expect((await target.invoke('hub.verify', { repo: REPO })).ok).toBe(true);
    } finally {
      s3.slowGets(null);
    }
  });

  /**
   * Publishes REPO under `prefix` and pauses it between the parts of its big blob: the second 5 MiB part of
   * model.onnx (6 MiB) waits in the proxy while the job is paused. The request log starts empty after it.
   */
  async function publishPausedMidBlob(prefix: string): Promise<{ job: JobDTO; blob: string; uploadId: string }> {
    const onnx = hub.repos.get(REPO)!.branches.get('main')!.files.get('onnx/model.onnx')!;
    const blob = `/blobs/${onnx.lfsOid!}`;
    await source.invoke('store.configure', { prefix });
    s3.requests.length = 0;
    s3.holdPuts(`${blob}?partNumber=2`);
    try {
      const job = await source.invoke('store.publish', { models: [REPO] });
      await waitFor(() => s3.requests.some((r) => r.method === 'PUT' && r.url.includes(`${blob}?partNumber=2`)) || undefined, 60_000);
      const uploadId = /uploadId=([^&]+)/.exec(s3.requests.find((r) => r.method === 'PUT' && r.url.includes(`${blob}?partNumber=1`))!.url)![1]!;
      expect((await source.invoke('jobs.pause', { id: job.id })).state).toBe('paused');
      return { job, blob, uploadId };
    } finally {
      s3.holdPuts(null);
      s3.requests.length = 0;
    }
  }

  it('pauses a publish between the parts of a big blob and resumes with the missing parts only', async () => {
    // A prefix of its own, so nothing is in the store yet whatever ran before.
    const prefix = 'resumed/models';
    await target.invoke('store.configure', { prefix });
    try {
      const { job, blob, uploadId } = await publishPausedMidBlob(prefix);
      await source.invoke('jobs.resume', { id: job.id });
      const done = await source.jobs.waitForSettled(job.id);
      expect(done.error).toBeNull();
      expect(done.state).toBe('done');
      const forBlob = s3.requests.filter((r) => r.url.includes(blob));
      // No new upload, no part sent twice: part 2 of the same upload, then its completion.
      expect(forBlob.some((r) => r.method === 'POST' && r.url.includes('uploads'))).toBe(false);
      expect(forBlob.filter((r) => r.method === 'PUT').map((r) => r.url.replace(/^.*\?/, ''))).toEqual([`partNumber=2&uploadId=${uploadId}&x-id=UploadPart`]);
      expect(forBlob.some((r) => r.method === 'POST' && r.url.includes(`uploadId=${uploadId}`))).toBe(true);
      const pulled = await runJob(target, await target.invoke('store.pull', { repo: REPO }));
      expect(pulled.error).toBeNull();
      expect((await target.invoke('hub.verify', { repo: REPO })).ok).toBe(true);
    } finally {
      await source.invoke('store.configure', { prefix: 'team/models' });
    }
  });

  it('cancelling a paused publish aborts the upload it left in the store', async () => {
    try {
      const { job, uploadId } = await publishPausedMidBlob('cancelled/models');
      const cancelled = await source.invoke('jobs.cancel', { id: job.id });
      expect(cancelled.state).toBe('cancelled');
      expect(cancelled.message).toBe('Cancelled; the store was asked to abort its unfinished upload.');
      expect(s3.requests.filter((r) => r.method === 'DELETE' && r.url.includes(`uploadId=${uploadId}`))).toHaveLength(1);
    } finally {
      await source.invoke('store.configure', { prefix: 'team/models' });
    }
  });

  it('refuses wrong keys, a missing model and an unconfigured store clearly', async () => {
    await target.invoke('store.configure', { accessKeyId: 'WRONG', secretAccessKey: 'WRONGWRONG' });
    await expect(target.invoke('store.list', {})).rejects.toMatchObject({ code: 'STORE_AUTH' });
    await target.invoke('store.configure', { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
    const missing = await runJob(target, await target.invoke('store.pull', { repo: 'acme/not-there' }));
    expect(missing.error?.code).toBe('MODEL_NOT_FOUND');
    await target.invoke('store.configure', { clearKeys: true });
    await expect(target.invoke('store.pull', { repo: REPO })).rejects.toMatchObject({ code: 'STORE_NOT_CONFIGURED' });
  });
});
