import type { registryContract, ModelDetailDTO } from '../../../shared/contract';
import type { CoreServices } from '../core-services';
import type { DomainHandlers } from '../handlers';
import { AppError } from '../../../shared/errors';
import { migrateMetadata } from './document-metadata';
import { importEnv } from './env-import';
import { importRegistryJson } from './json-import';
import { transitionTable } from './lifecycle';
import { addStrategy, findPath, listStrategies } from './migration-path';
import { exportToMlflow } from './mlflow-export';
import { MlflowSync, type VersionSnapshot } from './mlflow-sync';
import { listModelRows, requireModel, toModelDTO, upsertModel, type ModelRow } from './model-store';
import { appendMetrics, listVersionRows, metricsHistory, registerVersion, requireVersion, rollback, setCurrent, setStatus, toVersionDTO } from './version-store';

export function createRegistryHandlers(core: CoreServices): DomainHandlers<typeof registryContract> {
  const { db } = core;
  const detail = (model: ModelRow): ModelDetailDTO => ({
    ...toModelDTO(db, model),
    versions: listVersionRows(db, model.id).map((v) => toVersionDTO(db, model, v)),
  });
  /**
   * Every write is one IMMEDIATE transaction that re-reads the model inside it: the write lock is taken
   * before anything is read, so a check (compare-and-set, lifecycle) and its write can never interleave
   * with another process's.
   */
  const changed = <T>(model: string | null, action: string, value: T): T => {
    core.bus.emit('registry.changed', { model, action });
    return value;
  };
  const experimentName = (): string => core.env.MLFLOW_EXPERIMENT_NAME?.trim() || 'model-center';
  const mlflow = new MlflowSync(db, core.log, () => core.settings.values().mlflowTrackingUri, experimentName);
  core.beforeClose.push(() => mlflow.close());
  /** Read after commit, by name: what MLflow gets is exactly what the registry now holds. */
  const snapshot =
    (model: string, version: string) =>
    (): VersionSnapshot => {
      const row = requireModel(db, model);
      const v = requireVersion(db, row, version);
      return { versionId: v.id, model: detail(row), version: v.version, history: metricsHistory(db, v.id) };
    };
  const write = <T>(ref: string, action: string, fn: (model: ModelRow) => T): T => {
    let name = ref;
    const value = db.transaction(() => {
      const row = requireModel(db, ref);
      name = row.name;
      return fn(row);
    }).immediate();
    // Emitted after commit only: a refused write must not make every window reload for nothing.
    return changed(name, action, value);
  };

  return {
    'registry.listModels': (filter) =>
      listModelRows(db, filter).map((row) => {
        const dto = toModelDTO(db, row);
        const versions = listVersionRows(db, row.id);
        return { ...dto, currentStatus: versions.find((v) => v.version === row.current_version)?.status ?? null, versionCount: versions.length };
      }),
    'registry.getModel': ({ model }) => detail(requireModel(db, model)),
    'registry.upsertModel': (input) => changed(input.name, 'upsertModel', detail(db.transaction(() => upsertModel(db, input)).immediate())),
    'registry.deleteModel': ({ model }) =>
      write(model, 'deleteModel', (row) => {
        db.prepare('DELETE FROM registry_models WHERE id = ?').run(row.id);
        return { deleted: row.name };
      }),
    'registry.registerVersion': ({ model, ...input }) => {
      const result = write(model, 'registerVersion', (row) => {
        const { row: version, messages } = registerVersion(db, row, input);
        return { version: toVersionDTO(db, row, version), messages };
      });
      // After the commit and without awaiting: MLflow being slow or down must not touch the registry write.
      mlflow.versionChanged(snapshot(result.version.model, result.version.version));
      return result;
    },
    'registry.versions': ({ model }) => detail(requireModel(db, model)).versions,
    'registry.setStatus': ({ model, version, status }) => {
      const result = write(model, 'setStatus', (row) => toVersionDTO(db, row, setStatus(db, row, version, status)));
      mlflow.versionChanged(snapshot(result.model, result.version));
      return result;
    },
    'registry.setCurrent': ({ model, version, expectedCurrent }) =>
      write(model, 'setCurrent', (row) => {
        setCurrent(db, row, version, expectedCurrent);
        return detail(requireModel(db, row.name));
      }),
    'registry.rollback': ({ model, expectedCurrent }) =>
      write(model, 'rollback', (row) => {
        const result = rollback(db, row, expectedCurrent);
        return { model: detail(requireModel(db, row.name)), ...result };
      }),
    'registry.recordMetrics': ({ model, version, metrics, source }) => {
      let names = { model, version };
      const result = write(model, 'recordMetrics', (row) => {
        const v = requireVersion(db, row, version);
        names = { model: row.name, version: v.version };
        return appendMetrics(db, v.id, metrics, source);
      });
      mlflow.metricsRecorded(snapshot(names.model, names.version));
      return result;
    },
    'registry.metricsHistory': ({ model, version }) => {
      const row = requireModel(db, model);
      return metricsHistory(db, requireVersion(db, row, version).id);
    },
    'registry.transitions': () => transitionTable(),
    'registry.importEnv': ({ text, strict }) => changed(null, 'importEnv', importEnv(db, text, strict)),
    'registry.importJson': ({ text, strict }) => changed(null, 'importJson', importRegistryJson(db, text, strict)),
    'registry.addMigrationStrategy': ({ model, ...input }) => write(model, 'addMigrationStrategy', (row) => addStrategy(db, row, input)),
    'registry.migrationStrategies': ({ model }) => listStrategies(db, requireModel(db, model)),
    'registry.migrationPath': ({ model, fromVersion, toVersion }) => {
      const path = findPath(listStrategies(db, requireModel(db, model)), fromVersion, toVersion);
      return { canMigrate: path !== null, path: path ?? [] };
    },
    'registry.migrateMetadata': ({ model, ...input }) => {
      const report = migrateMetadata(db, requireModel(db, model), input);
      return report.dryRun ? report : changed(report.model, 'migrateMetadata', report);
    },
    'registry.mlflowExport': async ({ model, version, trackingUri, experiment }) => {
      const uri = trackingUri ?? (core.settings.values().mlflowTrackingUri || undefined);
      if (!uri || !/^https?:\/\//.test(uri)) {
        throw new AppError('MLFLOW_UNAVAILABLE', uri ? `MLFLOW_TRACKING_URI "${uri}" is not an http(s) URL.` : 'No MLflow tracking server is configured.', {
          hint: 'Set MLFLOW_TRACKING_URI (e.g. http://localhost:5000) or pass trackingUri. MLflow is optional: the registry works without it.',
        });
      }
      // Read everything first: the network call must not hold a database transaction open.
      const row = requireModel(db, model);
      const v = requireVersion(db, row, version);
      return exportToMlflow({
        trackingUri: uri,
        experiment: experiment ?? experimentName(),
        model: detail(row),
        version: v.version,
        history: metricsHistory(db, v.id),
      });
    },
    'registry.mlflowStatus': async () => {
      // Let queued logging finish first (bounded), so a status asked right after a write reflects it.
      await Promise.race([mlflow.idle(), new Promise((r) => setTimeout(r, 2_000).unref())]);
      return mlflow.status();
    },
  };
}
