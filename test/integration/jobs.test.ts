import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobDTO } from '../../src/shared/contract';
import { CLI } from '../support/run-cli';
import { makeTempDir, openTestCore, removeDir } from '../support/temp-home';
import type { Core } from '../../src/main/core/create-core';
import { waitFor } from '../support/wait-for';

let home: string;
let core: Core;
beforeEach(() => {
  home = makeTempDir();
  core = openTestCore(home);
});
afterEach(async () => {
  await core.close();
  removeDir(home);
});


async function digestOf(c: Core, steps: number): Promise<string> {
  const job = await c.invoke('jobs.selftest', { steps, stepMs: 0 });
  await c.jobs.waitForSettled(job.id);
  return (c.jobStore.require(job.id).result as { digest: string }).digest;
}

describe('jobs', () => {
  it('run to done with progress events in order, persisted in the table', async () => {
    const seen: JobDTO[] = [];
    core.bus.on('job.updated', (j) => seen.push(j));
    const job = await core.invoke('jobs.selftest', { steps: 5, stepMs: 20 });
    const final = await core.jobs.waitForSettled(job.id);
    expect(final.state).toBe('done');
    expect(final.progress).toBe(100);
    const progress = seen.filter((j) => j.id === job.id).map((j) => j.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(seen.map((j) => j.state)).toContain('running');
    expect((await core.invoke('jobs.get', { id: job.id })).state).toBe('done');
  });

  it('cancel stops the work at once', async () => {
    const job = await core.invoke('jobs.selftest', { steps: 1000, stepMs: 50 });
    await waitFor(() => (core.jobStore.require(job.id).progress > 0 ? true : undefined));
    const cancelled = await core.invoke('jobs.cancel', { id: job.id });
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.progress).toBeLessThan(10);
  });

  it('pause and resume continue where they stopped, with the same result as an uninterrupted run', async () => {
    const job = await core.invoke('jobs.selftest', { steps: 40, stepMs: 10 });
    await waitFor(() => (core.jobStore.require(job.id).progress >= 20 ? true : undefined));
    const paused = await core.invoke('jobs.pause', { id: job.id });
    expect(paused.state).toBe('paused');
    const at = paused.progress;
    await core.invoke('jobs.resume', { id: job.id });
    const final = await core.jobs.waitForSettled(job.id);
    expect(final.state).toBe('done');
    expect(at).toBeGreaterThan(0);
    const resumed = (core.jobStore.require(job.id).result as { digest: string }).digest;
    expect(resumed).toBe(await digestOf(core, 40));
  });

  it('a failing job ends failed with its error, and refuses illegal controls', async () => {
    const job = await core.invoke('jobs.selftest', { steps: 5, stepMs: 0, failAtStep: 2 });
    const final = await core.jobs.waitForSettled(job.id);
    expect(final.state).toBe('failed');
    expect(final.error?.message).toMatch(/step 2/);
    await expect(core.invoke('jobs.resume', { id: job.id })).rejects.toMatchObject({ code: 'JOB_STATE' });
    await expect(core.invoke('jobs.get', { id: 99_999 })).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
  });

  it('a job whose process was killed is found interrupted at the next start and resumes to the same result', async () => {
    const child = spawn(process.execPath, [CLI, 'selftest', '--steps', '200', '--step-ms', '30'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MODEL_CENTER_HOME: home },
      stdio: 'ignore',
    });
    const job = await waitFor(() => core.jobStore.list({ limit: 1, states: ['running'] }).find((j) => j.progress >= 5));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    await core.close();
    core = openTestCore(home);
    const found = await core.invoke('jobs.get', { id: job.id });
    expect(found.state).toBe('interrupted');
    expect(found.message).toMatch(/resume/);
    await core.invoke('jobs.resume', { id: job.id });
    const final = await core.jobs.waitForSettled(job.id);
    expect(final.state).toBe('done');
    expect((core.jobStore.require(job.id).result as { digest: string }).digest).toBe(await digestOf(core, 200));
  });

  it('another process can cancel a job the CLI is running, and sees its progress', async () => {
    const child = spawn(process.execPath, [CLI, 'selftest', '--steps', '500', '--step-ms', '30'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MODEL_CENTER_HOME: home },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((r) => child.on('close', r));
    const seen: JobDTO[] = [];
    core.bus.on('job.updated', (j) => seen.push(j));
    const job = await waitFor(() => core.jobStore.list({ limit: 1, states: ['running'] })[0]);
    await waitFor(() => (seen.some((j) => j.id === job.id && j.progress > 0) ? true : undefined));
    const result = await core.invoke('jobs.cancel', { id: job.id });
    expect(result.state).toBe('cancelled');
    expect(await exited).toBe(1);
  });
});
