import type { HealthDTO, HealthSummaryDTO, InferenceStatusDTO, ValidationReportDTO } from '../../../shared/contract';
import { describeFallback, fallbackExpected } from '../../../shared/provider-fallback';

/**
 * Seed 001's /health for the embedding service. Degraded is what needs a person: a GPU provider chosen by name
 * that cannot start or fell back, a model that failed validation. What is meant to happen is a note: `auto` on a
 * machine without a usable GPU runs on CPU.
 */
export function inferenceHealth(status: InferenceStatusDTO, validations: ValidationReportDTO[], defaultModel: string | null): HealthDTO {
  const setting = status.executionProvider;
  const notes: string[] = [];
  const problems: string[] = [];
  const note = (expected: boolean, text: string): number => (expected ? notes : problems).push(text);
  // A fallback recorded under another setting says nothing about this one.
  const fb = status.lastFallback?.requested === setting ? status.lastFallback : null;
  if (fb) note(fallbackExpected(fb), describeFallback(fb));
  else if (status.expectedFallback) {
    note(setting === 'auto', `${setting} is expected to run on ${status.expectedProvider} here: ${status.expectedFallback}`);
  }
  for (const v of validations) if (!v.ok) problems.push(`${v.registryModel ? `${v.registryModel}@${v.version}` : v.model} failed validation`);
  return {
    status: problems.length ? 'degraded' : 'ok',
    device: status.sessions[0]?.executionProvider ?? fb?.used ?? status.expectedProvider,
    setting,
    models: status.sessions.map((s) => ({ modelKey: s.modelKey, lane: s.lane, executionProvider: s.executionProvider })),
    defaultModel,
    notes,
    problems,
  };
}

/**
 * Every word holding a slash or a backslash becomes "…": paths (with spaces in them, `key=/path`, `~/x`,
 * `file:/x`) and `org/name` repo ids alike, whatever library wrote the note.
 */
function withoutPaths(text: string): string {
  return text
    .split(/(\s+)/)
    .map((word) => (/[\\/]/.test(word) ? '…' : word))
    .join('');
}

/**
 * Health for callers without the token (a loopback port any local user can reach): status, provider, counts and
 * the provider notes, but no model names (a private repo's name says something) and no paths.
 */
export function healthSummary(h: HealthDTO): HealthSummaryDTO {
  return {
    status: h.status,
    device: h.device,
    setting: h.setting,
    loadedModels: new Set(h.models.map((m) => m.modelKey)).size,
    notes: h.notes.map(withoutPaths),
    problems: h.problems.length,
  };
}
