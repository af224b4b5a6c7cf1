import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/create-core';
import { sentenceModelFiles, sentenceRepo } from '../support/hub-server/fixtures';
import { pseudoRandomBytes } from '../support/hub-server/hub-repo';
import { startHubServer, type HubServer } from '../support/hub-server/hub-server';
import { runCliProcess } from '../support/run-cli';
import { makeTempDir, openTestCore, removeDir } from '../support/temp-home';

const REPO = 'acme/files-embed';
const PLAIN = 'acme/plain-onnx';
const GATED = 'acme/files-locked';
const TOKEN = 'hf_files_token';

let hub: HubServer;
let home: string;
let core: Core;
let env: Record<string, string>;

const commitOf = (repo: string, branch = 'main'): string => hub.repos.get(repo)!.branches.get(branch)!.commit;
const sizeOf = (repo: string, file: string): number => hub.repos.get(repo)!.branches.get('main')!.files.get(file)!.size;

beforeAll(async () => {
  hub = await startHubServer({
    repos: [
      // A v2 branch whose fp32 model is twice the size: the lookup must describe the revision asked for.
      sentenceRepo(REPO, { branches: { v2: sentenceModelFiles(2, 6 * 1024 * 1024) } }),
      // Not sentence-transformers, no fp16, fp32 with external data beside it.
      {
        id: PLAIN,
        files: [
          { path: 'config.json', content: '{"model_type":"bert"}\n' },
          { path: 'model.onnx', content: pseudoRandomBytes(200_000, 7), lfs: true },
          { path: 'model.onnx_data', content: pseudoRandomBytes(1_500_000, 8), lfs: true },
          { path: 'model_quantized.onnx', content: pseudoRandomBytes(90_000, 9), lfs: true },
        ],
      },
      sentenceRepo(GATED, { gated: true }),
    ],
    token: TOKEN,
  });
  home = makeTempDir();
  env = { MODEL_CENTER_HOME: home, HF_HUB_CACHE: path.join(home, 'hub'), HF_ENDPOINT: hub.url };
  core = openTestCore(home, { HF_ENDPOINT: hub.url });
});
afterAll(async () => {
  await core?.close();
  await hub?.close();
  removeDir(home);
});

