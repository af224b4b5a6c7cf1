import type { collectionsContract, gateContract, migrationsContract } from '../../../shared/contract';
import { createCollectionsHandlers } from '../collections/collections-handlers';
import { collectionsSchema } from '../collections/collections-schema';
import { createImportJob, importJobsOf, reconcileImports } from '../collections/import-job';
import type { CoreServices } from '../core-services';
import type { DomainSchema } from '../db/schema-migrations';
import type { DomainHandlers } from '../handlers';
import type { EmbeddingService } from '../inference/embedding-service';
import { createGateHandlers } from '../quality-gate/gate-handlers';
import { scheduleGate } from '../quality-gate/gate-schedule';
import { gateSchema } from '../quality-gate/gate-schema';
import { createQualityGate } from '../quality-gate/quality-gate';
import { createMigrationJob } from './migration-job';
import { migrationBadge, openMigration } from './migration-store';
import { createMigrationsHandlers, migrationJobsOf } from './migrations-handlers';
import { migrationsSchema } from './migrations-schema';
import { createRouter } from './rollout';

/** The tables of collections and their migrations, in the order they reference each other. */
export const collectionSchemas: DomainSchema[] = [collectionsSchema, migrationsSchema, gateSchema];

/**
 * Collections, re-embedding migrations and their quality gate wired together: jobs registered on the runner,
 * imports that ended while no process ran them cleaned up, the gate's schedule started (long-running processes
 * only), and the three domains' handlers (search routed by the rollout, rollout steps checked by the gate).
 */
export function createCollectionsDomain(
  services: CoreServices,
  embeddings: EmbeddingService,
): DomainHandlers<typeof collectionsContract> & DomainHandlers<typeof migrationsContract> & DomainHandlers<typeof gateContract> {
  services.jobs.register(createImportJob(services, embeddings));
  services.jobs.register(createMigrationJob(services, embeddings));
  reconcileImports(services);
  const gate = createQualityGate(services, embeddings);
  scheduleGate(services, gate);
  return {
    ...createCollectionsHandlers(services, {
      embeddings,
      router: createRouter(services, embeddings),
      migrationBadge: (c) => migrationBadge(services, c),
      candidateIndexId: (c) => openMigration(services.db, c.id)?.to_index_id ?? null,
      jobsOf: (c) => [...importJobsOf(services, c.name), ...migrationJobsOf(services, c)],
    }),
    ...createMigrationsHandlers(services, embeddings, gate),
    ...createGateHandlers(services, gate),
  };
}
