import type { CollectionRow } from '../collections/collection-store';
import type { CoreServices } from '../core-services';
import { lastGateRunAt } from './gate-runs';
import { gateSettings } from './gate-settings';
import { goldenCount } from './golden-set';
import type { QualityGate } from './quality-gate';

const TICK_MS = 5_000;

/**
 * While a collection routes some searches to B, re-runs its gate every `intervalMinutes` (counted from its last
 * run, whatever started it). Only long-running processes (the app, `serve`) keep the schedule; a CLI run ends
 * too soon, so `model-center gate run` is there for cron.
 */
export function scheduleGate(services: CoreServices, gate: QualityGate): void {
  if (services.surface !== 'server' && services.surface !== 'electron') return;
  const { db } = services;
  const log = services.log.child('quality-gate');
  let busy = false;
  const tick = async (): Promise<void> => {
    const due = db
      .prepare(
        `SELECT c.*, m.id AS migration_id FROM collection_migrations m JOIN collections c ON c.id = m.collection_id
         WHERE m.state = 'ready' AND m.rollout_percent > 0`,
      )
      .all() as Array<CollectionRow & { migration_id: number }>;
    for (const row of due) {
      const { migration_id: migrationId, ...c } = row;
      const minutes = gateSettings(db, c).intervalMinutes;
      if (minutes <= 0 || !goldenCount(db, c)) continue;
      const last = lastGateRunAt(db, c.id, migrationId);
      if (last && Date.now() - Date.parse(last) < minutes * 60_000) continue;
      const run = await gate.run(c, 'schedule');
      log.info(`scheduled gate run ${run.id} of "${c.name}": ${run.passed ? 'passed' : `failed, ${run.action}`}`);
    }
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    tick()
      .catch((err: Error) => log.warn(`scheduled quality gate failed: ${err.message}`))
      .finally(() => (busy = false));
  }, TICK_MS);
  timer.unref();
  services.beforeClose.push(async () => clearInterval(timer));
}
