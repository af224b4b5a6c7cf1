import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importAndWait, registerPoorModel, useCollectionsHome, writeCorpus, writeVariedCorpus } from '../support/collections';
import { queryBucket } from '../../src/main/core/migrations/rollout';
import { testModel } from '../support/embedding-models';
import { runCliProcess } from '../support/run-cli';
import { startServe } from '../support/serve-process';
import { testEnv } from '../support/temp-home';
import { waitFor } from '../support/wait-for';

const t = useCollectionsHome('mc-gate-');

/** Collection "kb" on tiny@1.0.0, migrated to `to` (validated first), ready for the gate. */
async function readyMigration(to: string): Promise<void> {
  const job = await importAndWait(t.core, { name: 'kb', paths: [writeVariedCorpus(path.join(t.home, 'corpus'), 12, 12)], model: 'tiny', chunkSize: 24 });
  expect(job.state).toBe('done');
  expect((await t.core.invoke('inference.validate', { model: to })).ok).toBe(true);
  const started = await t.core.invoke('migrations.start', { collection: 'kb', to, batchSize: 64 });
  expect((await t.core.jobs.waitForSettled(started.job.id)).state).toBe('done');
  expect((await t.core.invoke('migrations.get', { collection: 'kb' })).state).toBe('ready');
}

