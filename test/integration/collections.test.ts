import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CollectionImportReportDTO } from '../../src/shared/contract';
import { documentText, importAndWait, useCollectionsHome, writeCorpus } from '../support/collections';
import { runCliProcess } from '../support/run-cli';
import { startServe } from '../support/serve-process';
import { openTestCore, testEnv } from '../support/temp-home';
import { waitFor } from '../support/wait-for';

const t = useCollectionsHome('mc-coll-');

const reportOf = (detail: Record<string, unknown> | null): CollectionImportReportDTO => (detail as { report: CollectionImportReportDTO }).report;

describe('collections: import', () => {
  it('imports .txt, .md, .csv (chosen column) and .jsonl (chosen field) from a folder, chunked by the model tokenizer, with metadata per chunk', async () => {
    const dir = path.join(t.home, 'docs');
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'a.txt'), documentText(1, 40));
    fs.writeFileSync(path.join(dir, 'sub', 'b.md'), `# Title\n\n${documentText(2, 8)}`);
    fs.writeFileSync(path.join(dir, 'c.csv'), 'id,body\n1,"The train to the airport leaves every hour, from the station."\n2,The hotel is near the airport.\n');
    fs.writeFileSync(path.join(dir, 'd.jsonl'), '{"doc":{"content":"The database backup runs every night."}}\n{"doc":{"content":"Coffee and tea for the meeting."}}\n');
    fs.writeFileSync(path.join(dir, 'ignored.bin'), 'x');
    const job = await importAndWait(t.core, { name: 'kb', paths: [dir], model: 'tiny', chunkSize: 48, textColumn: 'body', jsonField: 'doc.content' });
    expect(job.state).toBe('done');
    const report = reportOf(job.detail);
    expect(report.files.map((f) => [path.basename(f.path), f.outcome])).toEqual([
      ['c.csv', 'added'],
      ['d.jsonl', 'added'],
      ['a.txt', 'added'],
      ['ignored.bin', 'skipped'],
      ['b.md', 'added'],
    ].sort((x, y) => report.files.findIndex((f) => path.basename(f.path) === x[0]) - report.files.findIndex((f) => path.basename(f.path) === y[0])));
    const detail = await t.core.invoke('collections.get', { name: 'kb' });
    expect(detail.model).toBe('tiny');
    expect(detail.version).toBe('1.0.0');
    expect(detail.dimension).toBe(32);
    expect(detail.sources).toHaveLength(4);
    expect(detail.chunks).toBe(report.chunks);
    expect(detail.indexes).toEqual([expect.objectContaining({ model: 'tiny', version: '1.0.0', vectors: report.chunks, role: 'current' })]);
    // Chunks stay within the budget of the model's own tokenizer, and their offsets point into the document.
    const rows = t.core.db.prepare('SELECT c.text, c.tokens, c.start_offset AS s, c.end_offset AS e, c.line, src.path FROM collection_chunks c JOIN collection_sources src ON src.id = c.source_id').all() as Array<{ text: string; tokens: number; s: number; e: number; line: number | null; path: string }>;
    expect(rows.every((r) => r.tokens <= 48)).toBe(true);
    const a = rows.filter((r) => r.path.endsWith('a.txt'));
    expect(a.length).toBeGreaterThan(5);
    const aText = fs.readFileSync(path.join(dir, 'a.txt'), 'utf8');
    for (const r of a) expect(aText.slice(r.s, r.e)).toBe(r.text);
    expect(rows.filter((r) => r.path.endsWith('c.csv')).map((r) => r.line)).toEqual([2, 3]);
    // Every chunk is stamped with the model and version that embedded it.
    const meta = t.core.db.prepare("SELECT embedding_model, embedding_model_version, migration_history FROM document_metadata WHERE collection = 'kb'").all() as Array<Record<string, string>>;
    expect(meta).toHaveLength(report.chunks);
    expect(new Set(meta.map((m) => `${m.embedding_model}@${m.embedding_model_version}|${m.migration_history}`))).toEqual(new Set(['tiny@1.0.0|[]']));
  });

  it('detects a re-import by content hash, skips duplicates, and replaces a changed file', async () => {
    const dir = writeCorpus(path.join(t.home, 'c'), 3, 8);
    await importAndWait(t.core, { name: 'kb', paths: [dir], model: 'tiny' });
    const before = (await t.core.invoke('collections.get', { name: 'kb' })).chunks;
    const again = reportOf((await importAndWait(t.core, { name: 'kb', paths: [dir] })).detail);
    expect(again.files.map((f) => f.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(again.chunks).toBe(0);
    fs.copyFileSync(path.join(dir, 'doc-0000.txt'), path.join(t.home, 'copy.txt'));
    const dup = reportOf((await importAndWait(t.core, { name: 'kb', paths: [path.join(t.home, 'copy.txt')] })).detail);
    expect(dup.files[0]).toMatchObject({ outcome: 'duplicate', note: expect.stringContaining('doc-0000.txt') });
    fs.writeFileSync(path.join(dir, 'doc-0001.txt'), 'The weather forecast says snow. Take a warm coat.');
    const changed = reportOf((await importAndWait(t.core, { name: 'kb', paths: [dir] })).detail);
    expect(changed.files.map((f) => f.outcome)).toEqual(['unchanged', 'replaced', 'unchanged']);
    const after = await t.core.invoke('collections.get', { name: 'kb' });
    expect(after.sources).toHaveLength(3);
    expect(after.chunks).toBeLessThan(before);
    expect(after.indexes[0]!.vectors).toBe(after.chunks);
    expect(t.count("SELECT count(*) FROM document_metadata WHERE collection = 'kb'")).toBe(after.chunks);
    const hits = await t.core.invoke('collections.search', { collection: 'kb', query: 'snow and a warm coat', k: 1 });
    expect(hits.hits[0]!.source).toMatch(/doc-0001\.txt$/);
  });

  it('refuses a file with malformed lines as a whole (file:line named, nothing imported), or skips and reports them', async () => {
    const dir = path.join(t.home, 'bad');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'good.txt'), documentText(3, 6));
    fs.writeFileSync(path.join(dir, 'rows.jsonl'), '{"text":"The hotel is near the airport."}\n{"text": oops}\n{"text":"Coffee and tea."}\n{"title":"no text"}\n');
    const refused = await importAndWait(t.core, { name: 'strict', paths: [dir], model: 'tiny', onError: 'refuse' });
    expect(refused.state).toBe('failed');
    expect(refused.error?.code).toBe('IMPORT_REFUSED');
    expect(refused.error?.issues?.map((i) => i.path)).toEqual([`${path.join(dir, 'rows.jsonl')}:2`, `${path.join(dir, 'rows.jsonl')}:4`]);
    expect((await t.core.invoke('collections.list', {})).map((c) => c.name)).toEqual([]);
    expect(t.count('SELECT count(*) FROM collection_chunks')).toBe(0);

    const skipped = await importAndWait(t.core, { name: 'lenient', paths: [dir], model: 'tiny', onError: 'skip' });
    expect(skipped.state).toBe('done');
    const report = reportOf(skipped.detail);
    expect(report.skipped.map((s) => [path.basename(s.file), s.line])).toEqual([
      ['rows.jsonl', 2],
      ['rows.jsonl', 4],
    ]);
    expect(report.files.find((f) => f.path.endsWith('rows.jsonl'))).toMatchObject({ documents: 2, note: '2 malformed line(s)' });
  });

  it('leaves nothing behind when an import is cancelled mid-way, and an existing collection keeps what it had', async () => {
    await importAndWait(t.core, { name: 'kb', paths: [writeCorpus(path.join(t.home, 'small'), 1, 4)], model: 'tiny' });
    const had = (await t.core.invoke('collections.get', { name: 'kb' })).chunks;
    const big = writeCorpus(path.join(t.home, 'big'), 60, 40);
    const job = await t.core.invoke('collections.import', { name: 'kb', paths: [big], chunkSize: 16 });
    await waitFor(() => (t.core.jobStore.require(job.id).phase === 'embedding' ? true : undefined), 60_000);
    const cancelled = await t.core.invoke('jobs.cancel', { id: job.id });
    expect(cancelled.state).toBe('cancelled');
    const after = await t.core.invoke('collections.get', { name: 'kb' });
    expect(after.chunks).toBe(had);
    expect(after.sources).toHaveLength(1);
    expect(t.count('SELECT count(*) FROM collection_chunks')).toBe(had);
    expect(t.count('SELECT count(*) FROM collection_staging')).toBe(0);
  });

  it('refuses clearly: unknown model, folder not in the registry, chunk size beyond the model, missing path', async () => {
    await expect(t.core.invoke('collections.import', { name: 'x', paths: [t.home], model: 'nope' })).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    await expect(t.core.invoke('collections.import', { name: 'x', paths: [t.home], model: path.join(t.home, 'nowhere') })).rejects.toMatchObject({ code: 'MODEL_NOT_PRESENT' });
    await expect(t.core.invoke('collections.import', { name: 'x', paths: [t.home], model: 'tiny', chunkSize: 500 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('126 tokens'),
    });
    await expect(t.core.invoke('collections.import', { name: 'x', paths: [path.join(t.home, 'missing.txt')], model: 'tiny' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(t.core.invoke('collections.import', { name: 'Bad Name', paths: [t.home], model: 'tiny' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await t.core.invoke('collections.list', {})).toEqual([]);
  });
});

describe('collections: search', () => {
  it('returns the top k by cosine with text, source and score; a threshold leaves out weaker hits', async () => {
    await importAndWait(t.core, { name: 'kb', paths: [writeCorpus(path.join(t.home, 'c'), 6, 12)], model: 'tiny', chunkSize: 24 });
    const r = await t.core.invoke('collections.search', { collection: 'kb', query: 'reset my password', k: 5 });
    expect(r.served).toEqual({ model: 'tiny', version: '1.0.0', role: 'current', reason: 'no-migration' });
    expect(r.hits).toHaveLength(5);
    expect(r.hits[0]!.text.toLowerCase()).toContain('password');
    const scores = r.hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(r.hits[0]!.source).toMatch(/doc-\d+\.txt$/);
    const wide = (await t.core.invoke('collections.search', { collection: 'kb', query: 'reset my password', k: 30 })).hits.map((h) => h.score);
    const gap = wide.findIndex((s, i) => i + 1 < wide.length && s > wide[i + 1]! + 1e-4);
    expect(gap).toBeGreaterThanOrEqual(0);
    const cut = (wide[gap]! + wide[gap + 1]!) / 2;
    const filtered = await t.core.invoke('collections.search', { collection: 'kb', query: 'reset my password', k: 30, threshold: cut });
    expect(filtered.hits.length).toBe(gap + 1);
    expect(filtered.hits.every((h) => h.score >= cut)).toBe(true);
    await expect(t.core.invoke('collections.search', { collection: 'nope', query: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(t.core.invoke('collections.search', { collection: 'kb', query: 'x', route: 'candidate' })).rejects.toMatchObject({ code: 'MIGRATION_STATE' });
  });

  it('deletes a collection with its vectors and metadata', async () => {
    await importAndWait(t.core, { name: 'kb', paths: [writeCorpus(path.join(t.home, 'c'), 2, 8)], model: 'tiny' });
    const r = await t.core.invoke('collections.delete', { name: 'kb' });
    expect(r.chunks).toBeGreaterThan(0);
    expect(t.count("SELECT count(*) FROM sqlite_master WHERE name LIKE 'collection_vec_%'")).toBe(0);
    expect(t.count('SELECT count(*) FROM document_metadata')).toBe(0);
    expect(t.count('SELECT count(*) FROM collection_chunks')).toBe(0);
  });
});

describe('collections: CLI and HTTP', () => {
  it('imports, lists and searches through the CLI with --json and exit codes', async () => {
    await t.core.close();
    const env = testEnv(t.home);
    const dir = writeCorpus(path.join(t.home, 'c'), 3, 8);
    const imported = await runCliProcess(['collection', 'import', 'kb', dir, '--model', 'tiny', '--json'], env);
    expect(imported.code).toBe(0);
    expect((JSON.parse(imported.stdout) as CollectionImportReportDTO).files).toHaveLength(3);
    const list = await runCliProcess(['collection', 'list'], env);
    expect(list.stdout).toMatch(/kb\s+tiny@1\.0\.0\s+32\s+3/);
    const search = await runCliProcess(['collection', 'search', 'kb', 'salary', 'payment', '-k', '2', '--json'], env);
    expect(search.code).toBe(0);
    expect((JSON.parse(search.stdout) as { hits: unknown[] }).hits).toHaveLength(2);
    const bad = path.join(t.home, 'bad.csv');
    fs.writeFileSync(bad, 'text\n"ok"\n"broken\n');
    const refused = await runCliProcess(['collection', 'import', 'kb', bad], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${bad}:3: a quoted field is never closed`);
    expect((await runCliProcess(['collection', 'search', 'kb', 'x', '-k', '0'], env)).code).toBe(2);
    expect((await runCliProcess(['collection', 'delete', 'kb'], env)).code).toBe(2);
    expect((await runCliProcess(['collection', 'delete', 'kb', '--yes'], env)).code).toBe(0);
    t.core = openTestCore(t.home);
  }, 180_000);

  it('serves import (as a job), list and search over HTTP, with collection events on SSE', async () => {
    await t.core.close();
    const dir = writeCorpus(path.join(t.home, 'c'), 2, 8);
    const serve = await startServe(t.home, testEnv(t.home));
    try {
      const rpc = async (method: string, input: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
        const res = await fetch(`${serve.url}api/rpc/${method}`, { method: 'POST', headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
        const json = (await res.json()) as { result?: unknown; error?: unknown };
        return { status: res.status, body: (json.result ?? json) as Record<string, unknown> };
      };
      const events = await fetch(`${serve.url}api/events`, { headers: { authorization: `Bearer ${serve.token}` } });
      const reader = events.body!.getReader();
      let sse = '';
      const job = await rpc('collections.import', { name: 'kb', paths: [dir], model: 'tiny' });
      expect(job.status).toBe(200);
      for (let i = 0; i < 200 && !sse.includes('"action":"import"'); i++) sse += new TextDecoder().decode((await reader.read()).value);
      expect(sse).toContain('collection.changed');
      void reader.cancel();
      const list = await rpc('collections.list', {});
      expect((list.body as unknown as Array<{ name: string }>).map((c) => c.name)).toEqual(['kb']);
      const hits = await rpc('collections.search', { collection: 'kb', query: 'weather forecast', k: 3 });
      expect((hits.body as { hits: unknown[] }).hits).toHaveLength(3);
      const missing = await rpc('collections.search', { collection: 'nope', query: 'x' });
      expect(missing.status).toBe(404);
    } finally {
      await serve.stop();
    }
    t.core = openTestCore(t.home);
  }, 120_000);
});
