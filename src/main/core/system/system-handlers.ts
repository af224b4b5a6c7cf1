import type { InferenceStatusDTO, systemContract } from '../../../shared/contract';
import { APP_NAME, APP_VERSION } from '../app-info';
import type { CoreServices } from '../core-services';
import type { DomainHandlers } from '../handlers';
import { readMlflowStatus } from '../registry/mlflow-sync';

export function createSystemHandlers(core: CoreServices, inferenceStatus: () => InferenceStatusDTO): DomainHandlers<typeof systemContract> {
  const changed = <T>(view: T): T => {
    core.bus.emit('settings.changed', core.settings.view());
    return view;
  };
  return {
    'system.status': () => ({
      app: { name: APP_NAME, version: APP_VERSION },
      dataDir: core.dataDir,
      dbPath: core.dbPath,
      inference: inferenceStatus(),
      schema: core.schemaVersions,
      jobs: core.jobStore.counts(),
      settings: core.settings.view(),
      runtime: {
        node: process.versions.node,
        electron: process.versions.electron ?? null,
        platform: process.platform,
        arch: process.arch,
        pid: process.pid,
        surface: core.surface,
      },
      offline: core.offline,
      mlflow: readMlflowStatus(core.db, core.settings.values().mlflowTrackingUri),
    }),
    'settings.get': () => core.settings.view(),
    'settings.update': (patch) => {
      core.log.info(`settings changed: ${Object.keys(patch).join(', ')}`);
      return changed(core.settings.update(patch));
    },
    'settings.reset': ({ keys }) => changed(core.settings.reset(keys)),
    'settings.setHfToken': ({ token }) => {
      core.log.info('Hugging Face token stored');
      return changed(core.settings.setHfToken(token));
    },
    'settings.clearHfToken': () => changed(core.settings.clearHfToken()),
  };
}
