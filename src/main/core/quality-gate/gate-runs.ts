import { GateRunSchema, type GateRunDTO } from '../../../shared/contract';
import type { CollectionRow } from '../collections/collection-store';
import type { Db } from '../db/open-database';

interface RunRow {
  id: number;
  action: GateRunDTO['action'];
  report: string;
}

const toDTO = (r: RunRow): GateRunDTO => GateRunSchema.parse({ ...JSON.parse(r.report), id: r.id, action: r.action });

export function saveGateRun(db: Db, c: CollectionRow, run: Omit<GateRunDTO, 'id'>): number {
  return Number(
    db
      .prepare('INSERT INTO gate_runs (collection_id, migration_id, at, trigger, passed, action, report) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(c.id, run.migrationId, run.at, run.trigger, run.passed ? 1 : 0, run.action, JSON.stringify(run)).lastInsertRowid,
  );
}

/** What the gate did about a run, once it did it (the run is saved first, so a rollback can cite it). */
export function setGateRunOutcome(db: Db, id: number, action: GateRunDTO['action'], summary: string): void {
  db.prepare("UPDATE gate_runs SET action = ?, report = json_set(report, '$.action', ?, '$.summary', ?) WHERE id = ?").run(action, action, summary, id);
}

export function gateRuns(db: Db, c: CollectionRow, limit = 20): GateRunDTO[] {
  return (db.prepare('SELECT id, action, report FROM gate_runs WHERE collection_id = ? ORDER BY id DESC LIMIT ?').all(c.id, limit) as RunRow[]).map(toDTO);
}

export function getGateRun(db: Db, id: number): GateRunDTO | undefined {
  const r = db.prepare('SELECT id, action, report FROM gate_runs WHERE id = ?').get(id) as RunRow | undefined;
  return r && toDTO(r);
}

/** When the gate last ran for this migration (any trigger), for the schedule. */
export function lastGateRunAt(db: Db, collectionId: number, migrationId: number): string | null {
  return (db.prepare('SELECT max(at) FROM gate_runs WHERE collection_id = ? AND migration_id = ?').pluck().get(collectionId, migrationId) as string | null) ?? null;
}
