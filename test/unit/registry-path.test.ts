import { describe, expect, it } from 'vitest';
import { findPath } from '../../src/main/core/registry/migration-path';
import type { StrategyDTO } from '../../src/shared/contract';

let nextId = 1;
function s(from: string, to: string, kind: StrategyDTO['kind'] = 'metadata'): StrategyDTO {
  return { id: nextId++, model: 'm', fromVersion: from, toVersion: to, kind, description: null, createdAt: '2026-01-01T00:00:00.000Z' };
}
const hops = (p: StrategyDTO[] | null): string[] | null => (p === null ? null : p.map((x) => `${x.fromVersion}>${x.toVersion}`));

describe('registry migration path (BFS)', () => {
  it('is empty for the same version and null when unreachable', () => {
    const edges = [s('1.0.0', '1.1.0')];
    expect(findPath(edges, '1.0.0', 'v1.0')).toEqual([]);
    expect(findPath(edges, '1.1.0', '1.0.0')).toBeNull();
    expect(findPath(edges, '1.0.0', '3.0.0')).toBeNull();
    expect(findPath([], '1.0.0', '2.0.0')).toBeNull();
  });

  it('follows a chain', () => {
    const edges = [s('1.1.0', '1.2.0'), s('1.0.0', '1.1.0'), s('1.2.0', '2.0.0')];
    expect(hops(findPath(edges, '1.0.0', '2.0.0'))).toEqual(['1.0.0>1.1.0', '1.1.0>1.2.0', '1.2.0>2.0.0']);
  });

  it('picks the shortest of two branches, whatever the declaration order', () => {
    const edges = [s('1.0.0', '1.1.0'), s('1.1.0', '1.2.0'), s('1.2.0', '2.0.0'), s('1.0.0', '1.5.0'), s('1.5.0', '2.0.0')];
    expect(hops(findPath(edges, '1.0.0', '2.0.0'))).toEqual(['1.0.0>1.5.0', '1.5.0>2.0.0']);
    expect(hops(findPath(edges, '1.0.0', '1.2.0'))).toEqual(['1.0.0>1.1.0', '1.1.0>1.2.0']);
  });

  it('breaks ties by declaration order (deterministic)', () => {
    const edges = [s('1.0.0', '1.1.0'), s('1.0.0', '1.2.0'), s('1.2.0', '2.0.0'), s('1.1.0', '2.0.0')];
    expect(hops(findPath(edges, '1.0.0', '2.0.0'))).toEqual(['1.0.0>1.1.0', '1.1.0>2.0.0']);
  });

  it('terminates on cycles and still finds the way out', () => {
    const edges = [s('1.0.0', '1.1.0'), s('1.1.0', '1.0.0'), s('1.1.0', '1.2.0'), s('1.2.0', '1.0.0'), s('1.2.0', '2.0.0')];
    expect(hops(findPath(edges, '1.0.0', '2.0.0'))).toEqual(['1.0.0>1.1.0', '1.1.0>1.2.0', '1.2.0>2.0.0']);
    expect(hops(findPath(edges, '2.0.0', '1.0.0'))).toBeNull();
    // A cycle with no exit to the target: BFS must stop, not loop.
    expect(findPath([s('1.0.0', '2.0.0'), s('2.0.0', '1.0.0'), s('1.0.0', '2.0.0')], '1.0.0', '9.0.0')).toBeNull();
  });

  it('goes backwards when a downgrade strategy exists', () => {
    const edges = [s('1.0.0', '2.0.0'), s('2.0.0', '1.0.0')];
    expect(hops(findPath(edges, '2.0.0', '1.0.0'))).toEqual(['2.0.0>1.0.0']);
  });
});
