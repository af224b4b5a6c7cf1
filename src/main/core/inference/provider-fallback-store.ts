import type { ProviderFallbackDTO } from '../../../shared/contract';
import type { Db } from '../db/open-database';

/**
 * The last time a session did not start on the execution provider asked for, kept in SQLite so `status` and
 * health in any process show it. Written only when a session loads, never per request.
 */
export class ProviderFallbackStore {
  constructor(private readonly db: Db) {}

  /**
   * A session started on `used` for a request of `requested`. A fallback is remembered; a start on what was asked
   * for (a GPU that works now) forgets the fallback recorded for that same request.
   */
  sessionStarted(requested: string, used: string, reason: string | null): void {
    if (reason) {
      this.db
        .prepare(
          `INSERT INTO inference_provider_fallback (id, requested, used, reason, at) VALUES (1, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET requested = excluded.requested, used = excluded.used, reason = excluded.reason, at = excluded.at`,
        )
        .run(requested, used, reason, new Date().toISOString());
    } else if (requested !== 'cpu') {
      this.db.prepare('DELETE FROM inference_provider_fallback WHERE requested = ?').run(requested);
    }
  }

  last(): ProviderFallbackDTO | null {
    return (this.db.prepare('SELECT requested, used, reason, at FROM inference_provider_fallback WHERE id = 1').get() as ProviderFallbackDTO | undefined) ?? null;
  }
}
