import type { ValidationReportDTO } from '../../../shared/contract';

/** A model version's latest validation: healthy, failed (naming the checks), or not validated. */
export function HealthBadge({ report, running = false }: { report: ValidationReportDTO | undefined; running?: boolean }): React.JSX.Element {
  if (running) return <span className="badge badge-running" data-health="running">validating…</span>;
  if (!report) {
    return (
      <span className="badge badge-none" data-health="none">
        not validated
      </span>
    );
  }
  const when = report.checkedAt.replace('T', ' ').slice(0, 19);
  if (report.ok) {
    const warnings = report.checks.filter((c) => c.warning).map((c) => `\nwarning, ${c.name}: ${c.detail}`);
    return (
      <span className="badge badge-healthy" data-health="healthy" title={`All ${report.checks.length} checks passed on ${report.executionProvider ?? '?'} at ${when}${warnings.join('')}`}>
        healthy{warnings.length > 0 && ' (warning)'}
      </span>
    );
  }
  const failed = report.checks.filter((c) => !c.ok);
  return (
    <span className="badge badge-failed" data-health="failed" title={failed.map((c) => `${c.name}: ${c.detail}`).join('\n')}>
      failed: {failed.map((c) => c.name).join(', ')}
    </span>
  );
}
