import type { ServingEntryDTO } from '../../../shared/contract';
import type { CollectionRow } from '../collections/collection-store';
import type { Db } from '../db/open-database';
import type { MigrationRow } from './migration-store';

type Event = ServingEntryDTO['event'];

/**
 * Appends to a collection's serving log: one row per change of who serves what share, written in the same
 * transaction as the change itself, so the log never says something that did not happen.
 */
export function logServing(db: Db, c: CollectionRow, m: MigrationRow | null, entry: { event: Event; rolloutPercent: number; reason: string; gateRunId?: number | null }): void {
  db.prepare(
    `INSERT INTO collection_serving_log (collection_id, migration_id, at, event, current, candidate, rollout_percent, reason, gate_run_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    c.id,
    m?.id ?? null,
    new Date().toISOString(),
    entry.event,
    m ? `${m.from_model}@${m.from_version}` : `${c.model}@${c.version}`,
    m ? `${m.to_model}@${m.to_version}` : null,
    entry.rolloutPercent,
    entry.reason,
    entry.gateRunId ?? null,
  );
}

interface LogRow {
  at: string;
  event: Event;
  migration_id: number | null;
  current: string;
  candidate: string | null;
  rollout_percent: number;
  reason: string;
  gate_run_id: number | null;
}

/**
 * The collection's serving history, oldest first. It opens with the version the collection was created with
 * (the first migration's A, or today's version when it never migrated), so the trail covers its whole life.
 */
export function servingHistory(db: Db, c: CollectionRow): ServingEntryDTO[] {
  const first = db.prepare('SELECT from_model, from_version FROM collection_migrations WHERE collection_id = ? ORDER BY id LIMIT 1').get(c.id) as
    | { from_model: string; from_version: string }
    | undefined;
  const origin: ServingEntryDTO = {
    at: c.created_at,
    event: 'created',
    migrationId: null,
    current: first ? `${first.from_model}@${first.from_version}` : `${c.model}@${c.version}`,
    candidate: null,
    rolloutPercent: 0,
    reason: 'Collection created; its model serves every search.',
    gateRunId: null,
  };
  const rows = db.prepare('SELECT * FROM collection_serving_log WHERE collection_id = ? ORDER BY id').all(c.id) as LogRow[];
  return [
    origin,
    ...rows.map((r) => ({
      at: r.at,
      event: r.event,
      migrationId: r.migration_id,
      current: r.current,
      candidate: r.candidate,
      rolloutPercent: r.rollout_percent,
      reason: r.reason,
      gateRunId: r.gate_run_id,
    })),
  ];
}
