import type { jobsContract } from '../../../shared/contract';
import type { CoreServices } from '../core-services';
import type { DomainHandlers } from '../handlers';
import { publicJob } from './job-store';

export function createJobsHandlers(core: CoreServices): DomainHandlers<typeof jobsContract> {
  return {
    'jobs.list': (input) => core.jobStore.list(input).map(publicJob),
    'jobs.get': ({ id }) => publicJob(core.jobs.get(id)),
    'jobs.cancel': ({ id, discard }) => core.jobs.cancel(id, { discard }),
    'jobs.pause': ({ id }) => core.jobs.pause(id),
    'jobs.resume': ({ id }) => core.jobs.resume(id),
    'jobs.selftest': (params) => core.jobs.start('selftest', params),
  };
}