describe('golden query sets', () => {
  it('are typed, imported from .jsonl/.csv/.txt or sampled and frozen; a malformed file or an unknown chunk id adds nothing', async () => {
    await importAndWait(t.core, { name: 'kb', paths: [writeCorpus(path.join(t.home, 'corpus'), 4, 8)], model: 'tiny', chunkSize: 24 });
    const hit = (await t.core.invoke('collections.search', { collection: 'kb', query: 'the train to the airport', k: 3 })).hits[0]!;

    let gate = await t.core.invoke('gate.addQueries', { collection: 'kb', queries: [{ query: 'train to the airport', expected: [hit.chunkId] }, { query: 'password reset' }] });
    expect(gate.armed).toBe(true);
    expect(gate.queries.map((q) => [q.query, q.expected, q.origin])).toEqual([
      ['train to the airport', [hit.chunkId], 'typed'],
      ['password reset', [], 'typed'],
    ]);

    await expect(t.core.invoke('gate.addQueries', { collection: 'kb', queries: [{ query: 'coat', expected: [987654] }] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('987654 is not in collection "kb"'),
    });

    const bad = ['{"query": "weather tomorrow", "expected": [1]}', '{"query": ', '{"expected": [2]}'].join('\n');
    await expect(t.core.invoke('gate.importQueries', { collection: 'kb', fileName: 'golden.jsonl', content: bad })).rejects.toMatchObject({
      code: 'IMPORT_REFUSED',
      issues: [expect.objectContaining({ path: 'golden.jsonl:2' }), expect.objectContaining({ path: 'golden.jsonl:3', message: expect.stringContaining('no query') })],
    });
    expect((await t.core.invoke('gate.get', { collection: 'kb' })).queries).toHaveLength(2);

    gate = await t.core.invoke('gate.importQueries', { collection: 'kb', fileName: 'golden.csv', content: `query,expected_ids\n"salary, monthly",${hit.chunkId}\nbank message,\n` });
    expect(gate.queries.filter((q) => q.origin === 'imported').map((q) => [q.query, q.expected])).toEqual([
      ['salary, monthly', [hit.chunkId]],
      ['bank message', []],
    ]);
    gate = await t.core.invoke('gate.importQueries', { collection: 'kb', fileName: 'more.txt', content: '# one per line\nwinter coat\n\nhotel near the airport\n' });
    expect(gate.queries).toHaveLength(6);

    gate = await t.core.invoke('gate.sampleQueries', { collection: 'kb', count: 5 });
    const sampled = gate.queries.filter((q) => q.origin === 'sampled');
    expect(sampled).toHaveLength(5);
    for (const q of sampled) expect(q.expected).toHaveLength(1);
    // Frozen: sampling again gives the same queries, not new ones.
    expect((await t.core.invoke('gate.sampleQueries', { collection: 'kb', count: 5 })).queries).toHaveLength(11);

    gate = await t.core.invoke('gate.removeQueries', { collection: 'kb', ids: [gate.queries[0]!.id] });
    expect(gate.queries).toHaveLength(10);
    expect((await t.core.invoke('gate.removeQueries', { collection: 'kb' })).armed).toBe(false);

    // The golden set, thresholds and runs go with their collection.
    await t.core.invoke('gate.sampleQueries', { collection: 'kb', count: 3 });
    await t.core.invoke('gate.setSettings', { collection: 'kb', settings: { k: 5 } });
    await t.core.invoke('collections.delete', { name: 'kb' });
    expect(t.count('SELECT count(*) FROM gate_queries') + t.count('SELECT count(*) FROM gate_settings')).toBe(0);
  });
});

describe('the migration quality gate', () => {
  it('passes a good B and lets the rollout step through, recording the run in the serving history', async () => {
    await readyMigration('tiny@2.0.0');
    await expect(t.core.invoke('gate.run', { collection: 'kb' })).rejects.toMatchObject({ code: 'GATE_NOT_READY', hint: expect.stringContaining('gate sample kb') });
    await t.core.invoke('gate.sampleQueries', { collection: 'kb', count: 30 });
    // One query of 30 is 0.033 of recall: the default 0.02 would fail B for a single miss. Latency on a shared
    // CI machine swings by tens of milliseconds, so this test gives p95 room (its arithmetic has unit tests).
    await t.core.invoke('gate.setSettings', { collection: 'kb', settings: { maxRecallDrop: 0.05, maxMrrDrop: 0.1, p95SlackMs: 200 } });

    const run = await t.core.invoke('gate.run', { collection: 'kb' });
    expect(run.checks.filter((c) => !c.ok)).toEqual([]);
    expect(run).toMatchObject({ passed: true, action: 'none', trigger: 'manual', k: 10 });
    expect(run.queries).toBeGreaterThanOrEqual(20);
    expect(run.withExpected).toBe(run.queries);
    expect(run.a.version).toBe('tiny@1.0.0');
    expect(run.b.version).toBe('tiny@2.0.0');
    expect(run.a.recall).toBeGreaterThan(0.8);
    expect(run.b.recall).toBeGreaterThan(0.8);
    expect(run.checks.map((c) => c.name)).toEqual(['recall', 'mrr', 'p95']);

    const m = await t.core.invoke('migrations.setRollout', { collection: 'kb', percent: 10 });
    expect(m.rolloutPercent).toBe(10);
    const gate = await t.core.invoke('gate.get', { collection: 'kb' });
    expect(gate.runs[0]).toMatchObject({ trigger: 'rollout-step', rolloutPercent: 10, passed: true });

    const history = await t.core.invoke('migrations.history', { collection: 'kb' });
    expect(history.map((h) => [h.event, h.rolloutPercent])).toEqual([
      ['created', 0],
      ['migration-started', 0],
      ['rollout', 10],
    ]);
    expect(history[2]).toMatchObject({ current: 'tiny@1.0.0', candidate: 'tiny@2.0.0', gateRunId: gate.runs[0]!.id, reason: expect.stringContaining('Quality gate passed') });

    // Finalizing is the last step: checked too, and logged with the run that let it through.
    expect((await t.core.invoke('migrations.finalize', { collection: 'kb', confirm: true })).state).toBe('finalized');
    const last = (await t.core.invoke('migrations.history', { collection: 'kb' })).at(-1)!;
    const finalRun = (await t.core.invoke('gate.get', { collection: 'kb' })).runs[0]!;
    expect(finalRun).toMatchObject({ trigger: 'rollout-step', rolloutPercent: 100, passed: true });
    expect(last).toMatchObject({ event: 'finalized', rolloutPercent: 100, gateRunId: finalRun.id, reason: expect.stringContaining('Quality gate passed') });
  });

  it('trips on a deliberately worse B: refuses the first step, then rolls back at once when B already serves', async () => {
    await registerPoorModel(t.core);
    await readyMigration('tiny@3.0.0');
    await t.core.invoke('gate.sampleQueries', { collection: 'kb', count: 30 });

    await expect(t.core.invoke('migrations.setRollout', { collection: 'kb', percent: 10 })).rejects.toMatchObject({
      code: 'GATE_FAILED',
      message: expect.stringMatching(/recall@10: B 0\.\d\d < A \d\.\d\d − 0\.02.*Rollout to 10 % refused; rollout stays at 0 %/),
    });
    let m = await t.core.invoke('migrations.get', { collection: 'kb' });
    expect(m).toMatchObject({ state: 'ready', rolloutPercent: 0 });
    const refused = (await t.core.invoke('gate.get', { collection: 'kb' })).runs[0]!;
    expect(refused).toMatchObject({ trigger: 'rollout-step', passed: false, action: 'refused-rollout' });
    expect(refused.b.recall!).toBeLessThan(refused.a.recall! - 0.3);

    // The admin overrides the gate; the next run (by hand here; on a schedule in the app) rolls back at once.
    expect((await t.core.invoke('migrations.setRollout', { collection: 'kb', percent: 50, skipGate: true })).rolloutPercent).toBe(50);
    const run = await t.core.invoke('gate.run', { collection: 'kb' });
    expect(run).toMatchObject({ passed: false, action: 'rolled-back' });
    expect(run.summary).toMatch(/Rolled back: tiny@1\.0\.0 serves 100 %/);

    m = await t.core.invoke('migrations.get', { collection: 'kb' });
    expect(m).toMatchObject({ state: 'rolled-back', rolloutPercent: 0 });
    expect(m.outcome).toMatch(/^Quality gate failed \(30 golden queries\): recall@10: B .* \(gate run \d+, manual\)\. Rolled back: tiny@1\.0\.0 serves "kb"/);
    const served = await t.core.invoke('collections.search', { collection: 'kb', query: 'the train to the airport', k: 3 });
    expect(served.served.version).toBe('1.0.0');

    const history = await t.core.invoke('migrations.history', { collection: 'kb' });
    expect(history.map((h) => [h.event, h.rolloutPercent])).toEqual([
      ['created', 0],
      ['migration-started', 0],
      ['rollout-refused', 0],
      ['rollout', 50],
      ['rolled-back', 0],
    ]);
    expect(history[3]!.reason).toBe('Set by the admin with the quality gate skipped.');
    expect(history[4]).toMatchObject({ gateRunId: run.id, reason: expect.stringContaining('Quality gate failed') });
  });

  it('fails and rolls back when B cannot answer at all (its files went missing while it served)', async () => {
    const copy = path.join(t.home, 'b-copy');
    fs.cpSync(testModel('tiny-64'), copy, { recursive: true });
    await t.core.invoke('registry.registerVersion', { model: 'tiny', version: '4.0.0', status: 'staging', source: { kind: 'path', path: copy } });
    await readyMigration('tiny@4.0.0');
    await t.core.invoke('gate.sampleQueries', { collection: 'kb', count: 5 });
    await t.core.invoke('migrations.setRollout', { collection: 'kb', percent: 10, skipGate: true });
    fs.rmSync(path.join(copy, 'onnx'), { recursive: true });
    await t.core.invoke('inference.unload', {});

    // Meanwhile a search the rollout sends to B is answered by A, not failed.
    const routedToB = Array.from({ length: 200 }, (_, i) => `weather report number ${i}`).find((q) => queryBucket(q) < 10)!;
    const served = await t.core.invoke('collections.search', { collection: 'kb', query: routedToB, k: 3 });
    expect(served.served).toMatchObject({ version: '1.0.0', reason: 'fallback' });
    expect(served.hits).toHaveLength(3);

    const run = await t.core.invoke('gate.run', { collection: 'kb' });
    expect(run).toMatchObject({ passed: false, action: 'rolled-back' });
    expect(run.checks).toEqual([expect.objectContaining({ name: 'answers', ok: false, detail: expect.stringContaining('tiny@4.0.0 could not answer') })]);
    expect((await t.core.invoke('migrations.get', { collection: 'kb' })).state).toBe('rolled-back');
  });

  it('reports without acting when auto-rollback is off, and ignores p95 differences within the slack', async () => {
    await registerPoorModel(t.core);
    await readyMigration('tiny@3.0.0');
    await t.core.invoke('gate.sampleQueries', { collection: 'kb', count: 10 });
    const gate = await t.core.invoke('gate.setSettings', { collection: 'kb', settings: { autoRollback: false, maxRecallDrop: 1, maxMrrDrop: null, minOverlap: 0.9 } });
    expect(gate.settings).toMatchObject({ autoRollback: false, maxRecallDrop: 1, maxMrrDrop: null, minOverlap: 0.9, maxP95Ratio: 1.5, k: 10 });
    await t.core.invoke('migrations.setRollout', { collection: 'kb', percent: 20, skipGate: true });
    const run = await t.core.invoke('gate.run', { collection: 'kb' });
    expect(run.passed).toBe(false);
    expect(run.action).toBe('none');
    expect(run.checks.find((c) => c.name === 'overlap')).toMatchObject({ ok: false, limit: 0.9 });
    expect(run.checks.find((c) => c.name === 'recall')!.ok).toBe(true);
    expect((await t.core.invoke('migrations.get', { collection: 'kb' })).rolloutPercent).toBe(20);
    await expect(t.core.invoke('gate.setSettings', { collection: 'kb', settings: { maxP95Ratio: 0.5 } })).rejects.toMatchObject({ code: 'INVALID_INPUT' });

    // Finalize is refused like a rollout step (no auto-rollback here), unless the admin skips the gate.
    await expect(t.core.invoke('migrations.finalize', { collection: 'kb', confirm: true })).rejects.toMatchObject({
      code: 'GATE_FAILED',
      message: expect.stringContaining('Finalize refused; rollout stays at 20 %'),
    });
    expect((await t.core.invoke('migrations.get', { collection: 'kb' })).state).toBe('ready');
    expect((await t.core.invoke('migrations.finalize', { collection: 'kb', confirm: true, skipGate: true })).state).toBe('finalized');
    expect((await t.core.invoke('migrations.history', { collection: 'kb' })).map((h) => [h.event, h.reason.endsWith('Quality gate skipped.')])).toEqual([
      ['created', false],
      ['migration-started', false],
      ['rollout', false],
      ['rollout-refused', false],
      ['finalized', true],
    ]);
  });

  it('re-runs on its schedule in a long-running process and rolls back there; the CLI shows the gate and the history', async () => {
    await registerPoorModel(t.core);
    await readyMigration('tiny@3.0.0');
    await t.core.invoke('gate.sampleQueries', { collection: 'kb', count: 20 });
    await t.core.invoke('gate.setSettings', { collection: 'kb', settings: { intervalMinutes: 0.05 } });
    const env = testEnv(t.home);

    const refused = await runCliProcess(['rollout', 'kb', '10'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Quality gate failed .*recall@10: B/);
    expect(refused.stderr).toContain('--skip-gate');
    expect((await runCliProcess(['rollout', 'kb', '10', '--skip-gate'], env)).code).toBe(0);

    const serve = await startServe(t.home, env);
    try {
      const m = await waitFor(async () => {
        const res = await fetch(`${serve.url}api/rpc/migrations.get`, { method: 'POST', headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ collection: 'kb' }) });
        const { result } = (await res.json()) as { result: { state: string; outcome: string | null } };
        return result.state === 'rolled-back' ? result : undefined;
      }, 45_000);
      expect(m.outcome).toMatch(/Quality gate failed .*\(gate run \d+, schedule\)/);
    } finally {
      await serve.stop();
    }

    const status = await runCliProcess(['gate', 'status', 'kb'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/20 golden queries \(20 sampled\)/);
    expect(status.stdout).toMatch(/schedule .* failed .* rolled-back/);
    const history = await runCliProcess(['migrate', 'history', 'kb', '--json'], env);
    expect((JSON.parse(history.stdout) as Array<{ event: string }>).map((h) => h.event)).toEqual(['created', 'migration-started', 'rollout-refused', 'rollout', 'rolled-back']);

    const file = path.join(t.home, 'golden.jsonl');
    fs.writeFileSync(file, '{"query": "winter coat"}\nnot json\n');
    const imported = await runCliProcess(['gate', 'import', 'kb', file], env);
    expect(imported.code).toBe(1);
    expect(imported.stderr).toContain('golden.jsonl:2');
  }, 150_000);
});