describe('hub.files: a repo looked up before downloading', () => {
  it('lists the files with sizes and, per variant, what a download fetches and its size', async () => {
    const r = await core.invoke('hub.files', { repo: REPO });
    expect(r).toMatchObject({ repo: REPO, revision: 'main', commit: commitOf(REPO), sentenceTransformers: true });
    expect(r.files).toContainEqual({ path: 'onnx/model.onnx', size: sizeOf(REPO, 'onnx/model.onnx'), lfs: true });
    expect(r.files).toContainEqual({ path: 'config.json', size: sizeOf(REPO, 'config.json'), lfs: false });
    expect(r.files).toHaveLength(hub.repos.get(REPO)!.branches.get('main')!.files.size);

    const inference = ['1_Pooling/config.json', 'config.json', 'modules.json', 'sentence_bert_config.json', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json'];
    const bytes = (paths: string[]): number => paths.reduce((s, p) => s + sizeOf(REPO, p), 0);
    const int8 = r.variants.find((v) => v.variant === 'int8')!;
    expect(int8.available).toBe(true);
    expect([...int8.files].sort()).toEqual([...inference, 'onnx/model_quantized.onnx'].sort());
    expect(int8.bytes).toBe(bytes([...inference, 'onnx/model_quantized.onnx']));
    expect(r.variants.map((v) => [v.variant, v.available])).toEqual([['fp32', true], ['fp16', true], ['int8', true]]);
    // README.md and pytorch_model.bin are in the repo but no variant downloads them.
    for (const v of r.variants) expect(v.files).not.toContain('pytorch_model.bin');

    // What the lookup promised is what the download then fetches.
    const job = await core.invoke('hub.download', { repo: REPO, variant: 'int8' });
    const done = await core.jobs.waitForSettled(job.id);
    expect(done.state).toBe('done');
    expect((done.detail as { bytesTotal?: number }).bytesTotal).toBe(int8.bytes);
  });

  it('describes the revision asked for: another branch has another commit and sizes', async () => {
    const main = await core.invoke('hub.files', { repo: REPO });
    const v2 = await core.invoke('hub.files', { repo: REPO, revision: 'v2' });
    expect(v2.commit).toBe(commitOf(REPO, 'v2'));
    expect(v2.commit).not.toBe(main.commit);
    const fp32 = (r: typeof main): number => r.variants.find((v) => v.variant === 'fp32')!.bytes;
    expect(fp32(v2)).toBeGreaterThan(fp32(main));
    // A commit sha is a revision too.
    expect((await core.invoke('hub.files', { repo: REPO, revision: v2.commit })).commit).toBe(v2.commit);
  });

  it('marks the variants a repo lacks unavailable, and takes an fp32 model with its external data', async () => {
    const r = await core.invoke('hub.files', { repo: PLAIN });
    expect(r.sentenceTransformers).toBe(false);
    expect(r.variants).toEqual([
      { variant: 'fp32', files: ['config.json', 'model.onnx', 'model.onnx_data'], bytes: sizeOf(PLAIN, 'config.json') + 200_000 + 1_500_000, available: true },
      { variant: 'fp16', files: [], bytes: 0, available: false },
      { variant: 'int8', files: ['config.json', 'model_quantized.onnx'], bytes: sizeOf(PLAIN, 'config.json') + 90_000, available: true },
    ]);
  });

  it('fails as a download would: unknown repo or revision, a gated repo without a token, offline', async () => {
    await expect(core.invoke('hub.files', { repo: 'acme/nothing-here' })).rejects.toMatchObject({ code: 'HUB_NOT_FOUND', message: expect.stringContaining('acme/nothing-here') });
    await expect(core.invoke('hub.files', { repo: REPO, revision: 'v9' })).rejects.toMatchObject({ code: 'HUB_NOT_FOUND', message: expect.stringContaining('no revision "v9"') });
    await expect(core.invoke('hub.files', { repo: GATED })).rejects.toMatchObject({ code: 'HUB_AUTH', hint: expect.stringContaining('HF_TOKEN') });
    await expect(core.invoke('hub.files', { repo: 'no-slash' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });

    const withToken = openTestCore(home, { HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN });
    try {
      expect((await withToken.invoke('hub.files', { repo: GATED })).commit).toBe(commitOf(GATED));
    } finally {
      await withToken.close();
    }
    const offline = openTestCore(home, { HF_ENDPOINT: hub.url, HF_HUB_OFFLINE: '1' });
    try {
      const before = hub.requests.length;
      await expect(offline.invoke('hub.files', { repo: REPO })).rejects.toMatchObject({ code: 'HUB_OFFLINE' });
      expect(hub.requests.length).toBe(before);
    } finally {
      await offline.close();
    }
  });
});

describe('model-center files', () => {
  it('prints the commit, the variants with sizes and availability, and the files', async () => {
    const res = await runCliProcess(['files', PLAIN], env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`commit ${commitOf(PLAIN)}`);
    expect(res.stdout).toMatch(/^fp32\s+3\s+1\.7 MB\s+yes$/m);
    expect(res.stdout).toMatch(/^fp16\s+—\s+—\s+no$/m);
    expect(res.stdout).toMatch(/^model\.onnx_data\s+1\.5 MB\s+lfs$/m);

    const json = await runCliProcess(['files', REPO, '--revision', 'v2', '--json'], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ repo: REPO, revision: 'v2', commit: commitOf(REPO, 'v2'), sentenceTransformers: true });
  });

  it('exits 1 naming the model for a gated repo without a token, 2 for a bad repo id', async () => {
    const gated = await runCliProcess(['files', GATED], env);
    expect(gated.code).toBe(1);
    expect(gated.stderr).toMatch(/acme\/files-locked is gated/);
    expect(gated.stderr).toMatch(/HF_TOKEN/);
    const bad = await runCliProcess(['files', 'nope', '--json'], env);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.code).toBe('INVALID_INPUT');
  });
});
