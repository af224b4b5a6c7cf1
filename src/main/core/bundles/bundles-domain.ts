import type { bundlesContract } from '../../../shared/contract';
import type { CoreServices } from '../core-services';
import type { DomainHandlers } from '../handlers';
import type { HubStore } from '../hub/hub-store';
import { createPublishJob } from '../store/publish-job';
import { createPullJob } from '../store/pull-job';
import { StoreConfig } from '../store/store-config';
import { createStoreHandlers } from '../store/store-handlers';
import { createBundleHandlers } from './bundles-handlers';
import { createExportJob } from './export-job';
import { createImportJob } from './import-job';

/** Bundles and the model store: registers their four job kinds and returns their handlers. */
export function createBundlesDomain(core: CoreServices, hubStore: HubStore): DomainHandlers<typeof bundlesContract> {
  const config = new StoreConfig(core.db, core.env, core.secrets);
  core.jobs.register(createExportJob(core, hubStore));
  core.jobs.register(createImportJob(core, hubStore));
  core.jobs.register(createPublishJob(core, hubStore, config));
  core.jobs.register(createPullJob(core, hubStore, config));
  return { ...createBundleHandlers(core, hubStore), ...createStoreHandlers(core, hubStore, config) };
}
