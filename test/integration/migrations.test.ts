import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { queryBucket } from '../../src/main/core/migrations/rollout';
import type { MigrationDTO } from '../../src/shared/contract';
import { importAndWait, useCollectionsHome, writeCorpus } from '../support/collections';
import { cosine } from '../support/embedding-models';
import { runCliProcess } from '../support/run-cli';
import { openTestCore, testEnv } from '../support/temp-home';
import { waitFor } from '../support/wait-for';

const t = useCollectionsHome('mc-migr-');


/** A collection on tiny@1.0.0 (32-d) and a validated tiny@2.0.0 (64-d) to migrate to. */
async function prepared(files = 8, sentences = 12, name = 'kb'): Promise<number> {
  const job = await importAndWait(t.core, { name, paths: [writeCorpus(path.join(t.home, `corpus-${name}`), files, sentences)], model: 'tiny', chunkSize: 24 });
  expect(job.state).toBe('done');
  expect((await t.core.invoke('inference.validate', { model: 'tiny@2.0.0' })).ok).toBe(true);
  return (await t.core.invoke('collections.get', { name })).chunks;
}

async function migrated(collection = 'kb', batchSize = 32): Promise<MigrationDTO> {
  const { job } = await t.core.invoke('migrations.start', { collection, to: 'tiny@2.0.0', batchSize });
  expect((await t.core.jobs.waitForSettled(job.id)).state).toBe('done');
  return t.core.invoke('migrations.get', { collection });
}

/** B's stored vector of a chunk. */
function storedVector(migration: MigrationDTO, chunkId: number): Float32Array {
  const indexId = Number(t.core.db.prepare('SELECT to_index_id FROM collection_migrations WHERE id = ?').pluck().get(migration.id));
  const blob = t.core.db.prepare(`SELECT embedding FROM collection_vec_${indexId} WHERE rowid = ?`).pluck().get(BigInt(chunkId)) as Buffer;
  return new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
}

