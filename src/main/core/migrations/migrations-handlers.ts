import type { migrationsContract } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { currentIndex, ensureIndex, readyChunkCount, requireCollection, type CollectionRow } from '../collections/collection-store';
import type { CoreServices } from '../core-services';
import type { DomainHandlers } from '../handlers';
import type { EmbeddingService } from '../inference/embedding-service';
import type { QualityGate } from '../quality-gate/quality-gate';
import { compareVersions } from './compare';
import { assertFinalizable, finalizeMigration, rollbackMigration } from './finalize';
import { planMigration } from './migration-plan';
import { getMigration, latestMigration, MIGRATION_JOB, openMigration, patchMigration, reconcile, requireLatest, requireOpen, toMigrationDTO, type MigrationRow } from './migration-store';
import { logServing, servingHistory } from './serving-log';

export function createMigrationsHandlers(services: CoreServices, embeddings: EmbeddingService, gate: QualityGate): DomainHandlers<typeof migrationsContract> {
  const { db } = services;
  const dto = (c: CollectionRow, id: number) => toMigrationDTO(services, c.name, getMigration(db, id)!);
  const changed = (c: CollectionRow, id: number, action: string): void => services.bus.emit('migration.changed', { collection: c.name, migrationId: id, action });
  const open = (c: CollectionRow): MigrationRow => {
    reconcile(services, openMigration(db, c.id));
    return requireOpen(db, c);
  };
  const requireReady = (c: CollectionRow, what: string): MigrationRow => {
    const m = open(c);
    if (m.state !== 'ready') {
      throw new AppError('MIGRATION_STATE', `${what} needs B to hold every chunk; the migration of "${c.name}" to ${m.to_model}@${m.to_version} is still embedding.`, {
        hint: `Follow it with: model-center migrate status ${c.name}`,
      });
    }
    return m;
  };
  const jobOf = (c: CollectionRow, m: MigrationRow): number => {
    if (m.job_id === null) throw new AppError('MIGRATION_STATE', `The migration of "${c.name}" has no job.`);
    return m.job_id;
  };

  return {
    'migrations.plan': async ({ collection, to }) => planMigration(services, embeddings, requireCollection(db, collection), to),

    'migrations.start': async ({ collection, to, batchSize }) => {
      const c = requireCollection(db, collection);
      const plan = await planMigration(services, embeddings, c, to);
      if (!plan.ok) {
        const failed = plan.checks.filter((x) => !x.ok && x.blocking);
        throw new AppError('MIGRATION_REFUSED', `Cannot migrate "${c.name}" to ${to}: ${failed.map((x) => x.name).join(', ')} check${failed.length > 1 ? 's' : ''} failed.`, {
          hint: `See the whole dry-run with: model-center migrate ${c.name} --to ${to} --dry-run`,
          issues: failed.map((x) => ({ path: x.name, message: x.detail })),
        });
      }
      const id = db.transaction(() => {
        if (openMigration(db, c.id)) throw new AppError('MIGRATION_STATE', `Collection "${c.name}" is already being migrated.`);
        const a = currentIndex(db, c);
        // A kept index of B (an earlier rollback or failure) is reused: the job embeds only what it lacks.
        const b = ensureIndex(db, c.id, plan.to.model, plan.to.version, { live: true });
        const now = new Date().toISOString();
        const newId = Number(
          db
            .prepare(
              `INSERT INTO collection_migrations (collection_id, from_model, from_version, from_dimension, to_model, to_version, to_dimension, to_index_id, state, total, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)`,
            )
            .run(c.id, c.model, c.version, a.dimension, plan.to.model, plan.to.version, plan.to.dimension, b.id, readyChunkCount(db, c.id), now, now).lastInsertRowid,
        );
        logServing(db, c, getMigration(db, newId)!, { event: 'migration-started', rolloutPercent: 0, reason: `Re-embedding with ${plan.to.model}@${plan.to.version} started; ${c.model}@${c.version} keeps serving every search.` });
        return newId;
      }).immediate();
      const job = services.jobs.start(MIGRATION_JOB, { migrationId: id, collection: c.name, batchSize });
      patchMigration(db, id, { job_id: job.id });
      changed(c, id, 'start');
      return { migration: dto(c, id), job };
    },

    'migrations.get': ({ collection }) => {
      const c = requireCollection(db, collection);
      const m = reconcile(services, requireLatest(db, c))!;
      return toMigrationDTO(services, c.name, m);
    },

    'migrations.list': ({ collection }) => {
      const rows = collection
        ? (db.prepare('SELECT * FROM collection_migrations WHERE collection_id = ? ORDER BY id DESC').all(requireCollection(db, collection).id) as MigrationRow[])
        : (db.prepare('SELECT * FROM collection_migrations ORDER BY id DESC LIMIT 200').all() as MigrationRow[]);
      const names = new Map((db.prepare('SELECT id, name FROM collections').all() as Array<{ id: number; name: string }>).map((r) => [r.id, r.name]));
      return rows.map((r) => {
        const { samples: _s, compare: _c, ...rest } = toMigrationDTO(services, names.get(r.collection_id) ?? '?', reconcile(services, r)!, false);
        return rest;
      });
    },

    'migrations.pause': async ({ collection }) => {
      const c = requireCollection(db, collection);
      const m = open(c);
      await services.jobs.pause(jobOf(c, m));
      return dto(c, m.id);
    },

    'migrations.resume': ({ collection }) => {
      const c = requireCollection(db, collection);
      const m = open(c);
      if (m.state === 'ready') throw new AppError('MIGRATION_STATE', `The re-embedding of "${c.name}" is finished; nothing to resume.`);
      services.jobs.resume(jobOf(c, m));
      return dto(c, m.id);
    },

    'migrations.cancel': async ({ collection }) => {
      const c = requireCollection(db, collection);
      const m = open(c);
      if (m.state === 'ready') {
        throw new AppError('MIGRATION_STATE', `The re-embedding of "${c.name}" is finished; there is no job to cancel.`, {
          hint: `Roll it back (model-center rollback ${c.name} [--delete-vectors]) or finalize it.`,
        });
      }
      await services.jobs.cancel(jobOf(c, m));
      reconcile(services, getMigration(db, m.id));
      changed(c, m.id, 'cancelled');
      return dto(c, m.id);
    },

    'migrations.compare': async ({ collection, queries, sample, k }) => {
      const c = requireCollection(db, collection);
      const m = requireReady(c, 'Comparing');
      const report = await compareVersions(services, embeddings, c, m, { queries, sample, k });
      patchMigration(db, m.id, { compare: JSON.stringify(report) });
      changed(c, m.id, 'compare');
      return report;
    },

    'migrations.setRollout': async ({ collection, percent, skipGate }) => {
      const c = requireCollection(db, collection);
      const m = percent > 0 ? requireReady(c, 'Routing searches to B') : open(c);
      if (percent === m.rollout_percent) return dto(c, m.id);
      // Every step up or down that leaves B serving is a gate check; going back to 0 % never waits for one.
      const passed = percent > 0 && !skipGate ? await gate.beforeRolloutStep(c, m, percent) : null;
      const reason =
        percent === 0
          ? 'Set by the admin: A serves every search.'
          : skipGate
            ? 'Set by the admin with the quality gate skipped.'
            : passed
              ? `Set by the admin; ${passed.summary}`
              : 'Set by the admin; no golden queries, so the quality gate did not run.';
      db.transaction(() => {
        const fresh = getMigration(db, m.id);
        if (!fresh || (fresh.state !== 'ready' && (percent > 0 || fresh.state !== 'active'))) throw new AppError('MIGRATION_STATE', 'The migration changed meanwhile; look at it again.');
        patchMigration(db, m.id, { rollout_percent: percent });
        logServing(db, c, fresh, { event: 'rollout', rolloutPercent: percent, reason, gateRunId: passed?.id ?? null });
      }).immediate();
      changed(c, m.id, 'rollout');
      return dto(c, m.id);
    },

    'migrations.setShadow': ({ collection, enabled }) => {
      const c = requireCollection(db, collection);
      const m = enabled ? requireReady(c, 'Shadow mode') : open(c);
      patchMigration(db, m.id, { shadow: enabled ? 1 : 0 });
      changed(c, m.id, 'shadow');
      return dto(c, m.id);
    },

    'migrations.finalize': async ({ collection, confirm, keepPrevious, skipGate }) => {
      const c = requireCollection(db, collection);
      const m = open(c);
      assertFinalizable(services, c, m, { confirm, keepPrevious });
      // Finalizing is the last rollout step (B serves 100 %, for good): the gate checks it like any other.
      const passed = skipGate ? null : await gate.beforeRolloutStep(c, m, 100, 'Finalize');
      finalizeMigration(services, c, getMigration(db, m.id)!, { confirm, keepPrevious, gate: skipGate ? 'skipped' : passed ? { runId: passed.id, summary: passed.summary } : undefined });
      return toMigrationDTO(services, c.name, getMigration(db, m.id)!);
    },

    'migrations.history': ({ collection }) => servingHistory(db, requireCollection(db, collection)),

    'migrations.rollback': async ({ collection, deleteVectors }) => {
      const c = requireCollection(db, collection);
      const m = open(c);
      await rollbackMigration(services, c, m, { deleteVectors });
      return toMigrationDTO(services, c.name, getMigration(db, m.id)!);
    },
  };
}

/** Migration jobs of a collection that have not ended (to stop before the collection is deleted). */
export function migrationJobsOf(services: CoreServices, c: CollectionRow): number[] {
  const m = latestMigration(services.db, c.id);
  const job = m?.job_id ? services.jobStore.get(m.job_id) : undefined;
  return job && ['queued', 'running', 'paused', 'interrupted'].includes(job.state) ? [job.id] : [];
}
