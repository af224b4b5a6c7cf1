import { useEffect, useState } from 'react';
import { VERSION_STATUSES, type ImportReport, type MlflowStatusDTO, type ModelDetailDTO, type VersionDTO, type VersionStatus } from '../../../shared/contract';
import { BundlesPanel } from '../components/BundlesPanel';
import { ErrorPanel } from '../components/ErrorPanel';
import { HealthBadge } from '../components/HealthBadge';
import { ModelUpstreamBadge, UpstreamPanel } from '../components/UpstreamPanel';
import { useInferenceStore, validationKey, validationOf } from '../stores/inference-store';
import { useRegistryStore } from '../stores/registry-store';
import { useUpstreamStore } from '../stores/upstream-store';

function StatusBadge({ status }: { status: VersionStatus | null }): React.JSX.Element {
  return <span className={`badge badge-${status ?? 'none'}`}>{status ?? 'no current'}</span>;
}

/** Moves that take a version out of service or change what serves: asked twice. */
const DESTRUCTIVE: readonly VersionStatus[] = ['deprecated', 'archived'];

/** An embedding version's latest validation and the action to run it again (models/versions are validated as name@version). */
function VersionHealth({ model, version }: { model: string; version: string }): React.JSX.Element {
  const ref = `${model}@${version}`;
  const key = validationKey(ref, null);
  const report = useInferenceStore((s) => validationOf(s.validations, model, version));
  const running = useInferenceStore((s) => s.validating.includes(key));
  const error = useInferenceStore((s) => s.rowErrors[key]);
  const validate = useInferenceStore((s) => s.validate);
  return (
    <td data-testid={`health-${version}`}>
      <div className="row">
        <HealthBadge report={report} running={running} />
        <button type="button" disabled={running} onClick={() => void validate(ref, null, false)}>
          Validate
        </button>
      </div>
      {error && (
        <div className="error-text">
          {error.message}
          {error.hint ? ` ${error.hint}` : ''}
        </div>
      )}
    </td>
  );
}

function VersionRow({ model, v }: { model: ModelDetailDTO; v: VersionDTO }): React.JSX.Element {
  const { transitions, busy, setStatus, setCurrent } = useRegistryStore();
  const moves = transitions[v.status] ?? [];
  const canBeCurrent = !v.isCurrent && (v.status === 'production' || v.status === 'staging');
  return (
    <tr data-testid={`version-${v.version}`}>
      <td className="mono">
        {v.version}
        {v.isCurrent && <span className="badge badge-current">current</span>}
      </td>
      <td>
        <StatusBadge status={v.status} />
      </td>
      <td className="muted">{v.description ?? ''}</td>
      <td className="mono">{v.latestMetrics ? Object.entries(v.latestMetrics.metrics).map(([k, n]) => `${k}=${n}`).join(' ') : ''}</td>
      {model.type === 'embedding' && <VersionHealth model={model.name} version={v.version} />}
      <td className="row">
        <select
          aria-label={`Change status of ${v.version}`}
          value=""
          disabled={busy || moves.length === 0}
          onChange={(e) => {
            const to = e.target.value as VersionStatus;
            if (!to) return;
            if (DESTRUCTIVE.includes(to) && !window.confirm(`Mark ${model.name} ${v.version} as ${to}?`)) return;
            void setStatus(model.name, v.version, to);
          }}
        >
          <option value="">{moves.length ? 'Move to…' : 'No moves'}</option>
          {moves.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        {canBeCurrent && (
          <button
            type="button"
            disabled={busy}
            onClick={() => {
              if (window.confirm(`Make ${v.version} the current version of ${model.name}? (now: ${model.currentVersion ?? 'none'})`)) {
                void setCurrent(model.name, v.version, model.currentVersion);
              }
            }}
          >
            Set current
          </button>
        )}
      </td>
    </tr>
  );
}

function RegisterForm({ model }: { model: ModelDetailDTO }): React.JSX.Element {
  const { busy, registerVersion } = useRegistryStore();
  const [version, setVersion] = useState('');
  const [status, setStatus] = useState<VersionStatus>('development');
  const [description, setDescription] = useState('');
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        void registerVersion(model.name, version, status, description).then((ok) => {
          if (ok) {
            setVersion('');
            setDescription('');
          }
        });
      }}
    >
      <input aria-label="New version" placeholder="1.0.0" value={version} onChange={(e) => setVersion(e.target.value)} />
      <select aria-label="Initial status" value={status} onChange={(e) => setStatus(e.target.value as VersionStatus)}>
        {VERSION_STATUSES.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
      <input aria-label="Description" placeholder="What changed" value={description} onChange={(e) => setDescription(e.target.value)} />
      <button type="submit" disabled={busy || !version.trim()}>
        Register version
      </button>
    </form>
  );
}