describe('migration dry-run', () => {
  it('refuses clearly when B is not downloaded or not validated, and estimates time from B’s stored benchmark', async () => {
    await importAndWait(t.core, { name: 'kb', paths: [writeCorpus(path.join(t.home, 'c'), 3, 8)], model: 'tiny' });
    await t.core.invoke('registry.registerVersion', { model: 'tiny', version: '3.0.0', status: 'staging', source: { kind: 'path', path: path.join(t.home, 'not-downloaded') } });
    const missing = await t.core.invoke('migrations.plan', { collection: 'kb', to: 'tiny@3.0.0' });
    expect(missing.ok).toBe(false);
    expect(missing.downloaded).toBe(false);
    expect(missing.checks.find((c) => c.name === 'downloaded')).toMatchObject({ ok: false, blocking: true, detail: expect.stringContaining('not-downloaded') });
    await expect(t.core.invoke('migrations.start', { collection: 'kb', to: 'tiny@3.0.0' })).rejects.toMatchObject({
      code: 'MIGRATION_REFUSED',
      issues: expect.arrayContaining([expect.objectContaining({ path: 'downloaded' }), expect.objectContaining({ path: 'validated' })]),
    });

    const unvalidated = await t.core.invoke('migrations.plan', { collection: 'kb', to: 'tiny@2.0.0' });
    expect(unvalidated).toMatchObject({ ok: false, downloaded: true, validated: false });
    expect(unvalidated.checks.find((c) => c.name === 'validated')!.detail).toContain('model-center validate tiny@2.0.0');
    expect(unvalidated.estimate).toMatchObject({ seconds: null, basis: expect.stringContaining('no benchmark yet') });

    await t.core.invoke('inference.validate', { model: 'tiny@2.0.0' });
    await t.core.invoke('registry.recordMetrics', { model: 'tiny', version: '2.0.0', metrics: { throughput_b8: 100 }, source: 'bench' });
    const fromB8 = await t.core.invoke('migrations.plan', { collection: 'kb', to: 'tiny@2.0.0' });
    expect(fromB8.ok).toBe(true);
    expect(fromB8.estimate.basis).toContain('throughput_b8');
    await t.core.invoke('registry.recordMetrics', { model: 'tiny', version: '2.0.0', metrics: { throughput_b32: 400, latency_p50_ms: 3 }, source: 'bench' });
    const plan = await t.core.invoke('migrations.plan', { collection: 'kb', to: 'tiny@2.0.0' });
    expect(plan.estimate.chunksPerSecond).toBe(400);
    expect(plan.estimate.seconds).toBeCloseTo(plan.chunks / 400);
    expect(plan.to).toMatchObject({ dimension: 64, maxSeqLength: 128 });
    expect(plan.from.dimension).toBe(32);
    expect(plan.tokens).toBeGreaterThan(plan.chunks * 3);
    expect(plan.tokenSample).toBe(plan.chunks);
    expect(plan.disk.extraBytes).toBeGreaterThanOrEqual(plan.chunks * 64 * 4);

    const same = await t.core.invoke('migrations.plan', { collection: 'kb', to: 'tiny@1.0.0' });
    expect(same.checks.find((c) => c.name === 'different version')!.ok).toBe(false);
    await expect(t.core.invoke('migrations.plan', { collection: 'kb', to: 'tiny@9.0.0' })).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    await expect(t.core.invoke('migrations.plan', { collection: 'kb', to: 'tiny' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('re-embedding migration', () => {
  it('fills B on the BULK lane while A keeps answering searches, then holds B’s own vectors for every chunk', async () => {
    const chunks = await prepared(30, 16);
    const { job } = await t.core.invoke('migrations.start', { collection: 'kb', to: 'tiny@2.0.0', batchSize: 8 });
    let searchesDuring = 0;
    while (['queued', 'running'].includes(t.core.jobStore.require(job.id).state)) {
      const r = await t.core.invoke('collections.search', { collection: 'kb', query: 'the train to the airport', k: 3 });
      expect(r.served).toMatchObject({ version: '1.0.0', role: 'current', reason: 'rollout' });
      expect(r.hits).toHaveLength(3);
      searchesDuring++;
    }
    expect(searchesDuring).toBeGreaterThan(0);
    const m = await t.core.invoke('migrations.get', { collection: 'kb' });
    expect(m).toMatchObject({ state: 'ready', done: chunks, total: chunks, from: { dimension: 32 }, to: { model: 'tiny', version: '2.0.0', dimension: 64 } });
    expect(m.samples.length).toBeGreaterThanOrEqual(2);
    expect(m.samples.at(-1)!.done).toBe(chunks);
    expect(m.routeCounts.current).toBe(searchesDuring);
    expect((t.core.jobStore.require(job.id).checkpoint as { embedded: number }).embedded).toBe(chunks);
    const detail = await t.core.invoke('collections.get', { name: 'kb' });
    expect(detail.version).toBe('1.0.0');
    expect(detail.indexes.map((i) => [i.version, i.role, i.vectors, i.dimension])).toEqual([
      ['1.0.0', 'current', chunks, 32],
      ['2.0.0', 'candidate', chunks, 64],
    ]);
    // Each stored vector is B's embedding of that chunk's text (no batch landed on the wrong rows).
    const sample = t.core.db.prepare('SELECT id, text FROM collection_chunks ORDER BY random() LIMIT 5').all() as Array<{ id: number; text: string }>;
    const fresh = await t.core.invoke('inference.embed', { model: 'tiny@2.0.0', texts: sample.map((s) => s.text), cache: false });
    sample.forEach((s, i) => expect(cosine(storedVector(m, s.id), fresh.results[0]!.vectors[i]!)).toBeGreaterThan(0.9999));
    // Chunk metadata still names A until B becomes current.
    expect(t.count("SELECT count(*) FROM document_metadata WHERE collection = 'kb' AND embedding_model_version = '1.0.0'")).toBe(chunks);
  });

  it('pauses and resumes from its checkpoint; cancel deletes B’s partial vectors and A keeps serving', async () => {
    const chunks = await prepared(30, 16);
    const { job } = await t.core.invoke('migrations.start', { collection: 'kb', to: 'tiny@2.0.0', batchSize: 4 });
    await waitFor(() => ((t.core.jobStore.require(job.id).checkpoint as { cursor?: number } | null)?.cursor ? true : undefined), 30_000);
    const paused = await t.core.invoke('migrations.pause', { collection: 'kb' });
    expect(paused.state).toBe('paused');
    expect(paused.done).toBeGreaterThan(0);
    expect(paused.done).toBeLessThan(chunks);
    const resumed = await t.core.invoke('migrations.resume', { collection: 'kb' });
    expect(['embedding', 'ready']).toContain(resumed.state);
    await t.core.jobs.waitForSettled(job.id);
    expect((await t.core.invoke('migrations.get', { collection: 'kb' })).state).toBe('ready');
    expect((t.core.jobStore.require(job.id).checkpoint as { embedded: number }).embedded).toBe(chunks);
    await t.core.invoke('migrations.rollback', { collection: 'kb', deleteVectors: true });

    const second = await t.core.invoke('migrations.start', { collection: 'kb', to: 'tiny@2.0.0', batchSize: 4 });
    await waitFor(() => ((t.core.jobStore.require(second.job.id).checkpoint as { cursor?: number } | null)?.cursor ? true : undefined), 30_000);
    const cancelled = await t.core.invoke('migrations.cancel', { collection: 'kb' });
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.outcome).toMatch(/deleted/);
    expect((await t.core.invoke('collections.get', { name: 'kb' })).indexes.map((i) => i.version)).toEqual(['1.0.0']);
    expect(t.count("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'collection\\_vec\\_%' ESCAPE '\\' AND sql LIKE '%vec0%'")).toBe(1);
    const r = await t.core.invoke('collections.search', { collection: 'kb', query: 'salary', k: 2 });
    expect(r.served).toMatchObject({ version: '1.0.0', reason: 'no-migration' });
    await expect(t.core.invoke('migrations.pause', { collection: 'kb' })).rejects.toMatchObject({ code: 'MIGRATION_STATE' });
  });

  it('compares A and B, shadows searches, routes a deterministic share to B with counts, then finalizes with a history entry per chunk', async () => {
    const chunks = await prepared(6, 12);
    await migrated();
    const report = await t.core.invoke('migrations.compare', { collection: 'kb', sample: 8, k: 5 });
    expect(report.querySource).toBe('sampled');
    expect(report.queries).toHaveLength(8);
    for (const q of report.queries) {
      expect(q.a).toHaveLength(5);
      expect(q.b).toHaveLength(5);
      expect(q.overlap).toBeGreaterThanOrEqual(0);
      expect(q.overlap).toBeLessThanOrEqual(1);
    }
    expect(report.summary.hitAt1A).not.toBeNull();
    expect(report.summary.mrrB).toBeGreaterThan(0);
    const given = await t.core.invoke('migrations.compare', { collection: 'kb', queries: ['reset my password', 'weather tomorrow'], k: 3 });
    expect(given).toMatchObject({ querySource: 'given', summary: { queries: 2, hitAt1A: null } });
    expect((await t.core.invoke('migrations.get', { collection: 'kb' })).compare?.querySource).toBe('given');

    await t.core.invoke('migrations.setRollout', { collection: 'kb', percent: 50 });
    const queries = Array.from({ length: 40 }, (_, i) => `salary question ${i}`);
    const expected = { current: 0, candidate: 0 };
    for (const q of queries) {
      const r = await t.core.invoke('collections.search', { collection: 'kb', query: q, k: 3 });
      const role = queryBucket(q) < 50 ? 'candidate' : 'current';
      expect(r.served.role).toBe(role);
      expect(r.served.version).toBe(role === 'candidate' ? '2.0.0' : '1.0.0');
      expect(r.bucket).toBe(queryBucket(q));
      expected[role]++;
      // The same query, however it is spaced or cased, lands on the same version.
      expect((await t.core.invoke('collections.search', { collection: 'kb', query: `  ${q.toUpperCase()} `, k: 3 })).served.role).toBe(role);
      expected[role]++;
    }
    expect(expected.current).toBeGreaterThan(10);
    expect(expected.candidate).toBeGreaterThan(10);
    expect((await t.core.invoke('migrations.get', { collection: 'kb' })).routeCounts).toEqual(expected);
    // Forcing a version (the playground's A/B switch) does not count as routed traffic.
    expect((await t.core.invoke('collections.search', { collection: 'kb', query: 'x', route: 'candidate' })).served).toMatchObject({ role: 'candidate', reason: 'forced' });

    await t.core.invoke('migrations.setShadow', { collection: 'kb', enabled: true });
    await t.core.invoke('collections.search', { collection: 'kb', query: 'the hotel near the airport', k: 4 });
    await waitFor(() => (t.count('SELECT count(*) FROM collection_shadow_log') > 0 ? true : undefined));
    const withShadow = await t.core.invoke('migrations.get', { collection: 'kb' });
    expect(withShadow.shadow).toBe(true);
    expect(withShadow.shadowStats.queries).toBe(1);
    expect(withShadow.shadowStats.recent[0]).toMatchObject({ query: 'the hotel near the airport' });

    await expect(t.core.invoke('migrations.finalize', { collection: 'kb' })).rejects.toMatchObject({ code: 'INVALID_INPUT', hint: expect.stringContaining('--yes') });
    const final = await t.core.invoke('migrations.finalize', { collection: 'kb', confirm: true });
    expect(final).toMatchObject({ state: 'finalized', rolloutPercent: 100 });
    const detail = await t.core.invoke('collections.get', { name: 'kb' });
    expect(detail).toMatchObject({ model: 'tiny', version: '2.0.0', dimension: 64, migration: null });
    expect(detail.indexes.map((i) => [i.version, i.role])).toEqual([['2.0.0', 'current']]);
    const meta = t.core.db.prepare("SELECT embedding_model_version AS v, migration_history AS h FROM document_metadata WHERE collection = 'kb'").all() as Array<{ v: string; h: string }>;
    expect(meta).toHaveLength(chunks);
    for (const row of meta) {
      expect(row.v).toBe('2.0.0');
      expect(JSON.parse(row.h)).toEqual([expect.objectContaining({ from_version: '1.0.0', to_version: '2.0.0', from_model: 'tiny', to_model: 'tiny', kind: 'reembed', migration_id: final.id })]);
    }
    const after = await t.core.invoke('collections.search', { collection: 'kb', query: 'salary question 1', k: 2 });
    expect(after.served).toEqual({ model: 'tiny', version: '2.0.0', role: 'current', reason: 'no-migration' });
    // The registry's own current version is the registry's business: unchanged.
    expect((await t.core.invoke('registry.getModel', { model: 'tiny' })).currentVersion).toBe('1.0.0');
  });

  it('rolls back at once: A serves 100 %, B’s vectors kept (a new migration reuses them) or deleted; a running job is stopped', async () => {
    const chunks = await prepared(6, 12);
    await migrated();
    await t.core.invoke('migrations.setRollout', { collection: 'kb', percent: 100 });
    expect((await t.core.invoke('collections.search', { collection: 'kb', query: 'coffee', k: 1 })).served.role).toBe('candidate');
    const back = await t.core.invoke('migrations.rollback', { collection: 'kb' });
    expect(back).toMatchObject({ state: 'rolled-back', rolloutPercent: 0, outcome: expect.stringContaining('kept') });
    expect((await t.core.invoke('collections.search', { collection: 'kb', query: 'coffee', k: 1 })).served).toMatchObject({ version: '1.0.0', reason: 'no-migration' });
    expect((await t.core.invoke('collections.get', { name: 'kb' })).indexes.map((i) => [i.version, i.role, i.vectors])).toEqual([
      ['1.0.0', 'current', chunks],
      ['2.0.0', 'kept', chunks],
    ]);
    // Migrating to B again continues from the kept vectors: nothing is embedded twice.
    const again = await t.core.invoke('migrations.start', { collection: 'kb', to: 'tiny@2.0.0' });
    await t.core.jobs.waitForSettled(again.job.id);
    expect((t.core.jobStore.require(again.job.id).checkpoint as { embedded: number }).embedded).toBe(0);
    expect((await t.core.invoke('migrations.get', { collection: 'kb' })).state).toBe('ready');
    await t.core.invoke('migrations.rollback', { collection: 'kb', deleteVectors: true });
    expect((await t.core.invoke('collections.get', { name: 'kb' })).indexes.map((i) => i.version)).toEqual(['1.0.0']);

    // A bigger collection, so that the job is still running when the rollback comes.
    await prepared(30, 16, 'big');
    const running = await t.core.invoke('migrations.start', { collection: 'big', to: 'tiny@2.0.0', batchSize: 2 });
    await waitFor(() => ((t.core.jobStore.require(running.job.id).checkpoint as { cursor?: number } | null)?.cursor ? true : undefined), 30_000);
    const stopped = await t.core.invoke('migrations.rollback', { collection: 'big' });
    expect(stopped.state).toBe('rolled-back');
    const job = await t.core.jobs.waitForSettled(running.job.id);
    expect(job.state).toBe('cancelled');
    const kept = (await t.core.invoke('collections.get', { name: 'big' })).indexes.find((i) => i.version === '2.0.0');
    expect(kept?.role).toBe('kept');
    expect(kept?.vectors).toBeLessThan(stopped.total);
    await expect(t.core.invoke('migrations.rollback', { collection: 'big' })).rejects.toMatchObject({ code: 'MIGRATION_STATE' });
  });

  it('embeds nothing twice when an import lands while the job is paused: the import brings B’s vectors, the job skips them', async () => {
    const chunks = await prepared(30, 16);
    const { job } = await t.core.invoke('migrations.start', { collection: 'kb', to: 'tiny@2.0.0', batchSize: 4 });
    await waitFor(() => ((t.core.jobStore.require(job.id).checkpoint as { cursor?: number } | null)?.cursor ? true : undefined), 30_000);
    await t.core.invoke('migrations.pause', { collection: 'kb' });
    const more = await importAndWait(t.core, { name: 'kb', paths: [writeCorpus(path.join(t.home, 'more'), 3, 12, 200)] });
    expect(more.state).toBe('done');
    const added = (await t.core.invoke('collections.get', { name: 'kb' })).chunks - chunks;
    expect(added).toBeGreaterThan(0);
    await t.core.invoke('migrations.resume', { collection: 'kb' });
    expect((await t.core.jobs.waitForSettled(job.id)).state).toBe('done');
    const m = await t.core.invoke('migrations.get', { collection: 'kb' });
    expect(m).toMatchObject({ state: 'ready', done: chunks + added, total: chunks + added });
    expect((t.core.jobStore.require(job.id).checkpoint as { embedded: number }).embedded).toBe(chunks);
  });

  it('keeps B complete when documents are imported during the migration, and refuses a second migration', async () => {
    const chunks = await prepared(6, 12);
    await migrated();
    await expect(t.core.invoke('migrations.start', { collection: 'kb', to: 'tiny@2.0.0' })).rejects.toMatchObject({ code: 'MIGRATION_REFUSED' });
    const more = await importAndWait(t.core, { name: 'kb', paths: [writeCorpus(path.join(t.home, 'more'), 2, 12, 100)] });
    expect(more.state).toBe('done');
    const detail = await t.core.invoke('collections.get', { name: 'kb' });
    expect(detail.chunks).toBeGreaterThan(chunks);
    expect(detail.indexes.map((i) => i.vectors)).toEqual([detail.chunks, detail.chunks]);
    expect((await t.core.invoke('migrations.get', { collection: 'kb' })).total).toBe(detail.chunks);
  });
});

describe('migrations: CLI', () => {
  it('dry-run exits 1 when refused; migrate, status, rollout and finalize by CLI; rollback picks the collection or the model, refusing when ambiguous', async () => {
    await prepared(3, 8);
    await t.core.close();
    const env = testEnv(t.home);
    const dry = await runCliProcess(['migrate', 'kb', '--to', 'tiny@1.0.0', '--dry-run'], env);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toMatch(/FAIL\s+different version/);
    const run = await runCliProcess(['migrate', 'kb', '--to', 'tiny@2.0.0', '--json'], env);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as MigrationDTO).state).toBe('ready');
    const status = await runCliProcess(['migrate', 'status', 'kb'], env);
    expect(status.stdout).toMatch(/ready · (\d+) of \1 chunks/);
    expect((await runCliProcess(['rollout', 'kb', '10%'], env)).stdout).toContain('rollout 10 % to B');
    expect((await runCliProcess(['rollout', 'kb', '150'], env)).code).toBe(2);

    // A collection named like a model: `rollback tiny` must not guess.
    t.core = openTestCore(t.home);
    await importAndWait(t.core, { name: 'tiny', paths: [writeCorpus(path.join(t.home, 'c2'), 1, 4)], model: 'tiny' });
    const started = await t.core.invoke('migrations.start', { collection: 'tiny', to: 'tiny@2.0.0' });
    await t.core.jobs.waitForSettled(started.job.id);
    await t.core.close();
    const ambiguous = await runCliProcess(['rollback', 'tiny'], env);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/both a registry model and a collection[\s\S]*--collection/);
    const viaCollection = await runCliProcess(['rollback', 'tiny', '--collection', '--json'], env);
    expect(viaCollection.code).toBe(0);
    expect((JSON.parse(viaCollection.stdout) as MigrationDTO).state).toBe('rolled-back');
    const collectionOnly = await runCliProcess(['rollback', 'kb'], env);
    expect(collectionOnly.code).toBe(0);
    expect(collectionOnly.stdout).toMatch(/Rolled back: tiny@1\.0\.0 serves "kb"/);
    const modelRollback = await runCliProcess(['rollback', 'tiny', '--model'], env);
    expect(modelRollback.code).toBe(1);
    expect(modelRollback.stderr).toMatch(/no previous current version/);
    t.core = openTestCore(t.home);
  }, 180_000);
});
