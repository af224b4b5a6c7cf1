import type { ServingEntryDTO } from './contract';

/** Who served after a serving-log entry, in words: "A 90 % · B 10 %", or the one version serving everything. */
export function servingShare(e: ServingEntryDTO): string {
  if (e.event === 'finalized' && e.candidate) return e.candidate;
  if (e.candidate && e.rolloutPercent > 0) return `${e.current} ${100 - e.rolloutPercent} % · ${e.candidate} ${e.rolloutPercent} %`;
  return e.current;
}
