import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/create-core';
import { tempCore } from './registry-helpers';

const CHILD = fileURLToPath(new URL('./registry-race-child.ts', import.meta.url));

interface Outcome {
  ok: boolean;
  version: string;
  current?: string;
  code?: string;
  message?: string;
}

/** Spawns a contender; resolves `ready` once its core is open, `done` with its printed outcome. */
function contender(args: string[]): { ready: Promise<void>; done: Promise<Outcome> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('ready\n')) markReady();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<Outcome>((resolve, reject) => {
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || !line) reject(new Error(`contender exited ${code}: ${err || out}`));
      else resolve(JSON.parse(line) as Outcome);
    });
  });
  return { ready, done };
}

let core: Core;
let home: string;
let cleanup: () => Promise<void>;
beforeEach(() => {
  ({ core, home, cleanup } = tempCore());
});
afterEach(async () => cleanup());

describe('set-current from two processes on one database', () => {
  it('lets exactly one compare-and-set win; the other gets CURRENT_CHANGED', async () => {
    await core.invoke('registry.upsertModel', { name: 'race', type: 'embedding', provider: 'local' });
    for (const v of ['1.0.0', '2.0.0', '3.0.0']) await core.invoke('registry.registerVersion', { model: 'race', version: v, status: 'production' });
    await core.invoke('registry.setCurrent', { model: 'race', version: '1.0.0' });

    const go = path.join(home, 'go');
    const a = contender([home, '2.0.0', '1.0.0', go]);
    const b = contender([home, '3.0.0', '1.0.0', go]);
    await Promise.all([a.ready, b.ready]);
    fs.writeFileSync(go, '');
    const results = await Promise.all([a.done, b.done]);

    const winners = results.filter((r) => r.ok);
    const losers = results.filter((r) => !r.ok);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(losers[0]?.code).toBe('CURRENT_CHANGED');
    expect(losers[0]?.message).toMatch(/someone changed it meanwhile/);
    const final = await core.invoke('registry.getModel', { model: 'race' });
    expect(final.currentVersion).toBe(winners[0]?.version);
    expect(final.previousVersion).toBe('1.0.0');
    expect(final.versions.filter((v) => v.isCurrent)).toHaveLength(1);
  }, 60_000);
});
