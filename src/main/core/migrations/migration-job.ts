import { z } from 'zod';
import { AppError, ERROR_CODES, toErrorDTO } from '../../../shared/errors';
import { deleteIndex, getIndex, readyChunkCount, setIndexDimension, type IndexRow } from '../collections/collection-store';
import { resolveBinding } from '../collections/model-binding';
import { createVectorTable, hasVector, insertVectors, vectorTableExists } from '../collections/vector-store';
import type { CoreServices } from '../core-services';
import type { EmbeddedBatch, EmbeddingService } from '../inference/embedding-service';
import type { ResolvedModel } from '../inference/model-resolver';
import { abortableSleep } from '../jobs/abortable-sleep';
import { abortReason, type JobContext, type JobKind } from '../jobs/job-kind';
import { addError, getMigration, MIGRATION_JOB, patchMigration, type MigrationRow } from './migration-store';

const Params = z.object({
  migrationId: z.number().int().positive(),
  collection: z.string(),
  /** Chunks per write transaction (and per request to the BULK lane). */
  batchSize: z.number().int().min(1).max(1024),
});
type Params = z.infer<typeof Params>;

/** Everything up to `cursor` (a chunk id) has B's vector; `embedded` counts the vectors this migration wrote. */
interface Checkpoint {
  cursor: number;
  embedded: number;
  truncated: number;
}

const SAMPLE_MS = 1000;
/** Chunks stored per transaction (each with its checkpoint). */
const STORE_SLICE = 64;
const RETRIES = 3;

interface Batch {
  rows: Array<{ id: number; text: string }>;
  /** The rows B has no vector for yet (an import, or an earlier attempt, may have written some). */
  todo: Array<{ id: number; text: string }>;
  result: Promise<EmbeddedBatch | null>;
}

/** Throughput over the last samples, smoothed so one slow batch does not swing the ETA. */
class Pace {
  private last: { at: number; done: number } | null = null;
  rate: number | null = null;
  sample(done: number, now = performance.now()): boolean {
    if (!this.last) {
      this.last = { at: now, done };
      return true;
    }
    const dt = (now - this.last.at) / 1000;
    if (dt * 1000 < SAMPLE_MS) return false;
    const r = (done - this.last.done) / dt;
    this.rate = this.rate === null ? r : 0.7 * this.rate + 0.3 * r;
    this.last = { at: now, done };
    return true;
  }
}

