import { BenchResultSchema, type BenchResultDTO } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { Db } from '../db/open-database';

interface Row {
  id: number;
  job_id: number | null;
  created_at: string;
  result: string;
}

export type NewBenchResult = Omit<BenchResultDTO, 'id' | 'createdAt'>;

export interface BenchFilter {
  /** Registry model name (canonical) or the reference a benchmark was run with. */
  model?: string;
  version?: string;
  jobId?: number;
  executionProvider?: string;
  limit?: number;
}

/** Benchmark results in SQLite, newest first. */
export class BenchStore {
  constructor(private readonly db: Db) {}

  insert(result: NewBenchResult, now = new Date().toISOString()): BenchResultDTO {
    const info = this.db
      .prepare(
        `INSERT INTO bench_results (job_id, created_at, model_ref, model_key, registry_model, version, execution_provider, machine_id, result)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        result.jobId,
        now,
        result.model.ref,
        result.model.modelKey,
        result.model.registryModel,
        result.model.version,
        result.run.executionProvider,
        result.machine.id,
        JSON.stringify(result),
      );
    return this.get(Number(info.lastInsertRowid));
  }

  get(id: number): BenchResultDTO {
    const row = this.db.prepare('SELECT id, job_id, created_at, result FROM bench_results WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw new AppError('NOT_FOUND', `There is no benchmark result ${id}.`, { hint: 'List them with `model-center benchmarks`.' });
    return toDTO(row);
  }

  list(filter: BenchFilter = {}): BenchResultDTO[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (filter.model) {
      where.push('(registry_model = ? OR model_ref = ?)');
      args.push(filter.model, filter.model);
    }
    if (filter.version) {
      where.push('version = ?');
      args.push(filter.version);
    }
    if (filter.jobId !== undefined) {
      where.push('job_id = ?');
      args.push(filter.jobId);
    }
    if (filter.executionProvider) {
      where.push('execution_provider = ?');
      args.push(filter.executionProvider);
    }
    const sql = `SELECT id, job_id, created_at, result FROM bench_results ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, filter.limit ?? 100) as Row[]).map(toDTO);
  }

  delete(id: number): number {
    this.get(id);
    this.db.prepare('DELETE FROM bench_results WHERE id = ?').run(id);
    return id;
  }
}

function toDTO(row: Row): BenchResultDTO {
  const stored = JSON.parse(row.result) as { memory?: Record<string, unknown> };
  // Results stored before the growth was kept: it is what their two figures say (their "before" was read at job start).
  const m = stored.memory;
  if (m && m.peakRssGrowthBytes === undefined && typeof m.peakRssBytes === 'number' && typeof m.rssBeforeBytes === 'number') {
    stored.memory = { ...m, peakRssGrowthBytes: Math.max(0, m.peakRssBytes - m.rssBeforeBytes) };
  }
  // Parsed, not cast: a row written by an older build with fewer fields fails here loudly instead of in a chart.
  return BenchResultSchema.parse({ ...stored, id: row.id, jobId: row.job_id, createdAt: row.created_at });
}
