import type { collectionsContract, migrationsContract } from '../../../shared/contract';
import { createCollectionsHandlers } from '../collections/collections-handlers';
import { collectionsSchema } from '../collections/collections-schema';
import { createImportJob, importJobsOf, reconcileImports } from '../collections/import-job';
import type { CoreServices } from '../core-services';
import type { DomainSchema } from '../db/schema-migrations';
import type { DomainHandlers } from '../handlers';
import type { EmbeddingService } from '../inference/embedding-service';
import { createMigrationJob } from './migration-job';
import { migrationBadge, openMigration } from './migration-store';
import { createMigrationsHandlers, migrationJobsOf } from './migrations-handlers';
import { migrationsSchema } from './migrations-schema';
import { createRouter } from './rollout';

/** The tables of collections and their migrations, in the order they reference each other. */
export const collectionSchemas: DomainSchema[] = [collectionsSchema, migrationsSchema];

/**
 * Collections and re-embedding migrations wired together: their jobs registered on the runner, imports that
 * ended while no process ran them cleaned up, and both domains' handlers (search routed by the rollout).
 */
export function createCollectionsDomain(
  services: CoreServices,
  embeddings: EmbeddingService,
): DomainHandlers<typeof collectionsContract> & DomainHandlers<typeof migrationsContract> {
  services.jobs.register(createImportJob(services, embeddings));
  services.jobs.register(createMigrationJob(services, embeddings));
  reconcileImports(services);
  return {
    ...createCollectionsHandlers(services, {
      embeddings,
      router: createRouter(services, embeddings),
      migrationBadge: (c) => migrationBadge(services, c),
      candidateIndexId: (c) => openMigration(services.db, c.id)?.to_index_id ?? null,
      jobsOf: (c) => [...importJobsOf(services, c.name), ...migrationJobsOf(services, c)],
    }),
    ...createMigrationsHandlers(services, embeddings),
  };
}
