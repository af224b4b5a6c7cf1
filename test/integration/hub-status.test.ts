import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/create-core';
import { failure } from '../support/detect-fixture';
import { placeInHfCache, testModel } from '../support/embedding-models';
import { hubFilesFromFolder } from '../support/hub-server/fixtures';
import { startHubServer, type HubServer } from '../support/hub-server/hub-server';
import { runCliProcess } from '../support/run-cli';
import { makeTempDir, openTestCore, removeDir } from '../support/temp-home';
import { asRegularHubFile, gitBlobId } from '../support/tool-trees';
import { waitFor } from '../support/wait-for';

/**
 * hub.status / hub.verify / the inference gate / hub.delete, on models Model Center downloaded and on cache trees
 * huggingface_hub left (blobs named by their sha256 or git blob id, relative links, refs/main).
 */
const SERVED = 'acme/served-embed';
const FOREIGN = 'acme/python-embed';
let hub: HubServer;
let home: string;
let core: Core;

beforeAll(async () => {
  hub = await startHubServer({ repos: [{ id: SERVED, files: hubFilesFromFolder(testModel('tiny-32')) }] });
});
afterAll(async () => {
  await hub.close();
});
beforeEach(() => {
  home = makeTempDir('mc-hub-status-');
  core = openTestCore(home, { HF_ENDPOINT: hub.url });
});
afterEach(async () => {
  await core.close();
  removeDir(home);
});

const cacheDir = (): string => path.join(home, 'hub');

async function download(repo = SERVED): Promise<void> {
  const job = await core.invoke('hub.download', { repo });
  expect((await core.jobs.waitForSettled(job.id)).state).toBe('done');
}

/** What huggingface_hub leaves for the tiny test model: small files under their git blob id, LFS ones under sha256. */
function pythonDownload(repo = FOREIGN): { snapshot: string; commit: string; blob: (p: string) => string } {
  const placed = placeInHfCache(cacheDir(), repo, testModel('tiny-32'));
  asRegularHubFile(placed.repoDir, placed.commit, 'config.json');
  asRegularHubFile(placed.repoDir, placed.commit, 'tokenizer_config.json');
  return { snapshot: placed.snapshotDir, commit: placed.commit, blob: (p) => fs.realpathSync(path.join(placed.snapshotDir, ...p.split('/'))) };
}

/** Flips one byte: same size, other content (what a bad disk or a half-finished copy leaves). */
function corrupt(file: string): Buffer {
  const original = fs.readFileSync(file);
  const bad = Buffer.from(original);
  const at = Math.floor(bad.length / 2);
  bad.writeUInt8(bad.readUInt8(at) ^ 0xff, at);
  fs.writeFileSync(file, bad);
  return original;
}

const embed = (model: string) => core.invoke('inference.embed', { model, texts: ['salary'] });

