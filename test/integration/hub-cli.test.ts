import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sentenceRepo } from '../support/hub-server/fixtures';
import { startHubServer, type HubServer } from '../support/hub-server/hub-server';
import { runCliProcess } from '../support/run-cli';
import { makeTempDir, openTestCore, removeDir } from '../support/temp-home';
import { waitFor } from '../support/wait-for';

const REPO = 'acme/cli-embed';
let hub: HubServer;
let home: string;
let env: Record<string, string>;

beforeAll(async () => {
  hub = await startHubServer({ repos: [sentenceRepo(REPO), sentenceRepo('acme/locked', { gated: true })], token: 'hf_x' });
  home = makeTempDir();
  env = { MODEL_CENTER_HOME: home, HF_HUB_CACHE: path.join(home, 'hub'), HF_ENDPOINT: hub.url };
});
afterAll(async () => {
  await hub.close();
  removeDir(home);
});

describe('model-center download / verify / delete', () => {
  it('downloads, verifies, refuses to delete without --yes, deletes', async () => {
    const dl = await runCliProcess(['download', REPO, '--variant', 'int8', '--include', 'README.md', '--json'], env);
    expect(dl.stderr).toBe('');
    expect(dl.code).toBe(0);
    const job = JSON.parse(dl.stdout);
    expect(job.state).toBe('done');
    const commit = hub.repos.get(REPO)!.branches.get('main')!.commit;
    const snap = path.join(home, 'hub', 'models--acme--cli-embed', 'snapshots', commit);
    expect(fs.existsSync(path.join(snap, 'onnx', 'model_quantized.onnx'))).toBe(true);
    expect(fs.existsSync(path.join(snap, 'README.md'))).toBe(true);

    const ok = await runCliProcess(['verify', REPO, '--json'], env);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).ok).toBe(true);

    // Damage a blob behind the snapshot link: verify names it and exits 1.
    const target = fs.realpathSync(path.join(snap, 'config.json'));
    fs.chmodSync(target, 0o644);
    fs.appendFileSync(target, ' ');
    const bad = await runCliProcess(['verify', REPO], env);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL\s+config\.json/);

    const refused = await runCliProcess(['delete', REPO], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    const del = await runCliProcess(['delete', REPO, '--yes', '--json'], env);
    expect(del.code).toBe(0);
    expect(JSON.parse(del.stdout)).toMatchObject({ repo: REPO, removedModel: true });
    expect(fs.existsSync(path.join(home, 'hub', 'models--acme--cli-embed'))).toBe(false);
  });

  it('`cancel ID` keeps a paused download\'s partial files; `cancel ID --discard` deletes them, also after the cancel, unless another download needs them', async () => {
    const partials = (): string[] => fs.readdirSync(path.join(home, 'hub'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.incomplete'));
    hub.setFault(REPO, 'onnx/model.onnx', { kind: 'trickle', chunkBytes: 64 * 1024, delayMs: 15 });
    const core = openTestCore(home, { HF_ENDPOINT: hub.url, HF_HUB_CACHE: path.join(home, 'hub') });
    const paused: number[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const job = await core.invoke('hub.download', { repo: REPO });
        await waitFor(() => (Number((core.jobStore.require(job.id).detail as { bytesDone?: number } | null)?.bytesDone) > 300_000 ? true : undefined));
        await core.invoke('jobs.pause', { id: job.id });
        paused.push(job.id);
      }
    } finally {
      await core.close();
      hub.setFault(REPO, 'onnx/model.onnx', null);
    }
    const keep = await runCliProcess(['cancel', String(paused[0]), '--json'], env);
    expect(keep.code).toBe(0);
    expect(JSON.parse(keep.stdout)).toMatchObject({ state: 'cancelled', message: 'Cancelled' });
    expect(partials().length).toBeGreaterThan(0);
    // Discarding after the cancel is allowed, but not while another download of the model (paused) needs the files.
    const late = await runCliProcess(['cancel', String(paused[0]), '--discard', '--json'], env);
    expect(late.code).toBe(0);
    expect(JSON.parse(late.stdout).message).toBe(`Cancelled; its partial files are kept: job ${paused[1]} (paused) downloads ${REPO} from them.`);
    expect(partials().length).toBeGreaterThan(0);
    const discard = await runCliProcess(['jobs', 'cancel', String(paused[1]), '--discard'], env);
    expect(discard.code).toBe(0);
    expect(discard.stdout).toMatch(/cancelled[\s\S]*of partial files deleted/);
    expect(partials()).toEqual([]);
  });

  it('exits 1 with a clear error for a gated model and 2 for a bad repo id or variant', async () => {
    const gated = await runCliProcess(['download', 'acme/locked'], env);
    expect(gated.code).toBe(1);
    expect(gated.stderr).toMatch(/acme\/locked/);
    expect(gated.stderr).toMatch(/HF_TOKEN/);
    const badId = await runCliProcess(['download', 'nope', '--json'], env);
    expect(badId.code).toBe(2);
    expect(JSON.parse(badId.stdout).error.code).toBe('INVALID_INPUT');
    const badVariant = await runCliProcess(['download', REPO, '--variant', 'fp8'], env);
    expect(badVariant.code).toBe(2);
    expect(badVariant.stderr).toMatch(/fp32, fp16, int8/);
  });
});
