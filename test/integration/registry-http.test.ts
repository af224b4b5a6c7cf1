import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureApiToken } from '../../src/main/core/auth/api-token';
import type { Core } from '../../src/main/core/create-core';
import { startHttpServer, type RunningServer } from '../../src/main/server/http-server';
import { tempCore } from './registry-helpers';

let core: Core;
let cleanup: () => Promise<void>;
let server: RunningServer;
let token: string;

beforeAll(async () => {
  let home: string;
  ({ core, home, cleanup } = tempCore());
  token = ensureApiToken(home);
  server = await startHttpServer(core, { port: 0, token });
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

async function rpc(method: string, input: unknown): Promise<{ status: number; body: { result?: unknown; error?: { code: string; message: string; hint?: string } } }> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/rpc/${method}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as { result?: unknown; error?: { code: string; message: string } } };
}

describe('registry over HTTP (the same contract as in process)', () => {
  it('imports, switches with compare-and-set, and maps refusals to HTTP statuses', async () => {
    const imported = await rpc('registry.importEnv', { text: 'EMB_MODELS="minilm:sentence-transformers/all-MiniLM-L6-v2:default:384:256"' });
    expect(imported.status).toBe(200);
    expect(imported.body.result).toMatchObject({ imported: ['minilm:sentence-transformers/all-MiniLM-L6-v2:default:384:256'] });

    expect((await rpc('registry.registerVersion', { model: 'minilm', version: '1.1', status: 'staging' })).status).toBe(200);
    const switched = await rpc('registry.setCurrent', { model: 'minilm', version: '1.1.0', expectedCurrent: '1.0.0' });
    expect(switched.status).toBe(200);
    expect(switched.body.result).toEqual(await core.invoke('registry.getModel', { model: 'minilm' }));

    const stale = await rpc('registry.setCurrent', { model: 'minilm', version: '1.0.0', expectedCurrent: '1.0.0' });
    expect(stale.status).toBe(409);
    expect(stale.body.error?.code).toBe('CURRENT_CHANGED');

    const illegal = await rpc('registry.setStatus', { model: 'minilm', version: '1.0.0', status: 'development' });
    expect(illegal.status).toBe(409);
    expect(illegal.body.error?.hint).toMatch(/Allowed from production: deprecated/);

    expect((await rpc('registry.registerVersion', { model: 'minilm', version: 'nope' })).status).toBe(400);
    expect((await rpc('registry.getModel', { model: 'ghost' })).status).toBe(404);
  });
});
