import type { Db } from '../db/open-database';
import type { EventBus } from '../events/event-bus';
import { publicJob, type JobStore } from './job-store';

/**
 * Surfaces jobs changed by other processes on the same database (the CLI downloading while the window is
 * open). `PRAGMA data_version` changes only when another connection commits, so an idle poll costs nothing.
 */
export function watchExternalJobs(db: Db, store: JobStore, bus: EventBus, ownIds: () => Set<number>, intervalMs = 500): () => void {
  let version = db.pragma('data_version', { simple: true }) as number;
  let since = new Date().toISOString();
  const timer = setInterval(() => {
    try {
      const v = db.pragma('data_version', { simple: true }) as number;
      if (v === version) return;
      version = v;
      const mine = ownIds();
      for (const job of store.updatedSince(since)) {
        since = job.updatedAt > since ? job.updatedAt : since;
        if (job.ownerPid !== process.pid || !mine.has(job.id)) bus.emit('job.updated', publicJob(job));
      }
    } catch {
      // The next tick tries again; a busy database is not an error here.
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
