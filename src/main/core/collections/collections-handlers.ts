import fs from 'node:fs';
import path from 'node:path';
import type { collectionsContract } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CoreServices } from '../core-services';
import type { DomainHandlers } from '../handlers';
import type { EmbeddingService } from '../inference/embedding-service';
import { collectionDetail, collectionSummary, createCollection, deleteCollection, findCollection, requireCollection, type CollectionRow, type MigrationBadge } from './collection-store';
import { IMPORT_JOB, reconcileImports } from './import-job';
import { chunkBudget, refOf, resolveBinding } from './model-binding';
import { searchIndex, toHits, type SearchRouter } from './search';

export interface CollectionsDeps {
  embeddings: EmbeddingService;
  router: SearchRouter;
  /** The open migration of a collection, for lists and badges. */
  migrationBadge(c: CollectionRow): MigrationBadge;
  candidateIndexId(c: CollectionRow): number | null;
  /** Jobs (imports, migrations) working on a collection, to stop before it is deleted. */
  jobsOf(c: CollectionRow): number[];
}

const DEFAULT_CHUNK = 256;

export function createCollectionsHandlers(services: CoreServices, deps: CollectionsDeps): DomainHandlers<typeof collectionsContract> {
  const { db } = services;
  const changed = (collection: string, action: string): void => services.bus.emit('collection.changed', { collection, action });
  return {
    'collections.list': () => {
      reconcileImports(services);
      const rows = db.prepare('SELECT * FROM collections ORDER BY name').all() as CollectionRow[];
      return rows.map((c) => collectionSummary(db, c, deps.migrationBadge(c)));
    },
    'collections.get': ({ name }) => {
      const c = requireCollection(db, name);
      return collectionDetail(db, c, deps.migrationBadge(c), deps.candidateIndexId(c));
    },
    'collections.import': async (input) => {
      reconcileImports(services);
      const paths = input.paths.map((p) => path.resolve(p));
      const missing = paths.filter((p) => !fs.existsSync(p));
      if (missing.length) {
        throw new AppError('NOT_FOUND', `Not found: ${missing.join(', ')}.`, { issues: missing.map((p) => ({ path: 'paths', message: `${p} does not exist` })) });
      }
      const existing = findCollection(db, input.name);
      if (!existing && !input.model && !services.settings.values().defaultEmbeddingModel) {
        throw new AppError('INVALID_INPUT', `Collection "${input.name}" does not exist yet: name the model to bind it to.`, {
          hint: 'Give --model <registry model>[@version], or set a default: model-center configure defaultEmbeddingModel=<model>.',
        });
      }
      const binding = await resolveBinding(deps.embeddings, existing ? refOf(existing) : (input.model ?? services.settings.values().defaultEmbeddingModel));
      if (existing && input.model) {
        const wanted = await resolveBinding(deps.embeddings, input.model);
        if (wanted.model !== existing.model || (input.model.includes('@') && wanted.version !== existing.version)) {
          throw new AppError('CONFLICT', `Collection "${existing.name}" is bound to ${refOf(existing)}, not ${refOf(wanted)}.`, {
            hint: `Import without --model to use ${refOf(existing)}, or move the collection to the other model with: model-center migrate ${existing.name} --to ${refOf(wanted)}`,
          });
        }
      }
      const budget = chunkBudget(binding.resolved);
      const chunkSize = input.chunkSize ?? existing?.chunk_size ?? Math.min(DEFAULT_CHUNK, budget);
      const chunkOverlap = input.chunkOverlap ?? (existing && !input.chunkSize ? existing.chunk_overlap : Math.floor(chunkSize / 8));
      if (chunkSize > budget) {
        throw new AppError('INVALID_INPUT', `Chunks of ${chunkSize} tokens are longer than ${refOf(binding)} reads (${budget} tokens besides its special ones): they would be cut.`, {
          hint: `Use --chunk-size ${budget} or less.`,
          issues: [{ path: 'chunkSize', message: `at most ${budget} for ${refOf(binding)}` }],
        });
      }
      if (chunkOverlap * 2 > chunkSize) {
        throw new AppError('INVALID_INPUT', `An overlap of ${chunkOverlap} tokens is more than half a ${chunkSize}-token chunk.`, {
          hint: `Use --chunk-overlap ${Math.floor(chunkSize / 8)} (an eighth) or at most ${Math.floor(chunkSize / 2)}.`,
          issues: [{ path: 'chunkOverlap', message: `at most ${Math.floor(chunkSize / 2)}` }],
        });
      }
      let created = false;
      const c = db
        .transaction(() => {
          const again = findCollection(db, input.name);
          if (again) return again;
          created = true;
          return createCollection(db, { name: input.name, model: binding.model, version: binding.version, chunkSize, chunkOverlap });
        })
        .immediate();
      if (created) changed(c.name, 'create');
      return services.jobs.start(IMPORT_JOB, {
        collection: c.name,
        paths,
        chunkSize,
        chunkOverlap,
        ...(input.textColumn ? { textColumn: input.textColumn } : {}),
        ...(input.jsonField ? { jsonField: input.jsonField } : {}),
        onError: input.onError,
        createdCollection: created,
      });
    },
    'collections.delete': async ({ name }) => {
      const c = requireCollection(db, name);
      for (const id of deps.jobsOf(c)) await services.jobs.cancel(id).catch(() => undefined);
      const chunks = db.transaction(() => {
        const row = findCollection(db, name);
        return row ? deleteCollection(db, row) : 0;
      }).immediate();
      changed(c.name, 'delete');
      return { deleted: c.name, chunks };
    },
    'collections.search': async ({ collection, query, k, threshold, route }) => {
      const t0 = performance.now();
      const c = requireCollection(db, collection);
      let decision = deps.router.route(c, query, route);
      let found;
      try {
        found = await searchIndex(db, deps.embeddings, decision.index, query, k);
      } catch (err) {
        if (decision.role !== 'candidate' || decision.reason !== 'rollout') throw err;
        // B failed a search the rollout sent it: A answers, so users never see B's failure (the gate rolls it back).
        services.log.child('rollout').warn(`${decision.index.model}@${decision.index.version} failed a routed search of "${c.name}", A answered: ${(err as Error).message}`);
        decision = { ...deps.router.route(c, query, 'current'), reason: 'fallback' };
        found = await searchIndex(db, deps.embeddings, decision.index, query, k);
      }
      const hits = toHits(db, found.neighbours, threshold);
      deps.router.served(c, decision, query, found.neighbours, k);
      return {
        collection: c.name,
        query,
        served: { model: decision.index.model, version: decision.index.version, role: decision.role, reason: decision.reason },
        bucket: decision.bucket,
        hits,
        timings: { embedMs: found.embedMs, searchMs: found.searchMs, totalMs: performance.now() - t0 },
      };
    },
  };
}
