import { useEffect, useMemo, useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { CompareReportDTO, MigrationDTO, MigrationPlanDTO } from '../../../shared/contract';
import { describeError } from '../../../shared/errors';
import { api } from '../api-client';
import { formatBytes } from '../components/format';
import { ModelMissingWarning } from '../components/ModelMissingWarning';
import { ProgressBar } from '../components/ProgressBar';
import { QualityGatePanel } from '../components/QualityGatePanel';
import { useCollectionsStore } from '../stores/collections-store';

const seconds = (s: number | null): string => {
  if (s === null || !Number.isFinite(s)) return '—';
  if (s < 90) return `${Math.ceil(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
};
const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(0)} %`);
const OPEN = ['embedding', 'paused', 'interrupted', 'ready'];

/** Registry embedding versions as `model@version`, for the target field's suggestions. */
function useTargets(): string[] {
  const [targets, setTargets] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    void (async () => {
      try {
        const models = await api().call('registry.listModels', { type: 'embedding' });
        const lists = await Promise.all(models.map((m) => api().call('registry.versions', { model: m.name })));
        if (live) setTargets(lists.flat().map((v) => `${v.model}@${v.version}`));
      } catch {
        // Suggestions only: typing the target still works.
      }
    })();
    return () => {
      live = false;
    };
  }, []);
  return targets;
}