export function createMigrationJob(services: CoreServices, embeddings: EmbeddingService): JobKind<Params, Checkpoint, { embedded: number; total: number }> {
  const { db } = services;

  const embedWithRetry = async (ctx: JobContext<Params, Checkpoint>, model: ResolvedModel, texts: string[]): Promise<EmbeddedBatch> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await embeddings.embedWith(model, texts, { lane: 'bulk', cache: false, batchSize: 32 });
      } catch (err) {
        const e = toErrorDTO(err);
        addError(db, ctx.params.migrationId, `${e.code}: ${e.message}${attempt < RETRIES && e.retryable ? ` (attempt ${attempt} of ${RETRIES}, retrying)` : ''}`);
        if (!e.retryable || attempt >= RETRIES || ctx.signal.aborted) throw err;
        await abortableSleep(1000 * 2 ** (attempt - 1), ctx.signal);
      }
    }
  };

  /** One pass over the ready chunks after `from`, two batches in flight: B embeds the next while this one is stored. */
  const pass = async (ctx: JobContext<Params, Checkpoint>, m: MigrationRow, model: ResolvedModel, cp: Checkpoint, pace: Pace, sweep: boolean): Promise<Checkpoint> => {
    const rowsAfter = db.prepare(
      `SELECT c.id, c.text FROM collection_chunks c JOIN collection_sources s ON s.id = c.source_id
        WHERE c.collection_id = ? AND s.state = 'ready' AND c.id > ? ORDER BY c.id LIMIT ?`,
    );
    // Main-thread time spent reading chunks and storing vectors: the migration's own cost over bare embedding.
    let storeMs = 0;
    const launch = (after: number): Batch => {
      const t0 = performance.now();
      const rows = rowsAfter.all(m.collection_id, after, ctx.params.batchSize) as Batch['rows'];
      const index = getIndex(db, m.to_index_id);
      // Vectors past the cursor exist only in a reused index or from an import: look them up only then (the
      // write checks again in its transaction, so a guess here can only cost an embedding, never a duplicate).
      const foreign = index !== undefined && (sweep || index.vectors !== cp.embedded) && vectorTableExists(db, index.id);
      const todo = foreign ? rows.filter((r) => !hasVector(db, index.id, r.id)) : rows;
      storeMs += performance.now() - t0;
      const result = todo.length ? embedWithRetry(ctx, model, todo.map((r) => r.text)) : Promise.resolve(null);
      result.catch(() => undefined); // awaited below, or dropped on pause/cancel
      return { rows, todo, result };
    };
    let total = readyChunkCount(db, m.collection_id);
    let next = launch(cp.cursor);
    let batches = 0;
    while (next.rows.length) {
      const batch = next;
      next = launch(batch.rows[batch.rows.length - 1]!.id);
      const out = await batch.result;
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const still = getMigration(db, m.id);
      if (!still || still.state !== 'active') {
        // Rolled back from another process: its cancel reaches this job with the next heartbeat; end as cancelled then.
        await abortableSleep(3000, ctx.signal);
        throw new AppError('CANCELLED', 'The migration was rolled back or cancelled.');
      }
      if (++batches % 50 === 0) total = readyChunkCount(db, m.collection_id);
      // Stored in slices, each with its checkpoint in one transaction, yielding between them: the inference
      // workers get their next micro-batch from this thread, so one long write would leave them idle.
      const slot = new Map(batch.todo.map((r, i) => [r.id, i]));
      for (let from = 0; from < batch.rows.length; from += STORE_SLICE) {
        if (from > 0) {
          await new Promise((r) => setImmediate(r));
          if (ctx.signal.aborted) throw ctx.signal.reason;
        }
        const slice = batch.rows.slice(from, from + STORE_SLICE);
        const ids = slice.flatMap((r) => (slot.has(r.id) ? [r.id] : []));
        const first = ids.length ? slot.get(ids[0]!)! : 0;
        const t0 = performance.now();
        cp = db.transaction((): Checkpoint => {
          let inserted = 0;
          let truncated = 0;
          if (out && ids.length) {
            const index = getIndex(db, m.to_index_id) as IndexRow;
            setIndexDimension(db, index, out.dimension);
            createVectorTable(db, index.id, out.dimension);
            inserted = insertVectors(db, index.id, ids, out.vectors.subarray(first * out.dimension, (first + ids.length) * out.dimension), out.dimension);
            db.prepare('UPDATE collection_indexes SET vectors = vectors + ? WHERE id = ?').run(inserted, index.id);
            truncated = out.truncated.filter((i) => i >= first && i < first + ids.length).length;
          }
          const saved = { cursor: slice[slice.length - 1]!.id, embedded: cp.embedded + inserted, truncated: cp.truncated + truncated };
          // The vectors and the checkpoint commit together: a kill before this line loses the slice, after it nothing.
          ctx.saveCheckpoint(saved);
          const done = getIndex(db, m.to_index_id)?.vectors ?? 0;
          patchMigration(db, m.id, { done, total, truncated: saved.truncated });
          if (pace.sample(done)) addSample(m.id, done, pace.rate ?? 0);
          return saved;
        }).immediate();
        storeMs += performance.now() - t0;
      }
      const done = getIndex(db, m.to_index_id)?.vectors ?? 0;
      const eta = pace.rate && pace.rate > 0 ? Math.max(0, total - done) / pace.rate : null;
      ctx.report({
        phase: 'embedding',
        progress: total ? Math.min(99.9, (done / total) * 100) : 0,
        message: `${done} of ${total} chunks${pace.rate ? ` · ${pace.rate.toFixed(0)}/s` : ''}${eta !== null ? ` · ${Math.ceil(eta)} s left` : ''}`,
        detail: { migrationId: m.id, collection: ctx.params.collection, done, total, rate: pace.rate, etaSeconds: eta, truncated: cp.truncated, errors: errorCount(m.id), storeMs: Math.round(storeMs) },
      });
    }
    return cp;
  };

  const addSample = (id: number, done: number, rate: number): void => {
    db.prepare('INSERT INTO collection_migration_samples (migration_id, at, done, rate) VALUES (?, ?, ?, ?)').run(id, new Date().toISOString(), done, rate);
  };

  const errorCount = (id: number): number => (JSON.parse(getMigration(db, id)?.errors ?? '[]') as unknown[]).length;

  return {
    kind: MIGRATION_JOB,
    paramsSchema: Params,
    resumable: true,
    // Migrations share the BULK lane; one at a time gets the machine's whole throughput.
    concurrency: 1,
    title: (p) => `Re-embed ${p.collection}`,
    async run(ctx) {
      const m = getMigration(db, ctx.params.migrationId);
      if (!m || m.state !== 'active') throw new AppError('MIGRATION_STATE', `Migration ${ctx.params.migrationId} is ${m?.state ?? 'gone'}; there is nothing to embed.`);
      try {
        const model = (await resolveBinding(embeddings, `${m.to_model}@${m.to_version}`)).resolved;
        let cp: Checkpoint = ctx.checkpoint ?? { cursor: 0, embedded: 0, truncated: 0 };
        const pace = new Pace();
        pace.sample(getIndex(db, m.to_index_id)?.vectors ?? 0);
        addSample(m.id, getIndex(db, m.to_index_id)?.vectors ?? 0, 0);
        // A pass, then a check that B has every ready chunk (an import may have landed behind the cursor); sweep again if not.
        for (let sweep = 0; ; sweep++) {
          cp = await pass(ctx, m, model, cp, pace, sweep > 0);
          const complete = db.transaction(() => {
            const total = readyChunkCount(db, m.collection_id);
            const index = getIndex(db, m.to_index_id);
            if (!index || index.vectors < total) return false;
            const now = new Date().toISOString();
            db.prepare('UPDATE collection_indexes SET complete = 1 WHERE id = ?').run(index.id);
            patchMigration(db, m.id, { state: 'ready', done: index.vectors, total, to_dimension: index.dimension, embedded_at: now, truncated: cp.truncated });
            addSample(m.id, index.vectors, pace.rate ?? 0);
            return true;
          }).immediate();
          if (complete) break;
          if (sweep >= 3) throw new AppError('INTERNAL', 'Chunks keep arriving faster than the migration can embed them; resume it when imports are done.');
          cp = { ...cp, cursor: 0 };
        }
        services.bus.emit('migration.changed', { collection: ctx.params.collection, migrationId: m.id, action: 'ready' });
        return { embedded: cp.embedded, total: readyChunkCount(db, m.collection_id) };
      } catch (err) {
        const reason = abortReason(ctx.signal);
        if (reason === 'pause' || reason === 'shutdown') {
          // The chart shows where it stopped; it starts again from the same count on resume.
          addSample(m.id, getIndex(db, m.to_index_id)?.vectors ?? 0, 0);
          throw err;
        }
        // Cancelled: B's partial vectors go. Failed: they stay (live = 0) for the next attempt. A rollback settles the row itself.
        db.transaction(() => {
          const now = getMigration(db, m.id);
          if (!now || now.state !== 'active') return;
          if (reason === 'cancel') {
            deleteIndex(db, m.to_index_id);
            patchMigration(db, m.id, { state: 'cancelled', finished_at: new Date().toISOString(), outcome: "Cancelled: B's partial vectors were deleted; A kept serving." });
          } else {
            const e = toErrorDTO(err);
            db.prepare('UPDATE collection_indexes SET live = 0 WHERE id = ?').run(m.to_index_id);
            patchMigration(db, m.id, {
              state: 'failed',
              finished_at: new Date().toISOString(),
              outcome: `Failed: ${e.message}. B's vectors so far are kept; migrating again continues from them.`,
            });
            if (ERROR_CODES[e.code]) addError(db, m.id, `${e.code}: ${e.message}`);
          }
        }).immediate();
        services.bus.emit('migration.changed', { collection: ctx.params.collection, migrationId: m.id, action: reason === 'cancel' ? 'cancelled' : 'failed' });
        throw err;
      }
    },
  };
}
