import { AppError } from '../../../shared/errors';
import type { Db } from './open-database';

/**
 * Each domain owns its tables and their migrations, versioned on their own (version = index + 1), so domains
 * evolve without renumbering each other's steps.
 */
export interface DomainSchema {
  domain: string;
  migrations: ReadonlyArray<string | ((db: Db) => void)>;
}

export type SchemaVersions = Record<string, number>;

const BOOKKEEPING = `CREATE TABLE IF NOT EXISTS schema_versions (
  domain TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  applied_at TEXT NOT NULL
)`;

function readVersions(db: Db): SchemaVersions {
  const rows = db.prepare('SELECT domain, version FROM schema_versions').all() as { domain: string; version: number }[];
  return Object.fromEntries(rows.map((r) => [r.domain, r.version]));
}

/**
 * Brings every domain up to date in one immediate transaction (two processes starting together cannot both
 * migrate). A database written by a newer app is refused before anything is changed.
 */
export function applySchemas(db: Db, schemas: readonly DomainSchema[]): SchemaVersions {
  const run = db.transaction(() => {
    db.exec(BOOKKEEPING);
    const current = readVersions(db);
    for (const schema of schemas) {
      const have = current[schema.domain] ?? 0;
      if (have > schema.migrations.length) {
        throw new AppError(
          'DB_SCHEMA_TOO_NEW',
          `The database's "${schema.domain}" schema is version ${have}, but this Model Center knows only up to ${schema.migrations.length}.`,
          { hint: 'It was written by a newer Model Center. Update this one, or point MODEL_CENTER_HOME at another folder. Nothing was changed.' },
        );
      }
    }
    const now = new Date().toISOString();
    const upsert = db.prepare(
      'INSERT INTO schema_versions (domain, version, applied_at) VALUES (?, ?, ?) ON CONFLICT(domain) DO UPDATE SET version = excluded.version, applied_at = excluded.applied_at',
    );
    for (const schema of schemas) {
      const have = current[schema.domain] ?? 0;
      for (let v = have; v < schema.migrations.length; v++) {
        const step = schema.migrations[v];
        if (typeof step === 'string') db.exec(step);
        else step?.(db);
      }
      if (have < schema.migrations.length) upsert.run(schema.domain, schema.migrations.length, now);
    }
    return readVersions(db);
  });
  return run.immediate();
}
