import { shortRevision, upstreamRef, type UpstreamModelDTO } from '../../../shared/contract';
import { upstreamOf, useUpstreamStore } from '../stores/upstream-store';
import { ActionMessages } from './ActionMessages';

/** The upstream state of one model as a badge; the message says what changed or why it could not be asked. */
export function UpstreamBadge({ m }: { m: UpstreamModelDTO }): React.JSX.Element {
  return (
    <span className={`badge badge-upstream-${m.status}`} title={m.message}>
      {m.status}
    </span>
  );
}

/** A registry model's upstream news next to its name; nothing when up to date (a badge on every row is noise). */
export function ModelUpstreamBadge({ model }: { model: string }): React.JSX.Element | null {
  const u = useUpstreamStore((s) => upstreamOf(s.report, model));
  return u && u.status !== 'up-to-date' ? <UpstreamBadge m={u} /> : null;
}

/** Paths for Hub repos, media types for Ollama layers. */
function changedLayers(m: UpstreamModelDTO): string {
  const c = m.changes;
  const names = [...c.changed.map((f) => `changed ${f.path}`), ...c.added.map((f) => `added ${f.path}`), ...c.removed.map((f) => `removed ${f.path}`)];
  return names.join(', ');
}

/** Every followed Hub repo and Ollama tag with its last check; Check asks upstream now, Update fetches what changed. */
export function UpstreamPanel(): React.JSX.Element {
  const { report, checking, updating, error, notice, check, update } = useUpstreamStore();
  return (
    <details className="import-panel" data-testid="upstream-panel" open={Boolean(report?.models.some((m) => m.status !== 'up-to-date'))}>
      <summary>Upstream changes{report?.checkedAt ? ` (checked ${new Date(report.checkedAt).toLocaleString()})` : ''}</summary>
      <div className="row">
        <button type="button" disabled={checking} onClick={() => void check()}>
          {checking ? 'Checking…' : 'Check now'}
        </button>
        <span className="muted">Hub repos against their branch, Ollama tags against their registry; nothing is downloaded.</span>
      </div>
      <ActionMessages error={error} notice={notice} />
      {report && report.models.length > 0 && (
        <table className="data-table">
          <thead>
            <tr>
              <th>Model</th>
              <th>Branch / tag</th>
              <th>Here → upstream</th>
              <th>Status</th>
              <th>What changed</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {report.models.map((m) => (
              <tr key={upstreamRef(m)} data-testid={`upstream-${upstreamRef(m)}`}>
                <td>
                  <span className="badge">{m.source === 'ollama' ? 'Ollama' : 'Hub'}</span> <span className="mono">{m.repo}</span>
                </td>
                <td className="mono">{m.branch}</td>
                <td className="mono">
                  {shortRevision(m, m.pinnedCommit)} → {m.headCommit ? shortRevision(m, m.headCommit) : '?'}
                </td>
                <td>
                  <UpstreamBadge m={m} />
                </td>
                <td className="muted">{m.status === 'outdated' ? changedLayers(m) : m.message}</td>
                <td>
                  {m.status === 'outdated' && (
                    <button type="button" disabled={updating !== null} onClick={() => void update(upstreamRef(m))}>
                      Update
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}
