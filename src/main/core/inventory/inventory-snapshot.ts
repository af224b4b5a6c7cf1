import { InventoryReportSchema, type InventoryReportDTO } from '../../../shared/contract';
import type { Db } from '../db/open-database';

/** Keeps the last scan's report (one row): what the window shows and what `dedupe` plans from. */
export function saveSnapshot(db: Db, report: InventoryReportDTO): void {
  db.prepare(
    `INSERT INTO inventory_snapshots (id, report, scanned_at) VALUES (1, ?, ?)
     ON CONFLICT(id) DO UPDATE SET report = excluded.report, scanned_at = excluded.scanned_at`,
  ).run(JSON.stringify(report), report.scannedAt);
}

/** The last report, or null before the first scan (or when a report of an older shape is stored: scan again). */
export function loadSnapshot(db: Db): InventoryReportDTO | null {
  const row = db.prepare('SELECT report FROM inventory_snapshots WHERE id = 1').get() as { report: string } | undefined;
  if (!row) return null;
  try {
    const parsed = InventoryReportSchema.safeParse(JSON.parse(row.report));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
