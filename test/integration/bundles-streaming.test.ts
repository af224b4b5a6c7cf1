import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/create-core';
import { runJob, treeOf } from '../support/bundle-fixtures';
import { makeTempDir, openTestCore, removeDir } from '../support/temp-home';
import { waitFor } from '../support/wait-for';

/** A model with one big weights file, written straight into the HF cache layout (no hub needed). */
const REPO = 'acme/big-weights';
const COMMIT = 'b'.repeat(40);
const MIB = 1024 * 1024;
const BIG = 256 * MIB;

function writeBigModel(cache: string): void {
  const repo = path.join(cache, 'models--acme--big-weights');
  fs.mkdirSync(path.join(repo, 'blobs'), { recursive: true });
  const tmp = path.join(repo, 'blobs', 'tmp');
  const fd = fs.openSync(tmp, 'w');
  const sha = createHash('sha256');
  const chunk = Buffer.alloc(MIB);
  for (let i = 0; i < BIG / MIB; i++) {
    chunk.fill(i % 251);
    chunk.writeUInt32LE(i, 0);
    sha.update(chunk);
    fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
  const blob = sha.digest('hex');
  fs.renameSync(tmp, path.join(repo, 'blobs', blob));
  const config = Buffer.from('{"model_type":"bert"}\n');
  const configBlob = createHash('sha256').update(config).digest('hex');
  fs.writeFileSync(path.join(repo, 'blobs', configBlob), config);
  const snap = path.join(repo, 'snapshots', COMMIT);
  fs.mkdirSync(path.join(snap, 'onnx'), { recursive: true });
  fs.symlinkSync(`../../../blobs/${blob}`, path.join(snap, 'onnx', 'model.onnx'));
  fs.symlinkSync(`../../blobs/${configBlob}`, path.join(snap, 'config.json'));
  fs.mkdirSync(path.join(repo, 'refs'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'refs', 'main'), COMMIT);
}

/** Highest resident set size seen while `work` runs, above what it was before. */
async function peakRssGrowth(work: () => Promise<unknown>): Promise<number> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return peak - base;
}

let work: string;
let core: Core;
beforeAll(() => {
  work = makeTempDir('mc-bundle-big-');
  core = openTestCore(path.join(work, 'home'));
  writeBigModel(path.join(work, 'home', 'hub'));
});
afterAll(async () => {
  await core?.close();
  removeDir(work);
});

describe('bundles stream: a big file never sits in memory', () => {
  it.each([
    { name: 'big.tar', size: (bytes: number) => expect(bytes).toBeGreaterThan(BIG) },
    // These weights compress to almost nothing, so zstd is read a block at a time: a whole chunk would decode to GBs.
    { name: 'big.tar.zst', size: (bytes: number) => expect(bytes).toBeLessThan(BIG / 100) },
  ])('exports and imports a 256 MiB model with bounded memory ($name)', async ({ name, size }) => {
    const out = path.join(work, name);
    let job: Awaited<ReturnType<typeof runJob>> | undefined;
    const exportGrowth = await peakRssGrowth(async () => (job = await runJob(core, await core.invoke('bundles.export', { models: [`${REPO}@main`], out }))));
    expect(job?.error).toBeNull();
    size(fs.statSync(out).size);
    const other = openTestCore(path.join(work, `other-${name}`));
    try {
      const importGrowth = await peakRssGrowth(async () => (job = await runJob(other, await other.invoke('bundles.import', { file: out }))));
      expect(job?.error).toBeNull();
      // Far below the file's size: chunks of about 1 MiB flow through, plus what the runtime keeps around.
      expect(exportGrowth).toBeLessThan(96 * MIB);
      expect(importGrowth).toBeLessThan(96 * MIB);
    } finally {
      await other.close();
    }
  });

  it.each(['cancelled.tar.gz', 'cancelled.tar.zst'])('a cancelled export leaves no partial file (%s)', async (name) => {
    const out = path.join(work, name);
    const job = await core.invoke('bundles.export', { models: [REPO], out });
    await waitFor(() => (core.jobs.get(job.id).progress > 50 ? true : undefined), 60_000);
    await core.invoke('jobs.cancel', { id: job.id });
    expect((await core.jobs.waitForSettled(job.id)).state).toBe('cancelled');
    expect(treeOf(work).filter((p) => p.includes(name))).toEqual([]);
  });

  it('a cancelled import removes its staging folder and imports nothing', async () => {
    const other = openTestCore(path.join(work, 'cancel-import'));
    try {
      const job = await other.invoke('bundles.import', { file: path.join(work, 'big.tar') });
      await waitFor(() => (other.jobs.get(job.id).progress > 20 ? true : undefined), 60_000);
      await other.invoke('jobs.cancel', { id: job.id });
      expect((await other.jobs.waitForSettled(job.id)).state).toBe('cancelled');
      expect(treeOf(path.join(work, 'cancel-import', 'hub')).filter((p) => p !== 'CACHEDIR.TAG')).toEqual([]);
      expect(await other.invoke('hub.listDownloaded', {})).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
