import type { VersionStatus } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';

/**
 * Which status a version may move to with `setStatus`. Forward is the usual path
 * development → staging → production → deprecated → archived; the back-steps are the ones a person needs:
 * - staging → development: testing found a problem, back to work.
 * - deprecated → production: a deprecation was premature (the replacement failed); no re-testing needed,
 *   it was in production before.
 * - archived → deprecated: restore from the archive; it must go through production deliberately after that.
 * - development/staging → archived: abandon a version that never shipped.
 * Not allowed here:
 * - production → staging: only `rollback` does it, because it must switch the current version in the same
 *   transaction (a current version silently demoted would leave serving traffic on a staging build).
 * - skipping staging (development → production): a version reaches production only after staging.
 * Registration may record any status (importing history is recording facts, not moving along the lifecycle).
 */
export const TRANSITIONS: Readonly<Record<VersionStatus, readonly VersionStatus[]>> = {
  development: ['staging', 'archived'],
  staging: ['production', 'development', 'archived'],
  production: ['deprecated'],
  deprecated: ['production', 'archived'],
  archived: ['deprecated'],
};

/** Statuses a current version may have: a current version is the one that serves. */
export const CURRENT_ELIGIBLE: readonly VersionStatus[] = ['staging', 'production'];

export function canTransition(from: VersionStatus, to: VersionStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: VersionStatus, to: VersionStatus, label: string): void {
  if (from === to) {
    throw new AppError('ILLEGAL_TRANSITION', `${label} is already ${to}.`, { hint: `Allowed from ${from}: ${TRANSITIONS[from].join(', ') || 'none'}.` });
  }
  if (canTransition(from, to)) return;
  const allowed = TRANSITIONS[from];
  const extra = from === 'production' && to === 'staging' ? ' Use `rollback` to return to the previous current version; it demotes this one to staging.' : '';
  throw new AppError('ILLEGAL_TRANSITION', `${label} cannot move from ${from} to ${to}.`, {
    hint: `Allowed from ${from}: ${allowed.length ? allowed.join(', ') : 'none'}.${extra}`,
  });
}

/** The table as plain mutable arrays, for the contract (UI and CLI show the allowed moves from it). */
export function transitionTable(): Record<VersionStatus, VersionStatus[]> {
  return {
    development: [...TRANSITIONS.development],
    staging: [...TRANSITIONS.staging],
    production: [...TRANSITIONS.production],
    deprecated: [...TRANSITIONS.deprecated],
    archived: [...TRANSITIONS.archived],
  };
}
