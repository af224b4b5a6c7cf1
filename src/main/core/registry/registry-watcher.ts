import type { Db } from '../db/open-database';
import type { EventBus } from '../events/event-bus';

const FINGERPRINT = `SELECT
  (SELECT count(*) || '/' || coalesce(max(updated_at), '') FROM registry_models) || '|' ||
  (SELECT count(*) || '/' || coalesce(max(updated_at), '') FROM registry_versions) || '|' ||
  (SELECT coalesce(max(id), 0) FROM registry_metrics) || '|' ||
  (SELECT count(*) FROM registry_migration_strategies)`;

/**
 * Tells this core's windows about registry changes committed by other processes (the CLI switching a version
 * while the app is open). `PRAGMA data_version` moves only on other connections' commits, so an idle poll is
 * one pragma; a fingerprint of the registry tables then filters out commits to other domains (job heartbeats).
 */
export function watchExternalRegistry(db: Db, bus: EventBus, intervalMs = 1000): () => void {
  let version = db.pragma('data_version', { simple: true }) as number;
  let fingerprint = db.prepare(FINGERPRINT).pluck().get() as string;
  const timer = setInterval(() => {
    try {
      const v = db.pragma('data_version', { simple: true }) as number;
      if (v === version) return;
      version = v;
      const f = db.prepare(FINGERPRINT).pluck().get() as string;
      if (f === fingerprint) return;
      fingerprint = f;
      bus.emit('registry.changed', { model: null, action: 'external' });
    } catch {
      // A busy database is not an error here: the next tick tries again.
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
