import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { IMPORT_EXTENSIONS, type CollectionImportReportDTO } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CoreServices } from '../core-services';
import type { EmbeddingService } from '../inference/embedding-service';
import { abortReason, type JobContext, type JobKind } from '../jobs/job-kind';
import { FINAL_STATES } from '../jobs/job-store';
import { stampChunks } from '../registry/document-metadata';
import { chunkText, type Chunk } from './chunker';
import { deleteCollection, deleteSources, liveIndexes, listIndexes, requireCollection, setIndexDimension, type CollectionRow, type IndexRow } from './collection-store';
import { refOf, resolveBinding, tokenizerOf } from './model-binding';
import { formatOf, readSource } from './source-readers';
import { createVectorTable, vectorTable } from './vector-store';

export const IMPORT_JOB = 'collection.import';

const Params = z.object({
  collection: z.string(),
  paths: z.array(z.string()),
  chunkSize: z.number().int().positive(),
  chunkOverlap: z.number().int().min(0),
  textColumn: z.string().optional(),
  jsonField: z.string().optional(),
  onError: z.enum(['skip', 'refuse']),
  /** This import created the collection: if it ends with nothing imported, the empty collection goes too. */
  createdCollection: z.boolean(),
});
type Params = z.infer<typeof Params>;

interface Checkpoint {
  phase: 'embed';
  report: CollectionImportReportDTO;
}

const BATCH = 256;
const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Files named, and the supported files found (recursively, sorted, hidden ones skipped) in folders named. */
function expandPaths(paths: string[], report: CollectionImportReportDTO): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        if (formatOf(p)) files.push(p);
        else report.files.push({ path: p, outcome: 'skipped', documents: 0, chunks: 0, note: `not a supported type (${IMPORT_EXTENSIONS.join(', ')})` });
      }
    }
  };
  for (const p of paths) {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st) throw new AppError('NOT_FOUND', `${p} does not exist.`);
    if (st.isDirectory()) walk(p);
    else files.push(p);
  }
  return [...new Set(files)];
}

interface PlannedSource {
  path: string;
  format: string;
  hash: string;
  bytes: number;
  documents: number;
  replaces: number | null;
  chunks: Array<Chunk & { line: number | null }>;
}

/** Phase 1: read, check and chunk every file; nothing is written. Malformed lines are collected with file and line. */
async function plan(ctx: JobContext<Params, Checkpoint>, services: CoreServices, embeddings: EmbeddingService, c: CollectionRow) {
  const { params, signal } = ctx;
  const report: CollectionImportReportDTO = { collection: c.name, files: [], chunks: 0, tokens: 0, skipped: [] };
  const counter = tokenizerOf((await resolveBinding(embeddings, refOf(c))).resolved);
  const files = expandPaths(params.paths, report);
  const optionsKey = JSON.stringify({ size: params.chunkSize, overlap: params.chunkOverlap, col: params.textColumn ?? null, field: params.jsonField ?? null });
  const planned: PlannedSource[] = [];
  const issues: CollectionImportReportDTO['skipped'] = [];
  const bySamePath = services.db.prepare("SELECT id, content_hash FROM collection_sources WHERE collection_id = ? AND path = ? AND state = 'ready'");
  const bySameHash = services.db.prepare("SELECT path FROM collection_sources WHERE collection_id = ? AND content_hash = ? AND state = 'ready'").pluck();
  const seenHashes = new Map<string, string>();
  for (const [n, file] of files.entries()) {
    if (signal.aborted) throw signal.reason;
    ctx.report({ phase: 'reading', progress: (n / files.length) * 10, message: `reading ${path.basename(file)} (${n + 1} of ${files.length})` });
    const bytes = await fs.promises.readFile(file);
    const hash = createHash('sha256').update(bytes).update(optionsKey).digest('hex');
    const same = bySamePath.get(c.id, file) as { id: number; content_hash: string } | undefined;
    const entry = { path: file, documents: 0, chunks: 0 };
    if (same?.content_hash === hash) {
      report.files.push({ ...entry, outcome: 'unchanged', note: 'same content as already imported' });
      continue;
    }
    const twin = (bySameHash.get(c.id, hash) as string | undefined) ?? seenHashes.get(hash);
    if (twin) {
      report.files.push({ ...entry, outcome: 'duplicate', note: `same content as ${twin}` });
      continue;
    }
    seenHashes.set(hash, file);
    const read = readSource(file, bytes, { textColumn: params.textColumn, jsonField: params.jsonField });
    if (read.fatal) {
      issues.push({ file, line: null, message: read.fatal });
      report.files.push({ ...entry, outcome: 'skipped', note: read.fatal });
      continue;
    }
    for (const i of read.issues) issues.push({ file, line: i.line, message: i.message });
    const chunks: PlannedSource['chunks'] = [];
    for (const [d, doc] of read.documents.entries()) {
      for (const ch of chunkText(doc.text, counter, { size: params.chunkSize, overlap: params.chunkOverlap })) chunks.push({ ...ch, line: doc.line });
      if (d % 200 === 199) {
        await yieldToLoop();
        if (signal.aborted) throw signal.reason;
      }
    }
    const notes = [read.issues.length ? `${read.issues.length} malformed line(s)` : '', read.empty ? `${read.empty} empty` : ''].filter(Boolean);
    planned.push({ path: file, format: read.format, hash, bytes: bytes.length, documents: read.documents.length, replaces: same?.id ?? null, chunks });
    report.files.push({ ...entry, outcome: same ? 'replaced' : 'added', documents: read.documents.length, chunks: chunks.length, note: notes.join(', ') || null });
    await yieldToLoop();
  }
  if (issues.length && params.onError === 'refuse') {
    const shown = issues.slice(0, 50);
    throw new AppError('IMPORT_REFUSED', `Nothing was imported: ${issues.length} malformed line(s) or file(s), first ${describeIssue(issues[0]!)}.`, {
      hint: 'Fix them, or import with --on-error skip to import everything else and get the list of what was left out.',
      issues: shown.map((i) => ({ path: i.line === null ? i.file : `${i.file}:${i.line}`, message: i.message })),
    });
  }
  report.skipped = issues;
  return { report, planned };
}

