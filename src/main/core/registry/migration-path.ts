import type { StrategyDTO } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { Db } from '../db/open-database';
import type { ModelRow } from './model-store';
import { normaliseVersion } from './semver';

interface StrategyRow {
  id: number;
  from_version: string;
  to_version: string;
  kind: StrategyDTO['kind'];
  description: string | null;
  created_at: string;
}

function toDTO(model: ModelRow, r: StrategyRow): StrategyDTO {
  return { id: r.id, model: model.name, fromVersion: r.from_version, toVersion: r.to_version, kind: r.kind, description: r.description, createdAt: r.created_at };
}

export function listStrategies(db: Db, model: ModelRow): StrategyDTO[] {
  return (db.prepare('SELECT * FROM registry_migration_strategies WHERE model_id = ? ORDER BY id').all(model.id) as StrategyRow[]).map((r) => toDTO(model, r));
}

/**
 * Strategies are declared between versions (which need not be registered yet: a plan may precede the
 * release). Re-declaring a from→to pair replaces its kind and description.
 */
export function addStrategy(
  db: Db,
  model: ModelRow,
  input: { fromVersion: string; toVersion: string; kind: StrategyDTO['kind']; description: string | null },
  now = new Date().toISOString(),
): StrategyDTO {
  const from = normaliseVersion(input.fromVersion);
  const to = normaliseVersion(input.toVersion);
  if (from === to) throw new AppError('INVALID_INPUT', `A migration strategy needs two different versions (got ${from} → ${to}).`);
  db.prepare(
    `INSERT INTO registry_migration_strategies (model_id, from_version, to_version, kind, description, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(model_id, from_version, to_version) DO UPDATE SET kind = excluded.kind, description = excluded.description`,
  ).run(model.id, from, to, input.kind, input.description, now);
  const row = db.prepare('SELECT * FROM registry_migration_strategies WHERE model_id = ? AND from_version = ? AND to_version = ?').get(model.id, from, to) as StrategyRow;
  return toDTO(model, row);
}

/**
 * Shortest path (fewest steps) by breadth-first search over directed strategy edges. The visited set makes
 * cycles (1.0→1.1→1.0) harmless; among equally short paths the one using earlier-declared strategies wins,
 * so the answer is deterministic. Returns null when `to` cannot be reached; [] when from === to.
 */
export function findPath(strategies: readonly StrategyDTO[], fromRaw: string, toRaw: string): StrategyDTO[] | null {
  const from = normaliseVersion(fromRaw);
  const to = normaliseVersion(toRaw);
  if (from === to) return [];
  const out = new Map<string, StrategyDTO[]>();
  for (const s of [...strategies].sort((a, b) => a.id - b.id)) {
    const list = out.get(s.fromVersion) ?? [];
    list.push(s);
    out.set(s.fromVersion, list);
  }
  const via = new Map<string, StrategyDTO>();
  const seen = new Set([from]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i] as string;
    for (const edge of out.get(node) ?? []) {
      if (seen.has(edge.toVersion)) continue;
      seen.add(edge.toVersion);
      via.set(edge.toVersion, edge);
      if (edge.toVersion === to) {
        const path: StrategyDTO[] = [];
        for (let at = to; at !== from; ) {
          const step = via.get(at) as StrategyDTO;
          path.unshift(step);
          at = step.fromVersion;
        }
        return path;
      }
      queue.push(edge.toVersion);
    }
  }
  return null;
}
