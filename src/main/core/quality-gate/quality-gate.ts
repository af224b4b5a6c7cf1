import type { GateRunDTO } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { findCollection, type CollectionRow } from '../collections/collection-store';
import type { CoreServices } from '../core-services';
import type { EmbeddingService } from '../inference/embedding-service';
import { rollbackMigration } from '../migrations/finalize';
import { getMigration, openMigration, reconcile, type MigrationRow } from '../migrations/migration-store';
import { logServing } from '../migrations/serving-log';
import { measureGate, type Measurement } from './gate-measure';
import { getGateRun, saveGateRun, setGateRunOutcome } from './gate-runs';
import { gateSettings } from './gate-settings';
import { goldenCount, listGolden } from './golden-set';

type Trigger = GateRunDTO['trigger'];

export interface QualityGate {
  /** Runs the golden set now; a failure while rollout is above 0 % rolls back (when auto-rollback is on). */
  run(c: CollectionRow, trigger: Exclude<Trigger, 'rollout-step'>): Promise<GateRunDTO>;
  /**
   * Before routing `percent` to B: null when the collection has no golden set (the gate is not armed), the passed
   * run otherwise. A failure refuses the step, or rolls back when B already serves some searches; both throw
   * GATE_FAILED with the numbers.
   */
  beforeRolloutStep(c: CollectionRow, m: MigrationRow, percent: number, step?: string): Promise<GateRunDTO | null>;
}

const pct = (x: number): string => `${Number(x.toFixed(1))} %`;

/** One line for the run: what failed with its numbers, or what passed. */
function summarize(r: Measurement, a: string, b: string): string {
  const failed = r.checks.filter((x) => !x.ok);
  if (failed.length) return `Quality gate failed (${r.queries} golden queries): ${failed.map((x) => x.detail).join('; ')}.`;
  const parts = r.checks.map((x) => x.detail);
  return `Quality gate passed (${r.queries} golden queries, ${a} vs ${b})${parts.length ? `: ${parts.join('; ')}` : ''}.`;
}

/**
 * The migration quality gate: measures A and B on the collection's golden queries, records every run, and acts
 * on a failure — refusing the first rollout step, or rolling back to A at once when B already serves. Runs of one
 * collection are serialised, so a scheduled run and a rollout step never race each other's rollback.
 */
export function createQualityGate(services: CoreServices, embeddings: EmbeddingService): QualityGate {
  const { db } = services;
  const log = services.log.child('quality-gate');
  const chains = new Map<number, Promise<unknown>>();

  const serial = <T>(c: CollectionRow, fn: () => Promise<T>): Promise<T> => {
    const next = (chains.get(c.id) ?? Promise.resolve()).catch(() => undefined).then(fn);
    chains.set(c.id, next);
    return next.finally(() => {
      if (chains.get(c.id) === next) chains.delete(c.id);
    });
  };

  const readyMigration = (c: CollectionRow): MigrationRow => {
    const m = reconcile(services, openMigration(db, c.id));
    if (!m || m.state !== 'ready') {
      throw new AppError('GATE_NOT_READY', `The quality gate compares A with a B that holds every chunk; collection "${c.name}" has ${m ? 'a migration still embedding' : 'no migration in progress'}.`, {
        hint: m ? `Wait for it: model-center migrate status ${c.name}` : `Start one: model-center migrate ${c.name} --to <model>@<version>`,
      });
    }
    return m;
  };

  const measure = async (c: CollectionRow, m: MigrationRow, trigger: Trigger, rolloutPercent: number): Promise<{ id: number; run: Omit<GateRunDTO, 'id'> }> => {
    const golden = listGolden(db, c);
    if (!golden.length) {
      throw new AppError('GATE_NOT_READY', `Collection "${c.name}" has no golden queries: the quality gate has nothing to measure.`, {
        hint: `Sample and freeze some (model-center gate sample ${c.name}), type them (gate add), or import a file (gate import).`,
      });
    }
    const r = await measureGate(db, embeddings, c, m, gateSettings(db, c), golden);
    const run: Omit<GateRunDTO, 'id'> = {
      ...r,
      collection: c.name,
      migrationId: m.id,
      at: new Date().toISOString(),
      trigger,
      rolloutPercent,
      action: 'none',
      summary: summarize(r, r.a.version, r.b.version),
    };
    return { id: saveGateRun(db, c, run), run };
  };

  const rollBack = async (c: CollectionRow, m: MigrationRow, id: number, run: Omit<GateRunDTO, 'id'>): Promise<boolean> => {
    try {
      await rollbackMigration(services, c, m, { deleteVectors: false, reason: `${run.summary.replace(/\.$/, '')} (gate run ${id}, ${run.trigger}).`, gateRunId: id });
      setGateRunOutcome(db, id, 'rolled-back', `${run.summary} Rolled back: ${m.from_model}@${m.from_version} serves 100 %.`);
      return true;
    } catch (err) {
      // Finalized or rolled back by someone else while the gate measured: nothing left to roll back.
      log.warn(`gate run ${id} could not roll back "${c.name}": ${(err as Error).message}`);
      return false;
    }
  };

  /** Whether a failed run should roll back now: B still ready and serving some searches, and the admin allows it. */
  const rollsBack = (c: CollectionRow, now: MigrationRow | undefined): now is MigrationRow =>
    now?.state === 'ready' && now.rollout_percent > 0 && gateSettings(db, c).autoRollback;

  const changed = (c: CollectionRow, m: MigrationRow): void => services.bus.emit('migration.changed', { collection: c.name, migrationId: m.id, action: 'gate' });

  return {
    run: (c, trigger) =>
      serial(c, async () => {
        const m = readyMigration(c);
        const { id, run } = await measure(c, m, trigger, m.rollout_percent);
        const now = getMigration(db, m.id);
        if (!run.passed && rollsBack(c, now)) await rollBack(c, now, id, run);
        changed(c, m);
        return getGateRun(db, id)!;
      }),

    beforeRolloutStep: (c, m, percent, step = `Rollout to ${pct(percent)}`) =>
      serial(c, async () => {
        if (!goldenCount(db, c)) return null;
        const { id, run } = await measure(c, m, 'rollout-step', percent);
        changed(c, m);
        if (run.passed) return getGateRun(db, id)!;
        const now = getMigration(db, m.id);
        const fresh = findCollection(db, c.name);
        if (fresh && rollsBack(c, now) && (await rollBack(fresh, now, id, run))) {
          throw new AppError('GATE_FAILED', `${run.summary} ${step} not done; rolled back: ${m.from_model}@${m.from_version} serves "${c.name}" 100 %.`, {
            hint: `See the numbers with: model-center gate status ${c.name}`,
          });
        }
        const at = now?.rollout_percent ?? 0;
        const text = `${run.summary} ${step} refused; rollout stays at ${pct(at)}.`;
        db.transaction(() => {
          setGateRunOutcome(db, id, 'refused-rollout', text);
          if (fresh && now) logServing(db, fresh, now, { event: 'rollout-refused', rolloutPercent: at, reason: text, gateRunId: id });
        }).immediate();
        throw new AppError('GATE_FAILED', text, {
          hint: `Compare the versions (model-center compare ${c.name}), loosen the thresholds (model-center gate set ${c.name} …), or roll out anyway with --skip-gate.`,
        });
      }),
  };
}
