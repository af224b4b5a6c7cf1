import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open-database';

const statements = new WeakMap<Db, Map<string, Statement>>();

/** A statement prepared once per connection: compiling one costs as much as a small KNN query. */
export function cachedStatement(db: Db, sql: string): Statement {
  let byDb = statements.get(db);
  if (!byDb) statements.set(db, (byDb = new Map()));
  let stmt = byDb.get(sql);
  if (!stmt) byDb.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}

/** Forgets statements that mention a table about to be (or just) dropped. */
export function forgetStatements(db: Db, table: string): void {
  const byDb = statements.get(db);
  for (const sql of [...(byDb?.keys() ?? [])]) if (sql.includes(table)) byDb!.delete(sql);
}
