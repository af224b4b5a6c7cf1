import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canTransition, TRANSITIONS } from '../../src/main/core/registry/lifecycle';
import type { Core } from '../../src/main/core/create-core';
import { VERSION_STATUSES, type VersionStatus } from '../../src/shared/contract';
import { appError, tempCore } from '../integration/registry-helpers';

/** The expected table, written out independently of lifecycle.ts so a change there must be made twice. */
const ALLOWED: Record<VersionStatus, VersionStatus[]> = {
  development: ['staging', 'archived'],
  staging: ['production', 'development', 'archived'],
  production: ['deprecated'],
  deprecated: ['production', 'archived'],
  archived: ['deprecated'],
};

const PAIRS = VERSION_STATUSES.flatMap((from) => VERSION_STATUSES.map((to) => [from, to, ALLOWED[from].includes(to)] as const));

describe('registry lifecycle table', () => {
  it('has exactly the documented moves', () => {
    expect(PAIRS).toHaveLength(25);
    for (const [from, to, ok] of PAIRS) expect(canTransition(from, to), `${from} → ${to}`).toBe(ok);
    expect(TRANSITIONS.production).not.toContain('staging');
  });
});

describe('registry.setStatus on every from × to pair (real SQLite)', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  let n = 0;
  beforeAll(async () => {
    ({ core, cleanup } = tempCore());
    await core.invoke('registry.upsertModel', { name: 'lc', type: 'embedding', provider: 'local' });
  });
  afterAll(async () => cleanup());

  it.each(PAIRS)('%s → %s allowed=%s', async (from, to, ok) => {
    const version = `${++n}.0.0`;
    // Registration records any status; the version is not current, so only the lifecycle decides.
    await core.invoke('registry.registerVersion', { model: 'lc', version, status: from });
    if (ok) {
      const v = await core.invoke('registry.setStatus', { model: 'lc', version, status: to });
      expect(v.status).toBe(to);
    } else {
      const err = await appError(() => core.invoke('registry.setStatus', { model: 'lc', version, status: to }));
      expect(err.code).toBe('ILLEGAL_TRANSITION');
      // The refusal names the moves that are allowed, so the person knows what to do instead.
      expect(err.hint).toContain(`Allowed from ${from}: ${ALLOWED[from].join(', ')}`);
      if (from === 'production' && to === 'staging') expect(err.hint).toMatch(/rollback/);
      const after = (await core.invoke('registry.versions', { model: 'lc' })).find((x) => x.version === version);
      expect(after?.status).toBe(from);
    }
  });

  it('refuses to deprecate or archive the current version while it serves', async () => {
    await core.invoke('registry.registerVersion', { model: 'lc', version: '100.0.0', status: 'production' });
    await core.invoke('registry.setCurrent', { model: 'lc', version: '100.0.0' });
    const err = await appError(() => core.invoke('registry.setStatus', { model: 'lc', version: '100.0.0', status: 'deprecated' }));
    expect(err.code).toBe('ILLEGAL_TRANSITION');
    expect(err.message).toMatch(/current version/);
  });

  it('refuses development, deprecated and archived versions as current', async () => {
    for (const status of ['development', 'deprecated', 'archived'] as const) {
      const version = `${++n + 200}.0.0`;
      await core.invoke('registry.registerVersion', { model: 'lc', version, status });
      const err = await appError(() => core.invoke('registry.setCurrent', { model: 'lc', version }));
      expect(err.code).toBe('ILLEGAL_TRANSITION');
    }
  });
});
