import { z } from 'zod';
import type { ImportReport } from '../../../shared/contract';
import { AppError, toErrorDTO } from '../../../shared/errors';
import type { Db } from '../db/open-database';

/** Collects the outcome of an import entry by entry; refusals carry a reason a person can act on. */
export class ReportBuilder {
  readonly report: ImportReport = { imported: [], unchanged: [], refused: [], rolledBack: false, messages: [] };

  refuse(entry: string, reason: string): void {
    this.report.refused.push({ entry, reason });
  }

  /** Runs one entry's writes under a savepoint so a failing entry leaves no half-written rows behind. */
  attempt(db: Db, entry: string, write: () => 'imported' | 'unchanged'): void {
    try {
      const outcome = db.transaction(write)();
      this.report[outcome].push(entry);
    } catch (err) {
      if (err instanceof z.ZodError) {
        this.refuse(entry, err.issues.map((i) => `${i.path.join('.') || 'entry'}: ${i.message}`).join('; '));
        return;
      }
      const dto = toErrorDTO(err);
      if (!(err instanceof AppError) && dto.code === 'INTERNAL') throw err;
      this.refuse(entry, dto.message);
    }
  }
}

/**
 * The whole import is one IMMEDIATE transaction (nested entries become savepoints): another process sees all
 * of it or none of it. With `strict`, any refusal rolls everything back.
 */
export function runImport(db: Db, strict: boolean, body: (b: ReportBuilder) => void): ImportReport {
  const builder = new ReportBuilder();
  const rollback = new Error('strict import rollback');
  try {
    db.transaction(() => {
      body(builder);
      if (strict && builder.report.refused.length) throw rollback;
    }).immediate();
  } catch (err) {
    if (err !== rollback) throw err;
    builder.report.rolledBack = true;
    builder.report.messages.push(`Strict import: ${builder.report.refused.length} entr${builder.report.refused.length === 1 ? 'y was' : 'ies were'} refused, so nothing was written.`);
    builder.report.imported = [];
    builder.report.unchanged = [];
  }
  return builder.report;
}
