import type { registryContract, ModelDetailDTO } from '../../../shared/contract';
import type { CoreServices } from '../core-services';
import type { DomainHandlers } from '../handlers';
import { migrateMetadata } from './document-metadata';
import { importEnv } from './env-import';
import { importRegistryJson } from './json-import';
import { transitionTable } from './lifecycle';
import { addStrategy, findPath, listStrategies } from './migration-path';
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
  const write = <T>(ref: string, fn: (model: ModelRow) => T): T => db.transaction(() => fn(requireModel(db, ref))).immediate();

  return {
    'registry.listModels': (filter) =>
      listModelRows(db, filter).map((row) => {
        const dto = toModelDTO(db, row);
        const versions = listVersionRows(db, row.id);
        return { ...dto, currentStatus: versions.find((v) => v.version === row.current_version)?.status ?? null, versionCount: versions.length };
      }),
    'registry.getModel': ({ model }) => detail(requireModel(db, model)),
    'registry.upsertModel': (input) => detail(db.transaction(() => upsertModel(db, input)).immediate()),
    'registry.deleteModel': ({ model }) =>
      write(model, (row) => {
        db.prepare('DELETE FROM registry_models WHERE id = ?').run(row.id);
        return { deleted: row.name };
      }),
    'registry.registerVersion': ({ model, ...input }) =>
      write(model, (row) => {
        const { row: version, messages } = registerVersion(db, row, input);
        return { version: toVersionDTO(db, row, version), messages };
      }),
    'registry.versions': ({ model }) => detail(requireModel(db, model)).versions,
    'registry.setStatus': ({ model, version, status }) => write(model, (row) => toVersionDTO(db, row, setStatus(db, row, version, status))),
    'registry.setCurrent': ({ model, version, expectedCurrent }) =>
      write(model, (row) => {
        setCurrent(db, row, version, expectedCurrent);
        return detail(requireModel(db, row.name));
      }),
    'registry.rollback': ({ model, expectedCurrent }) =>
      write(model, (row) => {
        const result = rollback(db, row, expectedCurrent);
        return { model: detail(requireModel(db, row.name)), ...result };
      }),
    'registry.recordMetrics': ({ model, version, metrics, source }) => write(model, (row) => appendMetrics(db, requireVersion(db, row, version).id, metrics, source)),
    'registry.metricsHistory': ({ model, version }) => {
      const row = requireModel(db, model);
      return metricsHistory(db, requireVersion(db, row, version).id);
    },
    'registry.transitions': () => transitionTable(),
    'registry.importEnv': ({ text, strict }) => importEnv(db, text, strict),
    'registry.importJson': ({ text, strict }) => importRegistryJson(db, text, strict),
    'registry.addMigrationStrategy': ({ model, ...input }) => write(model, (row) => addStrategy(db, row, input)),
    'registry.migrationStrategies': ({ model }) => listStrategies(db, requireModel(db, model)),
    'registry.migrationPath': ({ model, fromVersion, toVersion }) => {
      const path = findPath(listStrategies(db, requireModel(db, model)), fromVersion, toVersion);
      return { canMigrate: path !== null, path: path ?? [] };
    },
    'registry.migrateMetadata': ({ model, ...input }) => migrateMetadata(db, requireModel(db, model), input),
  };
}
