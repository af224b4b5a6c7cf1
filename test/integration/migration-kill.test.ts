import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importAndWait, useCollectionsHome, writeCorpus } from '../support/collections';
import { cosine } from '../support/embedding-models';
import { CLI } from '../support/run-cli';
import { openTestCore, testEnv } from '../support/temp-home';
import { waitFor } from '../support/wait-for';

const t = useCollectionsHome('mc-kill-');

describe('a migration killed mid-batch', () => {
  it('resumes from its checkpoint with no chunk lost or embedded twice', async () => {
    expect((await importAndWait(t.core, { name: 'kb', paths: [writeCorpus(path.join(t.home, 'c'), 60, 30)], model: 'tiny', chunkSize: 24 })).state).toBe('done');
    const chunks = (await t.core.invoke('collections.get', { name: 'kb' })).chunks;
    expect(chunks).toBeGreaterThan(800);
    expect((await t.core.invoke('inference.validate', { model: 'tiny@2.0.0' })).ok).toBe(true);
    await t.core.close();

    // The CLI runs the migration in its own process; this one only watches the database.
    const child = spawn(process.execPath, [CLI, 'migrate', 'kb', '--to', 'tiny@2.0.0', '--batch-size', '8'], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...testEnv(t.home) }, stdio: 'ignore' });
    const exited = new Promise((r) => child.on('close', r));
    t.core = openTestCore(t.home);
    const migration = await waitFor(() => t.core.db.prepare('SELECT id, job_id, to_index_id FROM collection_migrations').get() as { id: number; job_id: number | null; to_index_id: number } | undefined, 60_000);
    const vectors = (): number => Number(t.core.db.prepare('SELECT vectors FROM collection_indexes WHERE id = ?').pluck().get(migration.to_index_id) ?? 0);
    await waitFor(() => (vectors() >= chunks * 0.3 ? true : undefined), 60_000);
    child.kill('SIGKILL');
    await exited;
    const atKill = vectors();
    expect(atKill).toBeLessThan(chunks);
    await t.core.close();

    t.core = openTestCore(t.home);
    const found = await t.core.invoke('migrations.get', { collection: 'kb' });
    expect(found.state).toBe('interrupted');
    expect(found.done).toBe(atKill);
    const jobId = found.job!.id;
    const cp = t.core.jobStore.require(jobId).checkpoint as { cursor: number; embedded: number };
    // The checkpoint and the vectors committed together: the count written so far is exactly what is stored.
    expect(cp.embedded).toBe(atKill);
    const table = `collection_vec_${migration.to_index_id}`;
    expect(t.count(`SELECT count(*) FROM ${table}`)).toBe(atKill);
    expect(t.count(`SELECT count(*) FROM ${table} WHERE rowid > ?`, cp.cursor)).toBe(0);

    await t.core.invoke('migrations.resume', { collection: 'kb' });
    expect((await t.core.jobs.waitForSettled(jobId)).state).toBe('done');
    const done = await t.core.invoke('migrations.get', { collection: 'kb' });
    expect(done).toMatchObject({ state: 'ready', done: chunks, total: chunks });
    expect((t.core.jobStore.require(jobId).checkpoint as { embedded: number }).embedded).toBe(chunks);
    expect(t.count(`SELECT count(*) FROM ${table}`)).toBe(chunks);
    const ids = t.core.db.prepare('SELECT id FROM collection_chunks').pluck().all() as number[];
    const has = t.core.db.prepare(`SELECT 1 FROM ${table} WHERE rowid = ?`);
    expect(ids.filter((id) => has.get(BigInt(id)) === undefined)).toEqual([]);
    // Around the kill point each vector still belongs to its own chunk.
    const around = t.core.db
      .prepare('SELECT id, text FROM collection_chunks WHERE id BETWEEN ? AND ? ORDER BY id')
      .all(cp.cursor - 3, cp.cursor + 3) as Array<{ id: number; text: string }>;
    const fresh = await t.core.invoke('inference.embed', { model: 'tiny@2.0.0', texts: around.map((r) => r.text), cache: false });
    around.forEach((r, i) => {
      const blob = t.core.db.prepare(`SELECT embedding FROM ${table} WHERE rowid = ?`).pluck().get(BigInt(r.id)) as Buffer;
      const stored = new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
      expect(cosine(stored, fresh.results[0]!.vectors[i]!)).toBeGreaterThan(0.9999);
    });
  }, 240_000);
});