function PlanView({ plan }: { plan: MigrationPlanDTO }): React.JSX.Element {
  const approx = plan.tokenSample < plan.chunks ? '≈' : '';
  return (
    <div data-testid="migration-plan">
      <dl className="facts">
        <dt>From → to</dt>
        <dd>
          {plan.from.model}@{plan.from.version} ({plan.from.dimension ?? '?'} dims) → {plan.to.model}@{plan.to.version} ({plan.to.dimension ?? '?'} dims, {plan.to.status})
        </dd>
        <dt>Work</dt>
        <dd>
          {plan.chunks} chunks{plan.tokens !== null && `, ${approx}${plan.tokens} tokens by B's tokenizer`}
          {plan.overLength ? `, ${approx}${plan.overLength} longer than B reads` : ''}
        </dd>
        <dt>Estimated time</dt>
        <dd>
          {plan.estimate.seconds === null ? 'unknown' : `about ${seconds(plan.estimate.seconds)}`} <span className="muted">({plan.estimate.basis})</span>
        </dd>
        <dt>Extra disk</dt>
        <dd>
          {formatBytes(plan.disk.extraBytes)}
          {plan.disk.freeBytes !== null && <span className="muted"> ({formatBytes(plan.disk.freeBytes)} free)</span>}
        </dd>
      </dl>
      <table className="data-table">
        <tbody>
          {plan.checks.map((c) => (
            <tr key={c.name} data-testid={`check-${c.name.replace(/\s+/g, '-')}`}>
              <td>
                <span className={`badge ${c.ok ? 'badge-done' : c.blocking ? 'badge-failed' : 'badge-paused'}`}>{c.ok ? 'ok' : c.blocking ? 'blocks' : 'warning'}</span>
              </td>
              <td>{c.name}</td>
              <td>{c.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function StartPanel(): React.JSX.Element {
  const { plan, busy, dryRun, start } = useCollectionsStore();
  const targets = useTargets();
  const [to, setTo] = useState('');
  return (
    <div>
      <div className="section-head"><h2>Plan a migration</h2></div>
      <div className="row">
        <input list="migration-targets" value={to} onChange={(e) => setTo(e.target.value)} placeholder="model@version" aria-label="Target version" data-testid="migration-target" />
        <datalist id="migration-targets">
          {targets.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
        <button disabled={busy || !/^[^@\s]+@[^@\s]+$/.test(to.trim())} onClick={() => void dryRun(to.trim())} data-testid="migration-dry-run">Dry run</button>
        <button disabled={busy || !plan?.ok || `${plan.to.model}@${plan.to.version}` !== to.trim()} onClick={() => void start(to.trim())} data-testid="migration-start">
          Start migration
        </button>
      </div>
      {plan && <PlanView plan={plan} />}
    </div>
  );
}

type Point = { t: number; done: number; rate: number };

/** One series over the run's seconds. */
function Series({ title, data, dataKey, colour, max }: { title: string; data: Point[]; dataKey: 'done' | 'rate'; colour: string; max?: number }): React.JSX.Element {
  return (
    <div>
      <h3>{title}</h3>
      <ResponsiveContainer width="100%" height={180}>
        <LineChart data={data}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="t" type="number" unit=" s" domain={[0, 'dataMax']} />
          <YAxis domain={[0, max ?? 'auto']} />
          <Tooltip />
          <Line type="linear" dataKey={dataKey} stroke={colour} dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

function Charts({ m }: { m: MigrationDTO }): React.JSX.Element {
  const data = useMemo(() => {
    const t0 = m.samples[0] ? Date.parse(m.samples[0].at) : 0;
    return m.samples.map((s) => ({ t: Number(((Date.parse(s.at) - t0) / 1000).toFixed(1)), done: s.done, rate: Math.round(s.rate) }));
  }, [m.samples]);
  if (data.length < 2) return <p className="muted">The charts fill in as the re-embedding runs.</p>;
  return (
    <div className="charts" data-testid="migration-charts">
      <Series title="Chunks in B" data={data} dataKey="done" colour="var(--accent)" max={m.total} />
      <Series title="Chunks per second" data={data} dataKey="rate" colour="var(--ok)" />
    </div>
  );
}

function ComparePanel({ m }: { m: MigrationDTO }): React.JSX.Element {
  const { busy, compare } = useCollectionsStore();
  const [queries, setQueries] = useState('');
  const [k, setK] = useState(10);
  const report: CompareReportDTO | null = m.compare;
  return (
    <div>
      <div className="section-head"><h2>Compare A and B</h2></div>
      <div className="row">
        <textarea rows={2} className="grow" value={queries} onChange={(e) => setQueries(e.target.value)} placeholder="Queries, one per line (empty: 20 sampled from the collection)" aria-label="Compare queries" />
        <label>
          k <input type="number" min={1} max={100} value={k} onChange={(e) => setK(Number(e.target.value) || 10)} style={{ width: 64 }} />
        </label>
        <button
          disabled={busy || m.state !== 'ready'}
          onClick={() => void compare(queries.split('\n').map((q) => q.trim()).filter(Boolean), 20, k)}
          data-testid="compare-run"
        >
          Compare
        </button>
      </div>
      {report && (
        <div data-testid="compare-report">
          <p>
            {report.summary.queries} {report.querySource} queries · mean overlap@{report.k} <strong>{report.summary.meanOverlap.toFixed(2)}</strong> · rank correlation{' '}
            {report.summary.meanRankCorrelation === null ? '—' : report.summary.meanRankCorrelation.toFixed(2)}
            {report.summary.hitAt1A !== null && ` · source chunk first: A ${pct(report.summary.hitAt1A)}, B ${pct(report.summary.hitAt1B)} · MRR A ${report.summary.mrrA?.toFixed(2)}, B ${report.summary.mrrB?.toFixed(2)}`}
          </p>
          <table className="data-table compare-table">
            <thead>
              <tr>
                <th>Query</th>
                <th>Overlap</th>
                <th>Rank corr.</th>
                <th>Top of A ({m.from.model}@{m.from.version})</th>
                <th>Top of B ({m.to.model}@{m.to.version})</th>
              </tr>
            </thead>
            <tbody>
              {report.queries.map((q, i) => (
                <tr key={i}>
                  <td>
                    {q.query}
                    {q.sourceChunkId !== null && <div className="muted">source rank A {q.rankA ?? '—'} · B {q.rankB ?? '—'}</div>}
                  </td>
                  <td className="mono">{q.overlap.toFixed(2)}</td>
                  <td className="mono">{q.rankCorrelation === null ? '—' : q.rankCorrelation.toFixed(2)}</td>
                  <td>
                    <ol className="hits">{q.a.slice(0, 3).map((h) => <li key={h.chunkId}><span className="mono">{h.score.toFixed(3)}</span> {h.text}</li>)}</ol>
                  </td>
                  <td>
                    <ol className="hits">{q.b.slice(0, 3).map((h) => <li key={h.chunkId}><span className="mono">{h.score.toFixed(3)}</span> {h.text}</li>)}</ol>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function RolloutPanel({ m }: { m: MigrationDTO }): React.JSX.Element {
  const { busy, setRollout, setShadow } = useCollectionsStore();
  const [percent, setPercent] = useState(m.rolloutPercent);
  const [confirming, setConfirming] = useState(false);
  const [skipGate, setSkipGate] = useState(false);
  useEffect(() => setPercent(m.rolloutPercent), [m.rolloutPercent]);
  const ready = m.state === 'ready';
  return (
    <div data-testid="rollout-panel">
      <div className="section-head"><h2>Rollout</h2></div>
      <div className="row">
        <input type="range" min={0} max={100} step={1} value={percent} disabled={!ready || busy} onChange={(e) => { setPercent(Number(e.target.value)); setConfirming(false); }} aria-label="Rollout percentage" data-testid="rollout-slider" className="grow" />
        <strong className="mono" style={{ width: 48 }}>{percent} %</strong>
        {[0, 10, 50, 100].map((p) => (
          <button key={p} disabled={!ready || busy} onClick={() => { setPercent(p); setConfirming(false); }}>{p} %</button>
        ))}
        {!confirming && (
          <button disabled={!ready || busy || percent === m.rolloutPercent} onClick={() => setConfirming(true)} data-testid="rollout-apply">Apply</button>
        )}
        {confirming && (
          <>
            <span className="error-text">Route {percent} % of searches to B?</span>
            {percent > 0 && (
              <label>
                <input type="checkbox" checked={skipGate} onChange={(e) => setSkipGate(e.target.checked)} data-testid="rollout-skip-gate" /> skip the quality gate
              </label>
            )}
            <button onClick={() => { setConfirming(false); void setRollout(percent, skipGate && percent > 0); setSkipGate(false); }} data-testid="rollout-confirm">Yes, apply</button>
            <button onClick={() => setConfirming(false)}>No</button>
          </>
        )}
      </div>
      <p className="muted" data-testid="route-counts">
        Now {m.rolloutPercent} % to B · searches served: A {m.routeCounts.current}, B {m.routeCounts.candidate}
        {!ready && ' · the rollout opens once B holds every chunk'}
      </p>
      <label className="row">
        <input type="checkbox" checked={m.shadow} disabled={!ready || busy} onChange={(e) => void setShadow(e.target.checked)} data-testid="shadow-toggle" />
        Shadow mode: search both versions, serve as routed, log the differences
      </label>
      {m.shadowStats.queries > 0 && (
        <div data-testid="shadow-stats">
          <p className="muted">
            {m.shadowStats.queries} shadowed searches, mean overlap {(m.shadowStats.meanOverlap ?? 0).toFixed(2)}
          </p>
          <ul className="muted">
            {m.shadowStats.recent.slice(0, 5).map((r, i) => (
              <li key={i}>
                “{r.query}” — served {r.served === 'current' ? 'A' : 'B'}, overlap {r.overlap.toFixed(2)}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

interface ConfirmOption {
  label: string;
  checked: boolean;
  onCheck(v: boolean): void;
  testId?: string;
}

interface ConfirmProps {
  testId: string;
  text: string;
  options: ConfirmOption[];
  yes: string;
  onYes(): void;
  onClose(): void;
}

/** An inline confirmation with its choices (keep or delete vectors…) before a decision that cannot be undone silently. */
function Confirm({ testId, text, options, yes, onYes, onClose }: ConfirmProps): React.JSX.Element {
  return (
    <div className="confirm" data-testid={`${testId}-confirm`}>
      <p>{text}</p>
      {options.map((o) => (
        <label className="row" key={o.label}>
          <input type="checkbox" checked={o.checked} onChange={(e) => o.onCheck(e.target.checked)} data-testid={o.testId} /> {o.label}
        </label>
      ))}
      <div className="row">
        <button
          onClick={() => {
            onClose();
            onYes();
          }}
          data-testid={`${testId}-yes`}
        >
          {yes}
        </button>
        <button onClick={onClose}>Cancel</button>
      </div>
    </div>
  );
}

function DecisionPanel({ m }: { m: MigrationDTO }): React.JSX.Element {
  const { busy, finalize, rollback } = useCollectionsStore();
  const [asking, setAsking] = useState<'finalize' | 'rollback' | null>(null);
  const [keepA, setKeepA] = useState(false);
  const [skipGate, setSkipGate] = useState(false);
  const [deleteB, setDeleteB] = useState(false);
  return (
    <div>
      <div className="section-head"><h2>Decide</h2></div>
      <div className="row">
        <button disabled={busy || m.state !== 'ready'} onClick={() => setAsking('finalize')} data-testid="finalize">Finalize: B becomes current</button>
        <button disabled={busy} onClick={() => setAsking('rollback')} data-testid="rollback">Roll back: A serves 100 %</button>
      </div>
      {asking === 'finalize' && (
        <Confirm
          testId="finalize"
          text={`${m.to.model}@${m.to.version} will serve every search; every chunk's metadata records the migration.`}
          options={[
            { label: `keep ${m.from.model}@${m.from.version}'s vectors (otherwise they are deleted)`, checked: keepA, onCheck: setKeepA },
            { label: 'skip the quality gate', checked: skipGate, onCheck: setSkipGate, testId: 'finalize-skip-gate' },
          ]}
          yes="Yes, finalize"
          onYes={() => void finalize(keepA, skipGate)}
          onClose={() => setAsking(null)}
        />
      )}
      {asking === 'rollback' && (
        <Confirm
          testId="rollback"
          text={`${m.from.model}@${m.from.version} serves 100 % at once${m.state !== 'ready' ? ' and the re-embedding stops' : ''}.`}
          options={[{ label: `delete ${m.to.model}@${m.to.version}'s vectors (otherwise they are kept, and migrating again reuses them)`, checked: deleteB, onCheck: setDeleteB }]}
          yes="Yes, roll back"
          onYes={() => void rollback(deleteB)}
          onClose={() => setAsking(null)}
        />
      )}
    </div>
  );
}

function Monitor({ m }: { m: MigrationDTO }): React.JSX.Element {
  const { busy, control } = useCollectionsStore();
  const progress = m.total ? (m.done / m.total) * 100 : 100;
  const open = OPEN.includes(m.state);
  return (
    <div data-testid="migration-monitor">
      <div className="section-head">
        <h2>
          {m.from.model}@{m.from.version} → {m.to.model}@{m.to.version} <span className={`badge badge-${m.state}`} data-testid="migration-state">{m.state}</span>
        </h2>
        <span className="job-actions">
          {m.state === 'embedding' && <button disabled={busy} onClick={() => void control('pause')} data-testid="migration-pause">Pause</button>}
          {(m.state === 'paused' || m.state === 'interrupted') && <button disabled={busy} onClick={() => void control('resume')} data-testid="migration-resume">Resume</button>}
          {['embedding', 'paused', 'interrupted'].includes(m.state) && <button disabled={busy} onClick={() => void control('cancel')} data-testid="migration-cancel">Cancel</button>}
        </span>
      </div>
      <ProgressBar value={progress} state={m.state === 'embedding' ? 'running' : m.state === 'ready' || m.state === 'finalized' ? 'done' : m.state} label="Migration progress" />
      <p data-testid="migration-figures">
        <strong>{m.done}</strong> of {m.total} chunks in B ({m.to.dimension ?? '?'} dims) · {m.rate ? `${m.rate.toFixed(0)} chunks/s` : '— chunks/s'} · ETA {seconds(m.etaSeconds)}
        {m.truncated > 0 && <span className="muted"> · {m.truncated} chunk(s) cut to B's max length</span>}
      </p>
      {m.outcome && <p data-testid="migration-outcome">{m.outcome}</p>}
      <Charts m={m} />
      {m.errors.length > 0 && (
        <div data-testid="migration-errors">
          <h3>Errors</h3>
          <ul className="error-text">{m.errors.slice(-20).map((e, i) => <li key={i}>{e.at.slice(11, 19)} {e.message}</li>)}</ul>
        </div>
      )}
      {open && (
        <>
          <ComparePanel m={m} />
          <RolloutPanel m={m} />
          <DecisionPanel m={m} />
        </>
      )}
    </div>
  );
}

/** The migration monitor: everything comes from the core (job table, migration row), so it can be closed and reopened at any time. */
export function MigrationPage(): React.JSX.Element {
  const { collections, loaded, error, notice, selected, migration, load, select, refreshMigration } = useCollectionsStore();
  useEffect(() => {
    void load().then(() => refreshMigration());
    // Another process (the CLI) may change the rollout or finish the job: look again now and then.
    const timer = setInterval(() => void refreshMigration(), 5000);
    return () => clearInterval(timer);
  }, [load, refreshMigration]);
  const showStart = !migration || !OPEN.includes(migration.state);
  return (
    <section className="page" aria-labelledby="migrations-title">
      <h1 id="migrations-title">Migrations</h1>
      {error && <div className="error-banner" data-testid="migration-error">{describeError(error)}</div>}
      {error && <ModelMissingWarning error={error} />}
      {notice && <p className="muted" data-testid="migration-notice">{notice}</p>}
      {loaded && collections.length === 0 && <p className="muted">No collections yet: import documents first (Search page, or model-center collection import).</p>}
      {collections.length > 0 && (
        <label className="row">
          Collection
          <select value={selected ?? ''} onChange={(e) => void select(e.target.value)} data-testid="migration-collection">
            {collections.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name} — {c.model}@{c.version}
                {c.migration ? ` → ${c.migration.to} (${c.migration.state})` : ''}
              </option>
            ))}
          </select>
        </label>
      )}
      {migration && <Monitor m={migration} />}
      {selected && showStart && <StartPanel />}
      {selected && <QualityGatePanel collection={selected} migration={migration} />}
    </section>
  );
}
