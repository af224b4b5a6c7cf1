import type { DomainSchema } from '../db/schema-migrations';

export const inventorySchema: DomainSchema = {
  domain: 'inventory',
  migrations: [
    // sha256 of every file the inventory hashed, valid while the file keeps its path, size and mtime (ns, as text:
    // a double cannot hold it). `hashed_at` changes only when the file is read again, so a second scan that
    // re-hashes nothing leaves it alone. The last scan's report is kept whole for the window and `dedupe`.
    `CREATE TABLE inventory_hashes (
      path TEXT PRIMARY KEY,
      size INTEGER NOT NULL,
      mtime_ns TEXT NOT NULL,
      sha256 TEXT NOT NULL,
      hashed_at TEXT NOT NULL
    );
    CREATE TABLE inventory_snapshots (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      report TEXT NOT NULL,
      scanned_at TEXT NOT NULL
    );`,
  ],
};
