import type { CleanupGroupDTO } from '../../../shared/contract';
import { toErrorDTO } from '../../../shared/errors';
import type { CoreServices } from '../core-services';
import { activeJobs, describeJob } from '../detect/in-use';
import type { Handlers } from '../handlers';
import type { StoredJob } from '../jobs/job-store';
import { findModel, listModelRows, type ModelRow } from '../registry/model-store';
import { normaliseVersion } from '../registry/semver';
import { listVersionRows } from '../registry/version-store';

type Item = CleanupGroupDTO['kept'][number];

/** Chunks stamped with each version of a model: archiving one a collection still serves from would orphan them. */
function chunkCounts(core: CoreServices, model: string): Map<string, number> {
  const rows = core.db
    .prepare('SELECT embedding_model_version AS version, COUNT(*) AS n FROM document_metadata WHERE embedding_model = ? GROUP BY embedding_model_version')
    .all(model) as Array<{ version: string; n: number }>;
  return new Map(rows.map((r) => [r.version, r.n]));
}

/** An active job naming this model (by name or alias) and this version in its parameters. */
function jobFor(core: CoreServices, jobs: StoredJob[], model: ModelRow, version: string): StoredJob | undefined {
  return jobs.find((j) => {
    const { model: m, version: v } = j.params;
    if (typeof m !== 'string' || typeof v !== 'string') return false;
    try {
      return findModel(core.db, m)?.id === model.id && normaliseVersion(v) === version;
    } catch {
      return false;
    }
  });
}

/**
 * Registry versions beyond the N most recent (semver order, archived ones not counted) move to `archived`.
 * Never the current version, the previous one (rollback refuses an archived target), one in production or
 * staging, one chunks are stamped with, or one a job names.
 * Versions have no files of their own (a model's files live in its source), so this frees no bytes.
 */
export async function cleanupRegistry(core: CoreServices, handlers: Handlers, keep: number, dryRun: boolean, warnings: string[]): Promise<CleanupGroupDTO[]> {
  const jobs = activeJobs(core);
  const groups: CleanupGroupDTO[] = [];
  for (const model of listModelRows(core.db, {})) {
    const live = listVersionRows(core.db, model.id).filter((v) => v.status !== 'archived');
    if (live.length <= keep) continue;
    const chunks = chunkCounts(core, model.name);
    const kept: Item[] = [];
    const removed: Item[] = [];
    live.forEach((v, i) => {
      const item: Item = { id: v.version, at: v.created_at, status: v.status };
      const job = jobFor(core, jobs, model, v.version);
      const n = chunks.get(v.version) ?? 0;
      const why =
        model.current_version === v.version
          ? 'current version'
          : model.previous_version === v.version
            ? 'previous version (what rollback returns to)'
            : v.status === 'production' || v.status === 'staging'
            ? `in ${v.status}`
            : n > 0
              ? `${n} chunk(s) are indexed with it`
              : job
                ? `${describeJob(job)} uses it`
                : i < keep
                  ? `among the ${keep} most recent`
                  : null;
      if (why) kept.push({ ...item, reason: why });
      else removed.push(item);
    });
    const group: CleanupGroupDTO = { model: model.name, kept, removed, listed: [], skipped: null };
    if (!dryRun) {
      const done: Item[] = [];
      for (const r of removed) {
        try {
          // Through the registry's own method: lifecycle checks, status history, events and MLflow sync apply.
          await handlers['registry.setStatus']({ model: model.name, version: r.id, status: 'archived' });
          done.push(r);
          core.log.info(`cleanup: archived ${model.name} ${r.id} (was ${r.status ?? '?'})`);
        } catch (err) {
          warnings.push(`${model.name} ${r.id} was not archived: ${toErrorDTO(err).message}`);
        }
      }
      group.removed = done;
    }
    groups.push(group);
  }
  return groups;
}