function ModelDetail({ model }: { model: ModelDetailDTO }): React.JSX.Element {
  const { busy, rollback } = useRegistryStore();
  const source = model.source
    ? model.source.kind === 'hub'
      ? `${model.source.repoId}@${model.source.revision ?? 'default branch'}`
      : model.source.kind === 'path'
        ? model.source.path
        : model.source.tag
    : 'unknown';
  return (
    <div data-testid="model-detail">
      <div className="section-head">
        <h2>{model.name}</h2>
        <button
          type="button"
          disabled={busy || !model.previousVersion}
          title={model.previousVersion ? `Return to ${model.previousVersion}` : 'No previous current version'}
          onClick={() => {
            if (window.confirm(`Roll ${model.name} back from ${model.currentVersion ?? 'none'} to ${model.previousVersion ?? 'none'}?`)) {
              void rollback(model.name, model.currentVersion);
            }
          }}
        >
          Roll back{model.previousVersion ? ` to ${model.previousVersion}` : ''}
        </button>
      </div>
      <dl className="facts">
        <dt>Source</dt>
        <dd className="mono">{source}</dd>
        <dt>Aliases</dt>
        <dd>{model.aliases.join(', ') || '—'}</dd>
        <dt>Dimension / max length</dt>
        <dd>
          {model.dimension ?? '—'} / {model.maxSeqLength ?? '—'}
        </dd>
        <dt>Current / previous</dt>
        <dd className="mono">
          {model.currentVersion ?? 'none'} / {model.previousVersion ?? 'none'}
        </dd>
      </dl>
      <h3>Versions</h3>
      {model.versions.length === 0 ? (
        <p className="muted">No versions yet.</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th>Version</th>
              <th>Status</th>
              <th>Description</th>
              <th>Latest metrics</th>
              {model.type === 'embedding' && <th>Health</th>}
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {model.versions.map((v) => (
              <VersionRow key={v.version} model={model} v={v} />
            ))}
          </tbody>
        </table>
      )}
      <h3>Register a version</h3>
      <RegisterForm model={model} />
    </div>
  );
}

function ImportPanel(): React.JSX.Element {
  const { busy, importText } = useRegistryStore();
  const [text, setText] = useState('');
  const [report, setReport] = useState<ImportReport | null>(null);
  return (
    <details className="import-panel">
      <summary>Import models</summary>
      <p className="muted">
        Paste a <span className="mono">model_registry.json</span> (seed 003) or an <span className="mono">EMB_MODELS=&quot;alias:model_id:rev:dim:max_seq,…&quot;</span> line.
      </p>
      <textarea aria-label="Registry to import" rows={5} value={text} onChange={(e) => setText(e.target.value)} />
      <div className="row">
        <button type="button" disabled={busy || !text.trim()} onClick={() => void importText(text).then(setReport)}>
          Import
        </button>
      </div>
      {report && report.refused.length > 0 && (
        <ul className="error-text" data-testid="import-refused">
          {report.refused.map((r) => (
            <li key={r.entry}>
              {r.entry}: {r.reason}
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}

/** One line on automatic MLflow logging: off, connected, or unreachable with the reason (MLflow is optional). */
function MlflowLine({ status }: { status: MlflowStatusDTO | null }): React.JSX.Element | null {
  if (!status) return null;
  let text: string;
  if (!status.configured) text = 'off (set an MLflow tracking server in Settings to log versions and metrics)';
  else if (status.reachable === false) text = `unreachable at ${status.uri ?? ''} (${status.lastError ?? 'no answer'})`;
  else if (status.reachable === null) text = `configured at ${status.uri ?? ''}, nothing logged yet`;
  else text = `connected to ${status.uri ?? ''}${status.lastError ? ` (last error: ${status.lastError})` : ''}`;
  return (
    <p className="muted" data-testid="mlflow-status">
      MLflow: {text}
    </p>
  );
}

export function ModelsPage(): React.JSX.Element {
  const { models, selected, loaded, error, notice, mlflow, load, select } = useRegistryStore();
  const validations = useInferenceStore((s) => s.validations);
  const validationsError = useInferenceStore((s) => s.validationsError);
  useEffect(() => {
    void load();
    void useInferenceStore.getState().loadValidations();
    void useUpstreamStore.getState().load();
  }, [load]);
  return (
    <section className="page" aria-labelledby="models-title">
      <h1 id="models-title">Models</h1>
      <MlflowLine status={mlflow} />
      {error && (
        <div className="error-banner" role="alert">
          {error}
        </div>
      )}
      {validationsError && <ErrorPanel error={validationsError} />}
      {notice && (
        <p className="muted" role="status">
          {notice}
        </p>
      )}
      {!loaded ? (
        <p className="muted">Loading…</p>
      ) : models.length === 0 ? (
        <p className="muted">
          No models registered yet. From a terminal: <span className="mono">model-center register &lt;model&gt; 1.0.0 --type embedding</span> or{' '}
          <span className="mono">model-center import-registry model_registry.json</span>.
        </p>
      ) : (
        <table className="data-table" data-testid="models-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Provider</th>
              <th>Current</th>
              <th>Status</th>
              <th title="Latest validation of the current version (embedding models)">Health</th>
              <th>Versions</th>
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <tr key={m.name} className={selected?.name === m.name ? 'selected' : undefined} onClick={() => void select(m.name)}>
                <td>
                  <button type="button" className="link" onClick={() => void select(m.name)}>
                    {m.name}
                  </button>
                  <ModelUpstreamBadge model={m.name} />
                </td>
                <td>
                  <span className="badge">{m.type}</span>
                </td>
                <td>
                  <span className="badge">{m.provider}</span>
                </td>
                <td className="mono">{m.currentVersion ?? '—'}</td>
                <td>
                  <StatusBadge status={m.currentStatus} />
                </td>
                <td data-testid={`model-health-${m.name}`}>
                  {m.type === 'embedding' ? <HealthBadge report={validationOf(validations, m.name, m.currentVersion)} /> : <span className="muted">—</span>}
                </td>
                <td>{m.versionCount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {selected && <ModelDetail model={selected} />}
      <UpstreamPanel />
      <ImportPanel />
      <BundlesPanel />
    </section>
  );
}
