import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open-database';

export interface CachedVector {
  vector: Float32Array;
  tokens: number;
  truncated: boolean;
}

/** The text as cached: Unicode NFC, so the same words typed on two systems share one entry. */
export function textKey(text: string): string {
  return createHash('sha256').update(text.normalize('NFC')).digest('hex');
}

/** Vector bytes plus the key and row overhead, as counted against the cap. */
const ROW_OVERHEAD = 160;

export interface CacheCounters {
  hits: number;
  misses: number;
  /** When counting started: the database's creation, or the last clear. */
  since: string;
}

/**
 * Embeddings by (model files, text) in SQLite with a byte cap; the least recently used go first. The table and
 * the hit and miss counts are shared by every process on the data dir (`status` in one shows the others' work);
 * the counts are added once per lookup, in the transaction that reads the vectors.
 */
export class EmbeddingCache {
  /** Upper estimate of the table's size, so a put does not scan the table: recounted when it passes the cap. */
  private approxBytes: number | null = null;
  private lookup: { select: Statement; touch: Statement; count: Statement } | null = null;

  constructor(
    private readonly db: Db,
    private readonly capBytes: () => number,
  ) {}

  get(modelKey: string, hashes: string[]): Map<string, CachedVector> {
    const found = new Map<string, CachedVector>();
    if (this.capBytes() <= 0 || hashes.length === 0) return found;
    // Prepared once: a lookup runs on every embed call, and compiling its SQL each time costs as much as running it.
    const { select, touch, count } = (this.lookup ??= {
      select: this.db.prepare('SELECT text_hash, vector, tokens, truncated FROM inference_cache WHERE model_key = ? AND text_hash = ?'),
      touch: this.db.prepare('UPDATE inference_cache SET last_used = ? WHERE model_key = ? AND text_hash = ?'),
      count: this.db.prepare('UPDATE inference_cache_counters SET hits = hits + ?, misses = misses + ? WHERE id = 1'),
    });
    const now = Date.now();
    this.db.transaction(() => {
      for (const h of new Set(hashes)) {
        const row = select.get(modelKey, h) as { text_hash: string; vector: Buffer; tokens: number; truncated: number } | undefined;
        if (!row) continue;
        // Copy out of the Buffer: SQLite's memory is not ours to keep.
        const vector = new Float32Array(row.vector.byteLength / 4);
        new Uint8Array(vector.buffer).set(row.vector);
        found.set(h, { vector, tokens: row.tokens, truncated: row.truncated === 1 });
        touch.run(now, modelKey, h);
      }
      const hits = hashes.filter((h) => found.has(h)).length;
      count.run(hits, hashes.length - hits);
    })();
    return found;
  }

  put(modelKey: string, entries: Array<{ hash: string; vector: Float32Array; tokens: number; truncated: boolean }>): void {
    const cap = this.capBytes();
    if (cap <= 0 || entries.length === 0) return;
    const insert = this.db.prepare(
      `INSERT INTO inference_cache (model_key, text_hash, dimension, vector, tokens, truncated, last_used) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(model_key, text_hash) DO UPDATE SET vector = excluded.vector, dimension = excluded.dimension, last_used = excluded.last_used`,
    );
    const now = Date.now();
    this.approxBytes ??= this.stats().bytes;
    this.db.transaction(() => {
      for (const e of entries) {
        insert.run(modelKey, e.hash, e.vector.length, Buffer.from(e.vector.buffer, e.vector.byteOffset, e.vector.byteLength), e.tokens, e.truncated ? 1 : 0, now);
        this.approxBytes! += e.vector.length * 4 + ROW_OVERHEAD;
      }
      if (this.approxBytes! > cap) this.approxBytes = this.evict(cap);
    })();
  }

  stats(): { entries: number; bytes: number } {
    const row = this.db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(dimension), 0) AS dims FROM inference_cache').get() as { n: number; dims: number };
    return { entries: row.n, bytes: row.dims * 4 + row.n * ROW_OVERHEAD };
  }

  counters(): CacheCounters {
    return this.db.prepare('SELECT hits, misses, since FROM inference_cache_counters WHERE id = 1').get() as CacheCounters;
  }

  /** Empties the cache; the counts start again with it (a hit rate describes what the cache holds). */
  clear(): number {
    this.approxBytes = 0;
    return this.db.transaction(() => {
      this.db.prepare('UPDATE inference_cache_counters SET hits = 0, misses = 0, since = ? WHERE id = 1').run(new Date().toISOString());
      return this.db.prepare('DELETE FROM inference_cache').run().changes;
    })();
  }

  /** Deletes least recently used rows until the cache is at 90% of its cap (so every insert does not evict). */
  private evict(cap: number): number {
    const { entries, bytes } = this.stats();
    if (bytes <= cap || entries === 0) return bytes;
    const perRow = bytes / entries;
    const drop = Math.ceil((bytes - cap * 0.9) / perRow);
    this.db
      .prepare(
        'DELETE FROM inference_cache WHERE (model_key, text_hash) IN (SELECT model_key, text_hash FROM inference_cache ORDER BY last_used LIMIT ?)',
      )
      .run(drop);
    return this.stats().bytes;
  }
}