const describeIssue = (i: { file: string; line: number | null; message: string }): string => `${path.basename(i.file)}${i.line === null ? '' : `:${i.line}`}: ${i.message}`;

/** Writes planned sources as `pending` (invisible to search) with their chunks, and the checkpoint, at once. */
function writePending(ctx: JobContext<Params, Checkpoint>, services: CoreServices, c: CollectionRow, planned: PlannedSource[], report: CollectionImportReportDTO): void {
  const { db } = services;
  const now = new Date().toISOString();
  const insertSource = db.prepare(
    `INSERT INTO collection_sources (collection_id, path, format, content_hash, options, bytes, documents, chunks, tokens, state, job_id, replaces, imported_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
  );
  const insertChunk = db.prepare(
    'INSERT INTO collection_chunks (collection_id, source_id, ordinal, line, start_offset, end_offset, tokens, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const options = JSON.stringify({ chunkSize: ctx.params.chunkSize, chunkOverlap: ctx.params.chunkOverlap, textColumn: ctx.params.textColumn ?? null, jsonField: ctx.params.jsonField ?? null });
  db.transaction(() => {
    for (const s of planned) {
      const tokens = s.chunks.reduce((sum, ch) => sum + ch.tokens, 0);
      const sourceId = Number(insertSource.run(c.id, s.path, s.format, s.hash, options, s.bytes, s.documents, s.chunks.length, tokens, ctx.jobId, s.replaces, now).lastInsertRowid);
      s.chunks.forEach((ch, i) => insertChunk.run(c.id, sourceId, i, ch.line, ch.start, ch.end, ch.tokens, ch.text));
      report.chunks += s.chunks.length;
      report.tokens += tokens;
    }
    ctx.saveCheckpoint({ phase: 'embed', report });
  }).immediate();
}

/** Phase 2: vectors of the pending chunks for every live index, staged batch by batch (a checkpoint in itself). */
async function stage(ctx: JobContext<Params, Checkpoint>, services: CoreServices, embeddings: EmbeddingService, indexes: IndexRow[], total: number): Promise<void> {
  const { db } = services;
  const todo = db.prepare(
    `SELECT c.id, c.text FROM collection_chunks c JOIN collection_sources s ON s.id = c.source_id
      WHERE s.job_id = ? AND s.state = 'pending' AND c.id > ?
        AND NOT EXISTS (SELECT 1 FROM collection_staging st WHERE st.index_id = ? AND st.chunk_id = c.id)
      ORDER BY c.id LIMIT ?`,
  );
  const staged = db.prepare('SELECT count(*) FROM collection_staging WHERE job_id = ?').pluck();
  const put = db.prepare('INSERT OR IGNORE INTO collection_staging (job_id, index_id, chunk_id, vector) VALUES (?, ?, ?, ?)');
  const work = total * indexes.length;
  for (const index of indexes) {
    const model = (await resolveBinding(embeddings, refOf(index))).resolved;
    let cursor = 0;
    for (;;) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const rows = todo.all(ctx.jobId, cursor, index.id, BATCH) as Array<{ id: number; text: string }>;
      if (!rows.length) break;
      cursor = rows[rows.length - 1]!.id;
      const out = await embeddings.embedWith(model, rows.map((r) => r.text), { lane: 'bulk', cache: false });
      if (ctx.signal.aborted) throw ctx.signal.reason;
      db.transaction(() => {
        setIndexDimension(db, db.prepare('SELECT * FROM collection_indexes WHERE id = ?').get(index.id) as IndexRow, out.dimension);
        rows.forEach((r, i) => put.run(ctx.jobId, index.id, r.id, Buffer.from(out.vectors.buffer, out.vectors.byteOffset + i * out.dimension * 4, out.dimension * 4)));
      }).immediate();
      const done = Number(staged.get(ctx.jobId));
      ctx.report({ phase: 'embedding', progress: 10 + (done / Math.max(1, work)) * 88, message: `embedded ${done} of ${work} with ${refOf(index)}`, detail: { done, total: work } });
    }
  }
}

/**
 * Phase 3, one transaction: staged vectors move into the live indexes, replaced sources go, the new ones turn
 * ready and their chunks get their document metadata. Returns false when an index became live meanwhile (a
 * migration started): its vectors are staged first, then the commit is tried again.
 */
function commit(ctx: JobContext<Params, Checkpoint>, services: CoreServices, c: CollectionRow, staged: Set<number>): boolean {
  const { db } = services;
  return db.transaction(() => {
    const live = liveIndexes(db, c.id);
    if (live.some((i) => !staged.has(i.id))) return false;
    const pending = db.prepare("SELECT id, replaces FROM collection_sources WHERE job_id = ? AND state = 'pending'").all(ctx.jobId) as Array<{ id: number; replaces: number | null }>;
    const newChunks = db
      .prepare("SELECT c.id FROM collection_chunks c JOIN collection_sources s ON s.id = c.source_id WHERE s.job_id = ? AND s.state = 'pending' ORDER BY c.id")
      .pluck()
      .all(ctx.jobId) as number[];
    for (const index of live) {
      const row = db.prepare('SELECT * FROM collection_indexes WHERE id = ?').get(index.id) as IndexRow;
      if (row.dimension === null) continue;
      createVectorTable(db, row.id, row.dimension);
      const n = db.prepare(`INSERT INTO ${vectorTable(row.id)}(rowid, embedding) SELECT chunk_id, vector FROM collection_staging WHERE job_id = ? AND index_id = ?`).run(ctx.jobId, row.id).changes;
      db.prepare('UPDATE collection_indexes SET vectors = vectors + ? WHERE id = ?').run(n, row.id);
    }
    // Indexes nobody keeps up to date (kept after a rollback) now miss these chunks.
    if (newChunks.length) {
      for (const index of listIndexes(db, c.id)) if (!index.live) db.prepare('UPDATE collection_indexes SET complete = 0 WHERE id = ?').run(index.id);
    }
    db.prepare('DELETE FROM collection_staging WHERE job_id = ?').run(ctx.jobId);
    deleteSources(db, c, pending.flatMap((p) => (p.replaces === null ? [] : [p.replaces])));
    db.prepare("UPDATE collection_sources SET state = 'ready', imported_at = ? WHERE job_id = ? AND state = 'pending'").run(new Date().toISOString(), ctx.jobId);
    const now = new Date().toISOString();
    stampChunks(db, newChunks.map((id) => ({ collection: c.name, chunkId: String(id), embeddingModel: c.model, embeddingModelVersion: c.version, indexedAt: now })), now);
    db.prepare('UPDATE collections SET updated_at = ? WHERE id = ?').run(now, c.id);
    return true;
  }).immediate();
}

/** Removes what an import that will not finish left behind; the collection too if that import created it and it is empty. */
export function discardImport(services: CoreServices, jobId: number, collection: string, createdCollection: boolean): void {
  const { db } = services;
  db.transaction(() => {
    db.prepare('DELETE FROM collection_staging WHERE job_id = ?').run(jobId);
    db.prepare("DELETE FROM collection_sources WHERE job_id = ? AND state = 'pending'").run(jobId);
    const c = db.prepare('SELECT * FROM collections WHERE name = ?').get(collection) as CollectionRow | undefined;
    if (c && createdCollection) {
      const left = Number(db.prepare('SELECT count(*) FROM collection_sources WHERE collection_id = ?').pluck().get(c.id));
      if (left === 0) deleteCollection(db, c);
    }
  }).immediate();
}

/** Pending sources of imports that were cancelled or failed while no process ran them (another process cancelled a paused import). */
export function reconcileImports(services: CoreServices): void {
  const jobs = services.db.prepare("SELECT DISTINCT job_id FROM collection_sources WHERE state = 'pending'").pluck().all() as number[];
  for (const id of jobs) {
    const job = services.jobStore.get(id);
    if (job && !FINAL_STATES.includes(job.state)) continue;
    const params = Params.safeParse(job?.params);
    const c = services.db.prepare('SELECT c.name FROM collections c JOIN collection_sources s ON s.collection_id = c.id WHERE s.job_id = ? LIMIT 1').pluck().get(id) as string | undefined;
    if (c) discardImport(services, id, c, params.success && params.data.createdCollection);
  }
}

export function createImportJob(services: CoreServices, embeddings: EmbeddingService): JobKind<Params, Checkpoint, CollectionImportReportDTO> {
  return {
    kind: IMPORT_JOB,
    paramsSchema: Params,
    resumable: true,
    // Imports into one store are serialised: each sees what the previous one committed (re-imports, duplicates).
    concurrency: 1,
    title: (p) => `Import into ${p.collection} (${p.paths.length} path${p.paths.length === 1 ? '' : 's'})`,
    async run(ctx) {
      try {
        const c = requireCollection(services.db, ctx.params.collection);
        let report: CollectionImportReportDTO;
        if (ctx.checkpoint?.phase === 'embed') report = ctx.checkpoint.report;
        else {
          const planned = await plan(ctx, services, embeddings, c);
          report = planned.report;
          writePending(ctx, services, c, planned.planned, report);
        }
        const staged = new Set<number>();
        for (;;) {
          const live = liveIndexes(services.db, c.id).filter((i) => !staged.has(i.id));
          await stage(ctx, services, embeddings, live, report.chunks);
          for (const i of live) staged.add(i.id);
          ctx.report({ phase: 'committing', progress: 99, message: 'storing vectors' });
          if (commit(ctx, services, c, staged)) break;
        }
        services.bus.emit('collection.changed', { collection: c.name, action: 'import' });
        // The job's result is not part of its public row: the report travels in `detail` for the window and HTTP clients.
        ctx.report({
          progress: 100,
          message: `${report.chunks} chunk(s) from ${report.files.filter((f) => f.outcome === 'added' || f.outcome === 'replaced').length} file(s)${report.skipped.length ? `, ${report.skipped.length} malformed line(s) skipped` : ''}`,
          detail: { report },
        });
        return report;
      } catch (err) {
        const reason = abortReason(ctx.signal);
        if (reason !== 'pause' && reason !== 'shutdown') {
          discardImport(services, ctx.jobId, ctx.params.collection, ctx.params.createdCollection);
          services.bus.emit('collection.changed', { collection: ctx.params.collection, action: 'import-discarded' });
        }
        throw err;
      }
    },
  };
}

/** Import jobs of a collection that have not ended (to stop before the collection is deleted). */
export function importJobsOf(services: CoreServices, collection: string): number[] {
  return services.jobStore
    .list({ states: ['queued', 'running', 'paused', 'interrupted'], kind: IMPORT_JOB, limit: 1000 })
    .filter((j) => j.params.collection === collection)
    .map((j) => j.id);
}
