import { useEffect, useState } from 'react';
import type { GateRunDTO, GateSettingsDTO, MigrationDTO, ServingEntryDTO } from '../../../shared/contract';
import { servingShare } from '../../../shared/serving-share';
import { useGateStore } from '../stores/gate-store';
import { ActionMessages } from './ActionMessages';

const f2 = (x: number | null): string => (x === null ? '—' : x.toFixed(2));
const ms = (x: number | null): string => (x === null ? '—' : `${x.toFixed(1)} ms`);

function RunTable({ run }: { run: GateRunDTO }): React.JSX.Element {
  const limit = (name: string): string => {
    const c = run.checks.find((x) => x.name === name);
    if (!c) return 'off';
    return `${c.ok ? 'ok' : 'FAIL'} · ${name === 'p95' ? `≤ ${ms(c.limit)}` : `≥ ${f2(c.limit)}`}`;
  };
  return (
    <div data-testid="gate-last-run">
      <p className={run.passed ? '' : 'error-text'} data-testid="gate-summary">
        Run {run.id} ({run.trigger}, {run.at.slice(0, 19).replace('T', ' ')}, rollout {run.rolloutPercent} %): {run.summary}
      </p>
      <table className="data-table">
        <thead>
          <tr>
            <th>Version</th>
            <th>recall@{run.k}</th>
            <th>MRR</th>
            <th>p50</th>
            <th>p95</th>
          </tr>
        </thead>
        <tbody>
          {(
            [
              ['A', run.a],
              ['B', run.b],
            ] as const
          ).map(([side, m]) => (
            <tr key={side}>
              <td>
                {side} {m.version}
              </td>
              <td className="mono">{f2(m.recall)}</td>
              <td className="mono">{f2(m.mrr)}</td>
              <td className="mono">{ms(m.p50Ms)}</td>
              <td className="mono">{ms(m.p95Ms)}</td>
            </tr>
          ))}
          <tr className="muted">
            <td>B must meet</td>
            <td className="mono">{limit('recall')}</td>
            <td className="mono">{limit('mrr')}</td>
            <td />
            <td className="mono">{limit('p95')}</td>
          </tr>
        </tbody>
      </table>
      <p className="muted">
        {run.queries} golden queries ({run.withExpected} with expected chunks) · mean overlap@{run.k} {f2(run.meanOverlap)}
        {run.checks.some((c) => c.name === 'overlap') && ` (${limit('overlap')})`}
      </p>
    </div>
  );
}

const NUMBER_FIELDS: Array<{ key: keyof GateSettingsDTO; label: string; nullable: boolean }> = [
  { key: 'k', label: 'k', nullable: false },
  { key: 'maxRecallDrop', label: 'max recall drop', nullable: true },
  { key: 'maxMrrDrop', label: 'max MRR drop', nullable: true },
  { key: 'minOverlap', label: 'min overlap', nullable: true },
  { key: 'maxP95Ratio', label: 'max p95 × A', nullable: true },
  { key: 'p95SlackMs', label: 'p95 slack (ms)', nullable: false },
  { key: 'intervalMinutes', label: 're-run every (min)', nullable: false },
];

function SettingsForm({ settings }: { settings: GateSettingsDTO }): React.JSX.Element {
  const { busy, save } = useGateStore();
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [autoRollback, setAutoRollback] = useState(settings.autoRollback);
  useEffect(() => {
    setDraft(Object.fromEntries(NUMBER_FIELDS.map((f) => [f.key, settings[f.key] === null ? '' : String(settings[f.key])])));
    setAutoRollback(settings.autoRollback);
  }, [settings]);
  const submit = (): void => {
    const patch: Record<string, number | boolean | null> = { autoRollback };
    for (const f of NUMBER_FIELDS) patch[f.key] = draft[f.key]?.trim() === '' && f.nullable ? null : Number(draft[f.key]);
    void save(patch as Partial<GateSettingsDTO>);
  };
  return (
    <div className="row wrap" data-testid="gate-settings">
      {NUMBER_FIELDS.map((f) => (
        <label key={f.key}>
          {f.label}{' '}
          <input
            value={draft[f.key] ?? ''}
            onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })}
            placeholder={f.nullable ? 'off' : ''}
            style={{ width: 64 }}
            data-testid={`gate-${f.key}`}
          />
        </label>
      ))}
      <label>
        <input type="checkbox" checked={autoRollback} onChange={(e) => setAutoRollback(e.target.checked)} data-testid="gate-autoRollback" /> roll back on failure
      </label>
      <button disabled={busy} onClick={submit} data-testid="gate-save">
        Save thresholds
      </button>
    </div>
  );
}

