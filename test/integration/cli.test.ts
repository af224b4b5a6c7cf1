import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../support/temp-home';
import { runCliProcess } from '../support/run-cli';

let home: string;
let env: Record<string, string>;
beforeAll(() => {
  home = makeTempDir();
  env = { MODEL_CENTER_HOME: home };
});
afterAll(() => removeDir(home));

describe('model-center CLI', () => {
  it('status --json reports data dir, schema versions, app version and jobs', async () => {
    const r = await runCliProcess(['status', '--json'], env);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.dataDir).toBe(home);
    expect(s.schema).toMatchObject({ jobs: 1, settings: 1 });
    expect(s.app.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(s.jobs).toHaveProperty('running', 0);
  });

  it('exits 2 with a message for an unknown command or flag, and for a bad setting', async () => {
    const cmd = await runCliProcess(['frobnicate'], env);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toMatch(/unknown command 'frobnicate'/);
    const flag = await runCliProcess(['status', '--frob'], env);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown option '--frob'/);
    const bad = await runCliProcess(['configure', 'downloadConcurrency=99'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/downloadConcurrency/);
    const unknownKey = await runCliProcess(['configure', 'colour=red'], env);
    expect(unknownKey.code).toBe(2);
    expect(unknownKey.stderr).toMatch(/unknown setting "colour"/);
    const notNumber = await runCliProcess(['configure', 'inferenceThreads=four'], env);
    expect(notNumber.code).toBe(2);
    expect(notNumber.stderr).toMatch(/inferenceThreads takes a number/);
  });

  it('sets every numeric setting from KEY=VALUE, not only the download concurrency', async () => {
    const r = await runCliProcess(['configure', 'inferenceThreads=3', 'upstreamCheckHours=2', 'modelIdleUnloadSeconds=60', 'embeddingCacheMb=128', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).values).toMatchObject({ inferenceThreads: 3, upstreamCheckHours: 2, modelIdleUnloadSeconds: 60, embeddingCacheMb: 128 });
  });

  it('prints help per command', async () => {
    const r = await runCliProcess(['serve', '--help'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--port/);
  });

  it('runs a job to the end and exits 0; a failing job exits 1 with its reason', async () => {
    const ok = await runCliProcess(['selftest', '--steps', '3', '--step-ms', '1', '--json'], env);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ state: 'done', progress: 100 });
    const list = await runCliProcess(['jobs', 'list', '--json'], env);
    expect(JSON.parse(list.stdout)[0]).toMatchObject({ kind: 'selftest', state: 'done' });
    const missing = await runCliProcess(['jobs', 'show', '424242'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no job 424242/);
  });

  it('serve refuses a port in use with a clear message and exit 1', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const r = await runCliProcess(['serve', '--port', String(port)], { ...env, MODEL_CENTER_RENDERER_DIR: home });
    blocker.close();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`Port ${port} .*already in use`));
    expect(r.stderr).toMatch(/--port/);
  });
});
