import { createHash } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import { currentIndex, getIndex, type CollectionRow } from '../collections/collection-store';
import { searchIndex, type RouteDecision, type SearchRouter } from '../collections/search';
import type { CoreServices } from '../core-services';
import type { EmbeddingService } from '../inference/embedding-service';
import { openMigration, reconcile } from './migration-store';

/** How a query is normalised before hashing: case, Unicode form and spacing do not change its bucket. */
export function normaliseQuery(query: string): string {
  return query.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
}

/** The query's rollout bucket, 0–99: the same query always lands in the same bucket, so it always sees the same version. */
export function queryBucket(query: string): number {
  return createHash('sha256').update(normaliseQuery(query)).digest().readUInt32BE(0) % 100;
}

/** Share of each version's top-k both returned. */
export function overlapAt(k: number, a: readonly number[], b: readonly number[]): number {
  const set = new Set(a.slice(0, k));
  return b.slice(0, k).filter((id) => set.has(id)).length / k;
}

const SHADOW_LOG_KEEP = 1000;

/**
 * Routes searches while a migration is open: B answers a query when its bucket is below the rollout percentage
 * (only once B holds every chunk), A otherwise; each routed search is counted per version. In shadow mode the
 * other version is searched too, after the answer, and the difference is logged.
 */
export function createRouter(services: CoreServices, embeddings: EmbeddingService): SearchRouter {
  const { db } = services;
  const log = services.log.child('rollout');
  // A CLI search with shadow mode on exits right after answering: let its shadow comparison finish first (bounded).
  const pending = new Set<Promise<void>>();
  services.beforeClose.push(() => Promise.race([Promise.all(pending).then(() => undefined), new Promise<void>((r) => setTimeout(r, 10_000).unref())]));
  return {
    route(c, query, route) {
      const current = currentIndex(db, c);
      const m = reconcile(services, openMigration(db, c.id));
      if (route === 'current') return { index: current, role: 'current', reason: m ? 'forced' : 'no-migration', bucket: null };
      if (route === 'candidate') {
        const index = m ? getIndex(db, m.to_index_id) : undefined;
        if (!m || !index) {
          throw new AppError('MIGRATION_STATE', `Collection "${c.name}" has no migration in progress: there is no candidate version to search.`, {
            hint: `Start one: model-center migrate ${c.name} --to <model>@<version>`,
          });
        }
        return { index, role: 'candidate', reason: 'forced', bucket: null };
      }
      if (!m) return { index: current, role: 'current', reason: 'no-migration', bucket: null };
      const bucket = queryBucket(query);
      const candidate = m.state === 'ready' && bucket < m.rollout_percent ? getIndex(db, m.to_index_id) : undefined;
      return candidate ? { index: candidate, role: 'candidate', reason: 'rollout', bucket } : { index: current, role: 'current', reason: 'rollout', bucket };
    },
    served(c, decision, query, neighbours, k) {
      if (decision.reason !== 'rollout') return;
      const m = openMigration(db, c.id);
      if (!m) return;
      db.prepare(`UPDATE collection_migrations SET ${decision.role === 'candidate' ? 'route_candidate = route_candidate + 1' : 'route_current = route_current + 1'} WHERE id = ?`).run(m.id);
      if (!m.shadow || m.state !== 'ready') return;
      const other = decision.role === 'candidate' ? currentIndex(db, c) : getIndex(db, m.to_index_id);
      if (!other) return;
      // After the answer: the shadow search must never delay or fail the one that serves.
      const work = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => shadowSearch(c, m.id, decision, other.id, query, neighbours.map((n) => n.chunkId), k))
        .catch((err: Error) => log.warn(`shadow search failed: ${err.message}`))
        .finally(() => pending.delete(work));
      pending.add(work);
    },
  };

  async function shadowSearch(c: CollectionRow, migrationId: number, decision: RouteDecision, otherId: number, query: string, servedIds: number[], k: number): Promise<void> {
    const other = getIndex(db, otherId);
    if (!other) return;
    const found = await searchIndex(db, embeddings, other, query, k);
    const otherIds = found.neighbours.map((n) => n.chunkId);
    const [currentIds, candidateIds] = decision.role === 'current' ? [servedIds, otherIds] : [otherIds, servedIds];
    db.transaction(() => {
      if (!openMigration(db, c.id)) return;
      db.prepare('INSERT INTO collection_shadow_log (migration_id, at, query, served, overlap, current_ids, candidate_ids) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        migrationId,
        new Date().toISOString(),
        query.slice(0, 500),
        decision.role,
        overlapAt(k, currentIds, candidateIds),
        JSON.stringify(currentIds),
        JSON.stringify(candidateIds),
      );
      db.prepare('DELETE FROM collection_shadow_log WHERE migration_id = ? AND id <= (SELECT max(id) FROM collection_shadow_log WHERE migration_id = ?) - ?').run(migrationId, migrationId, SHADOW_LOG_KEEP);
    }).immediate();
  }
}