function GoldenSet(): React.JSX.Element {
  const { gate, busy, add, importFile, sample, remove } = useGateStore();
  const [query, setQuery] = useState('');
  const [expected, setExpected] = useState('');
  const [count, setCount] = useState(50);
  const ids = expected.split(/[\s,]+/).filter(Boolean).map(Number);
  const idsOk = ids.every((n) => Number.isSafeInteger(n) && n > 0);
  const queries = gate?.queries ?? [];
  return (
    <div data-testid="gate-golden">
      <p>
        <strong data-testid="gate-count">{queries.length}</strong> golden queries
        {queries.length > 0 && ` (${['typed', 'imported', 'sampled'].map((o) => `${queries.filter((q) => q.origin === o).length} ${o}`).join(', ')})`}
        {!gate?.armed && <span className="muted"> · not armed: rollout steps are not checked until the set has queries</span>}
      </p>
      <div className="row wrap">
        <input className="grow" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="A query a user would type" aria-label="Golden query" data-testid="gate-query" />
        <input value={expected} onChange={(e) => setExpected(e.target.value)} placeholder="expected chunk ids (optional)" aria-label="Expected chunk ids" style={{ width: 200 }} />
        <button disabled={busy || !query.trim() || !idsOk} onClick={() => void add(query.trim(), ids).then(() => setQuery(''))} data-testid="gate-add">
          Add
        </button>
      </div>
      <div className="row wrap">
        <input type="number" min={1} max={1000} value={count} onChange={(e) => setCount(Number(e.target.value) || 50)} style={{ width: 72 }} aria-label="Queries to sample" />
        <button disabled={busy} onClick={() => void sample(count)} data-testid="gate-sample">
          Sample and freeze
        </button>
        <label>
          Import .jsonl / .csv / .txt{' '}
          <input
            type="file"
            accept=".jsonl,.ndjson,.json,.csv,.tsv,.txt"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = ''; // the same file, fixed, can be chosen again
              if (file) void importFile(file);
            }}
            data-testid="gate-import"
          />
        </label>
        {queries.length > 0 && (
          <button disabled={busy} onClick={() => void remove()}>
            Remove all
          </button>
        )}
      </div>
      {queries.length > 0 && (
        <details>
          <summary>The queries</summary>
          <table className="data-table">
            <tbody>
              {queries.map((q) => (
                <tr key={q.id}>
                  <td>{q.query}</td>
                  <td className="mono">
                    {q.expected.join(', ')}
                    {q.missing.length > 0 && <span className="error-text"> ({q.missing.length} gone)</span>}
                  </td>
                  <td className="muted">{q.origin}</td>
                  <td>
                    <button disabled={busy} onClick={() => void remove([q.id])} aria-label={`Remove ${q.query}`}>
                      ×
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </div>
  );
}

function ServingHistory({ history }: { history: ServingEntryDTO[] }): React.JSX.Element {
  return (
    <details data-testid="serving-history" open>
      <summary>Which version served when ({history.length} entries)</summary>
      <table className="data-table">
        <tbody>
          {[...history].reverse().map((e, i) => (
            <tr key={i} data-testid="serving-entry">
              <td className="mono">{e.at.slice(0, 19).replace('T', ' ')}</td>
              <td>{e.event}</td>
              <td>{servingShare(e)}</td>
              <td>{e.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/**
 * The migration quality gate of a collection: its golden queries, the admin's thresholds, the last runs with
 * their numbers, and the serving history. Reloaded whenever the migration's state, rollout or outcome changes
 * (a scheduled run in another process may have rolled back).
 */
export function QualityGatePanel({ collection, migration }: { collection: string; migration: MigrationDTO | null }): React.JSX.Element {
  const { gate, history, busy, error, notice, load, run } = useGateStore();
  useEffect(() => {
    void load(collection);
  }, [load, collection, migration?.id, migration?.state, migration?.rolloutPercent, migration?.outcome]);
  const ready = migration?.state === 'ready';
  return (
    <div data-testid="quality-gate">
      <div className="section-head">
        <h2>Quality gate</h2>
        <button disabled={busy || !ready || !gate?.armed} onClick={() => void run()} data-testid="gate-run">
          Run gate now
        </button>
      </div>
      <ActionMessages error={error} notice={notice} />
      <GoldenSet />
      {gate && <SettingsForm settings={gate.settings} />}
      {gate?.runs[0] && <RunTable run={gate.runs[0]} />}
      {gate && gate.runs.length > 1 && (
        <p className="muted">
          Earlier: {gate.runs.slice(1, 6).map((r) => `#${r.id} ${r.trigger} ${r.passed ? 'passed' : `failed (${r.action})`}`).join(' · ')}
        </p>
      )}
      {history.length > 0 && <ServingHistory history={history} />}
    </div>
  );
}
