import type { CoreServices } from '../core-services';
import { IMPORT_JOB } from './import-job';

/** Import jobs of a collection that have not ended. */
export function collectionJobs(services: CoreServices, collection: string): number[] {
  return services.jobStore
    .list({ states: ['queued', 'running', 'paused', 'interrupted'], kind: IMPORT_JOB, limit: 1000 })
    .filter((j) => j.params.collection === collection)
    .map((j) => j.id);
}