describe('a model another tool downloaded', () => {
  it('shows as present, with refs/main, files and sizes from the snapshot, and verifies each blob against its own name', async () => {
    const { snapshot, commit } = pythonDownload();
    const folder = testModel('tiny-32');
    const files = hubFilesFromFolder(folder);
    const status = await core.invoke('hub.status', { repo: FOREIGN });
    expect(status).toMatchObject({ present: true, source: 'hf-cache', revision: 'main', commit, snapshotPath: snapshot, downloaded: null, missingFiles: [] });
    expect(status.files.map((f) => f.path)).toEqual(files.map((f) => f.path));
    expect(status.sizeBytes).toBe(files.reduce((n, f) => n + Buffer.byteLength(f.content), 0));
    expect(status.files.find((f) => f.path === 'config.json')?.blob).toBe(gitBlobId(fs.readFileSync(path.join(folder, 'config.json'))));
    expect([status.lastVerifiedAt, status.lastVerifyOk, status.downloading, status.lastError]).toEqual([null, null, null, null]);

    const verify = await core.invoke('hub.verify', { repo: FOREIGN });
    expect(verify.ok).toBe(true);
    expect(new Set(verify.files.map((f) => f.algorithm))).toEqual(new Set(['sha256', 'git-sha1']));
    const after = await core.invoke('hub.status', { repo: FOREIGN });
    expect([after.lastVerifyOk, after.lastVerifiedAt]).toEqual([true, verify.verifiedAt]);
    // Embedding reads it straight from the cache.
    expect((await embed(FOREIGN)).results[0]!.dimension).toBe(32);
  });

  it('without refs/main, takes the newest snapshot; a blob deleted under it makes it absent and refused', async () => {
    const { snapshot, commit, blob } = pythonDownload();
    fs.rmSync(path.join(cacheDir(), 'models--acme--python-embed', 'refs'), { recursive: true });
    const status = await core.invoke('hub.status', { repo: FOREIGN });
    expect([status.present, status.commit, status.revision]).toEqual([true, commit, commit]);

    fs.rmSync(blob('tokenizer.json'));
    const gone = await core.invoke('hub.status', { repo: FOREIGN });
    expect([gone.present, gone.missingFiles]).toEqual([false, ['tokenizer.json']]);
    const err = await failure(embed(`${FOREIGN}@${commit}`));
    expect(err.code).toBe('MODEL_NOT_PRESENT');
    expect(err.message).toBe(`${FOREIGN}@${commit} is incomplete: tokenizer.json missing in ${snapshot}.`);
  });

  it('counts a plain-copy snapshot file (huggingface_hub without symlinks) as present but not checked', async () => {
    const { snapshot } = pythonDownload();
    const config = path.join(snapshot, 'config.json');
    const bytes = fs.readFileSync(config);
    fs.rmSync(config);
    fs.writeFileSync(config, bytes);
    const verify = await core.invoke('hub.verify', { repo: FOREIGN });
    expect(verify.ok).toBe(true);
    expect(verify.files.find((f) => f.path === 'config.json')).toMatchObject({ ok: true, actual: null, problem: expect.stringMatching(/^not checked: a plain copy/) });
    expect(await core.invoke('hub.status', { repo: FOREIGN })).toMatchObject({ present: true, lastVerifyOk: true });
  });

  it('stays usable when a Model Center download of the same repo failed before planning anything', async () => {
    pythonDownload();
    // The loopback Hub does not serve this repo: the job fails at its first request, having saved no plan.
    const job = await core.invoke('hub.download', { repo: FOREIGN });
    expect((await core.jobs.waitForSettled(job.id)).state).toBe('failed');
    expect(await core.invoke('hub.status', { repo: FOREIGN })).toMatchObject({ present: true, unfinishedDownload: null });
    expect((await embed(FOREIGN)).results[0]!.dimension).toBe(32);
  });
});

describe('verification state and the inference gate', () => {
  it('a failed verify is kept (across restarts), makes the model absent and refused; verifying restored bytes lets it embed again', async () => {
    const { blob } = pythonDownload();
    const onnx = blob('onnx/model.onnx');
    const original = corrupt(onnx);
    // The gate checks sizes, not hashes: the damage shows once verify looks.
    expect((await embed(FOREIGN)).results[0]!.dimension).toBe(32);
    const verify = await core.invoke('hub.verify', { repo: FOREIGN });
    expect(verify.ok).toBe(false);
    expect(verify.files.filter((f) => !f.ok).map((f) => [f.path, f.problem])).toEqual([['onnx/model.onnx', 'checksum mismatch']]);

    await core.close();
    core = openTestCore(home, { HF_ENDPOINT: hub.url });
    const status = await core.invoke('hub.status', { repo: FOREIGN });
    expect(status).toMatchObject({ present: false, lastVerifyOk: false, verifyFailedAt: verify.verifiedAt, verifyProblems: ['onnx/model.onnx: checksum mismatch'], missingFiles: [] });
    const err = await failure(embed(FOREIGN));
    expect(err.code).toBe('MODEL_NOT_PRESENT');
    expect(err.message).toMatch(new RegExp(`^${FOREIGN} failed verification at .+ UTC: onnx/model\\.onnx: checksum mismatch\\.$`));
    expect(err.hint).toBe(`Repair it: model-center download ${FOREIGN} --include onnx/model.onnx, then check it with model-center verify ${FOREIGN}.`);
    // A registry model whose source is the repo is refused the same way, naming both.
    await core.invoke('registry.upsertModel', { name: 'py', type: 'embedding', provider: 'huggingface', source: { kind: 'hub', repoId: FOREIGN, revision: null } });
    await core.invoke('registry.registerVersion', { model: 'py', version: '1.0.0' });
    expect((await failure(embed('py@1.0.0'))).message).toMatch(new RegExp(`^py@1\\.0\\.0 \\(${FOREIGN}\\) failed verification`));

    fs.writeFileSync(onnx, original);
    expect((await core.invoke('hub.verify', { repo: FOREIGN })).ok).toBe(true);
    expect((await core.invoke('hub.status', { repo: FOREIGN })).present).toBe(true);
    expect((await embed('py@1.0.0')).results[0]!.dimension).toBe(32);
  });

  it('a Model Center download: a file cut short is reported by status and refused by the gate with both sizes; a new download is verified again', async () => {
    await download();
    const status = await core.invoke('hub.status', { repo: SERVED });
    expect(status).toMatchObject({ present: true, source: 'model-center', revision: 'main', lastVerifyOk: true, lastError: null });
    expect(status.lastVerifiedAt).toBe(status.downloaded!.downloadedAt);
    expect(status.sizeMB).toBeCloseTo(status.sizeBytes / 1024 / 1024, 2);

    const tokenizer = path.join(status.snapshotPath!, 'tokenizer.json');
    const size = fs.statSync(tokenizer).size;
    fs.truncateSync(fs.realpathSync(tokenizer), 10);
    const cut = await core.invoke('hub.status', { repo: SERVED });
    expect([cut.present, cut.missingFiles]).toEqual([false, ['tokenizer.json']]);
    const err = await failure(embed(SERVED));
    expect(err.code).toBe('MODEL_NOT_PRESENT');
    expect(err.message).toContain(`${SERVED} is incomplete: tokenizer.json has 10 bytes, expected ${size}`);
    expect(err.hint).toContain(`model-center download ${SERVED}`);

    // A failed verify, then a download that replaces the file: the download's own check is the newest, so it counts.
    expect((await core.invoke('hub.verify', { repo: SERVED })).ok).toBe(false);
    fs.rmSync(fs.realpathSync(tokenizer));
    await download();
    const repaired = await core.invoke('hub.status', { repo: SERVED });
    expect([repaired.present, repaired.lastVerifyOk, repaired.verifyFailedAt]).toEqual([true, true, null]);
    expect((await embed(SERVED)).results[0]!.dimension).toBe(32);
  });
});

describe('a failed verification is repaired only by a download of the damaged files', () => {
  it('a download whose plan leaves out the damaged file keeps the failure; one that includes it repairs the file', async () => {
    await download();
    const int8 = await core.invoke('hub.download', { repo: SERVED, variant: 'int8' });
    expect((await core.jobs.waitForSettled(int8.id)).state).toBe('done');
    const snapshot = (await core.invoke('hub.status', { repo: SERVED })).snapshotPath!;
    corrupt(fs.realpathSync(path.join(snapshot, 'onnx', 'model_quantized.onnx')));
    expect((await core.invoke('hub.verify', { repo: SERVED })).ok).toBe(false);

    // fp32 again: its plan has no int8 file, so nothing re-hashed it and the failure stands.
    await download();
    const still = await core.invoke('hub.status', { repo: SERVED });
    expect([still.present, still.lastVerifyOk, still.verifyProblems]).toEqual([false, false, ['onnx/model_quantized.onnx: checksum mismatch']]);
    const err = await failure(embed(SERVED));
    expect(err.hint).toBe(`Repair it: model-center download ${SERVED} --include onnx/model_quantized.onnx, then check it with model-center verify ${SERVED}.`);

    // What the hint says to run: the download re-hashes the damaged file, fetches it again and clears the failure.
    // Pinned to the commit, as the window's Repair does: the model stays recorded as downloaded from main.
    const fix = await core.invoke('hub.download', { repo: SERVED, revision: still.commit!, include: ['onnx/model_quantized.onnx'] });
    const fixed = await core.jobs.waitForSettled(fix.id);
    expect(fixed.state).toBe('done');
    expect(fixed.message).toMatch(/\(1 repaired: onnx\/model_quantized\.onnx\)\.$/);
    const repaired = await core.invoke('hub.status', { repo: SERVED });
    expect([repaired.present, repaired.lastVerifyOk, repaired.revision]).toEqual([true, true, 'main']);
    expect((await core.invoke('hub.verify', { repo: SERVED })).ok).toBe(true);
  });
});

describe('download progress and errors in the status', () => {
  it('shows the active download with its progress and message, then the last failed download until one succeeds', async () => {
    hub.setFault(SERVED, 'onnx/model.onnx', { kind: 'trickle', chunkBytes: 4096, delayMs: 50 });
    try {
      const job = await core.invoke('hub.download', { repo: SERVED });
      await waitFor(() => core.jobStore.get(job.id)?.state === 'running' && (core.jobStore.get(job.id)?.progress ?? 0) > 0, 10_000);
      const live = await core.invoke('hub.status', { repo: SERVED });
      expect(live.downloading).toMatchObject({ jobId: job.id, state: 'running' });
      expect(live.downloading!.progress).toBeGreaterThan(0);
      expect(live.downloading!.message).toBeTruthy();
      await core.invoke('jobs.cancel', { id: job.id });
      await core.jobs.waitForSettled(job.id);

      hub.setFault(SERVED, 'onnx/model.onnx', { kind: 'corrupt' });
      const bad = await core.invoke('hub.download', { repo: SERVED });
      expect((await core.jobs.waitForSettled(bad.id)).state).toBe('failed');
      const failed = await core.invoke('hub.status', { repo: SERVED });
      expect(failed.downloading).toBeNull();
      expect(failed.lastError).toMatchObject({ jobId: bad.id, code: 'INTEGRITY' });
      expect(failed.lastError!.message).toContain('onnx/model.onnx');
      // What the failed download linked so far is not a model, though the cache holds a snapshot of it.
      expect([failed.present, failed.source, failed.unfinishedDownload]).toEqual([false, 'hf-cache', { jobId: bad.id, state: 'failed' }]);
      expect((await failure(embed(SERVED))).code).toBe('MODEL_NOT_PRESENT');
      const refused = await failure(embed(`${SERVED}@${failed.commit}`));
      expect(refused.message).toMatch(new RegExp(`^${SERVED}@${failed.commit} is not fully downloaded: download job ${bad.id} \\(failed\\) has not finished`));
    } finally {
      hub.setFault(SERVED, 'onnx/model.onnx', null);
    }
    await download();
    expect((await core.invoke('hub.status', { repo: SERVED })).lastError).toBeNull();
    expect((await embed(SERVED)).results[0]!.dimension).toBe(32);
  });
});

describe('hub.delete refuses while any job uses the model', () => {
  it('names a benchmark, an export of the registry model, or an import into a collection bound to it; deletes once they end', async () => {
    pythonDownload();
    await core.invoke('registry.upsertModel', { name: 'py', type: 'embedding', provider: 'huggingface', source: { kind: 'hub', repoId: FOREIGN, revision: null } });
    await core.invoke('registry.registerVersion', { model: 'py', version: '1.0.0' });
    const docs = path.join(home, 'docs');
    fs.mkdirSync(docs);
    fs.writeFileSync(path.join(docs, 'a.txt'), 'The salary is paid on the first working day of the month.');
    const imported = await core.invoke('collections.import', { name: 'notes', paths: [docs], model: 'py@1.0.0' });
    expect((await core.jobs.waitForSettled(imported.id)).state).toBe('done');

    const refusals: string[] = [];
    for (const [kind, params] of [
      ['bench', { model: `hf:${FOREIGN}` }],
      ['bundle-export', { models: ['py'], out: path.join(home, 'out.tar') }],
      ['collection.import', { collection: 'notes', paths: [docs] }],
    ] as const) {
      const job = core.jobStore.insert(kind, kind, { ...params }, false, process.pid);
      const err = await failure(core.invoke('hub.delete', { repo: FOREIGN }));
      expect(err.code).toBe('MODEL_IN_USE');
      expect(err.hint).toBe(`Wait for it to finish, or cancel it: \`model-center cancel ${job.id}\`.`);
      refusals.push(err.message);
      core.jobStore.patch(job.id, { state: 'cancelled' });
    }
    expect(refusals.map((m) => m.replace(/job \d+/, 'job N'))).toEqual([
      `${FOREIGN} cannot be deleted while job N (bench, queued) uses it.`,
      `${FOREIGN} cannot be deleted while job N (bundle-export, queued) uses it.`,
      `${FOREIGN} cannot be deleted while job N (collection.import, queued) uses it.`,
    ]);
    // A job on another model is no reason to keep this one.
    core.jobStore.insert('bench', 'bench', { model: 'hf:acme/other' }, false, process.pid);
    expect((await core.invoke('hub.delete', { repo: FOREIGN })).removedModel).toBe(true);
    expect((await core.invoke('hub.status', { repo: FOREIGN })).present).toBe(false);
  });
});

describe('model-center status <repo>', () => {
  it('prints the model status as a table and as JSON; without a repo it still prints the app status', async () => {
    const { commit, blob } = pythonDownload();
    corrupt(blob('tokenizer.json'));
    const env = { MODEL_CENTER_HOME: home, HF_HUB_CACHE: cacheDir(), HF_ENDPOINT: hub.url };
    expect((await runCliProcess(['verify', FOREIGN], env)).code).toBe(1);
    const human = await runCliProcess(['status', FOREIGN], env);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/Present\s+no: its last verification failed/);
    expect(human.stdout).toMatch(new RegExp(`Revision\\s+main \\(commit ${commit}\\)`));
    expect(human.stdout).toMatch(/Verified\s+FAILED at .+ UTC: tokenizer\.json: checksum mismatch/);
    expect(human.stdout).toMatch(/Source\s+found in the HF cache/);
    const json = await runCliProcess(['status', FOREIGN, '--json'], env);
    const parsed = JSON.parse(json.stdout) as { present: boolean; source: string; files: unknown[]; lastVerifyOk: boolean; sizeBytes: number };
    expect([parsed.present, parsed.source, parsed.lastVerifyOk, parsed.files.length]).toEqual([false, 'hf-cache', false, hubFilesFromFolder(testModel('tiny-32')).length]);
    const app = await runCliProcess(['status'], env);
    expect(app.stdout).toMatch(/^Version\s+/m);
  });
});
