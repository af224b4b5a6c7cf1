import { useCallback, useEffect, useState } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { adoptedName, type DetectDeleteResultDTO, type DetectGroupDTO, type DetectedModelDTO } from '../../../shared/contract';
import { describeError, toErrorDTO } from '../../../shared/errors';
import { api } from '../api-client';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { JobList } from '../components/JobList';
import { ModelUpkeep } from '../components/ModelUpkeep';
import { OllamaDetailsDialog } from '../components/OllamaDetailsDialog';
import { useRescanWhenDone } from '../components/use-rescan-when-done';
import { VoskInstall } from '../components/VoskInstall';
import { sortedJobs, useJobsStore } from '../stores/jobs-store';
import { useDetectStore } from '../stores/detect-store';
import { formatBytes } from '../../../shared/format-bytes';

/** Pull an Ollama model as a job; the job list below follows it live and a finished pull rescans. */
function OllamaPull({ serverUp }: { serverUp: boolean }): React.JSX.Element {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const byId = useJobsStore((s) => s.byId);
  const refresh = useDetectStore((s) => s.refresh);
  const pulls = sortedJobs(byId).filter((j) => j.kind === 'ollama.pull');
  const follow = useRescanWhenDone(pulls, () => void refresh());
  const pull = (): void => {
    setError(null);
    api()
      .call('ollama.pull', { name })
      .then((job) => follow(job.id))
      .catch((err: unknown) => setError(describeError(toErrorDTO(err))));
  };
  return (
    <div>
      <div className="row">
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="llama3:8b" aria-label="Ollama model name" data-testid="ollama-pull-name" />
        <button onClick={pull} disabled={!serverUp || name.trim() === ''} data-testid="ollama-pull">
          Pull with Ollama
        </button>
      </div>
      {error && <div className="error-banner">{error}</div>}
      {pulls.length > 0 && <JobList jobs={pulls.slice(0, 5)} empty="" />}
    </div>
  );
}

const TITLES: Record<DetectGroupDTO['source'], string> = {
  ollama: 'Ollama',
  vosk: 'Vosk',
  huggingface: 'Hugging Face cache',
  'sentence-transformers': 'Legacy sentence-transformers',
};

const COLORS = ['#4f7cff', '#1f9d55', '#c27c0e', '#d2342c', '#8e5cd9', '#138d9c', '#b5497a', '#6b8e23'];

/** What the row actions ask the page to do; the page owns the dialogs so only one is open at a time. */
interface RowActions {
  remove(source: DetectGroupDTO['source'], m: DetectedModelDTO, revision?: string): void;
  adopt(m: DetectedModelDTO): void;
  /** Ollama only, while its server runs: `ollama show` in a dialog. */
  details: ((m: DetectedModelDTO) => void) | null;
}

function Revisions({ m, actions }: { m: DetectedModelDTO; actions: RowActions }): React.JSX.Element | null {
  if (m.revisions.length < 2) return null;
  return (
    <details>
      <summary className="muted">{m.revisions.length} revisions</summary>
      <ul className="mono" data-testid="detect-revisions">
        {m.revisions.map((r) => (
          <li key={r.commit}>
            {r.commit.slice(0, 12)} {r.refs.length ? `(${r.refs.join(', ')})` : '(detached)'} · {formatBytes(r.sizeBytes)}{' '}
            <button className="link" onClick={() => actions.remove('huggingface', m, r.commit)} data-testid="detect-delete-revision">
              delete
            </button>
          </li>
        ))}
      </ul>
    </details>
  );
}

function Group({ group, actions }: { group: DetectGroupDTO; actions: RowActions }): React.JSX.Element {
  return (
    <div data-testid={`detect-group-${group.source}`}>
      <h2>
        {TITLES[group.source]} <span className="muted">— {group.models.length} model(s), {formatBytes(group.totalBytes)}</span>
      </h2>
      {group.models.length === 0 ? (
        <p className="muted">Nothing found in {group.roots.map((r) => r.path).join(', ')}.</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Size</th>
              <th>Revision</th>
              <th>Status</th>
              <th>Last used</th>
              <th>Location</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {group.models.map((m) => (
              <tr key={`${m.location}|${m.name}`} data-name={m.name}>
                <td>
                  {m.name}
                  {m.running && <span className="badge badge-running">running</span>}
                  {m.registryModel && <span className="badge badge-current">registry: {m.registryModel}</span>}
                </td>
                <td>{formatBytes(m.sizeBytes)}</td>
                <td className="mono">
                  {m.revision?.slice(0, 12) ?? ''}
                  <Revisions m={m} actions={actions} />
                </td>
                <td>
                  {m.complete ? <span className="badge badge-done">complete</span> : <span className="badge badge-failed">incomplete</span>}
                  {m.missing.length > 0 && <div className="muted">{m.missing.join('; ')}</div>}
                  {m.notes.length > 0 && <div className="muted">{m.notes.join(' · ')}</div>}
                </td>
                <td>{m.lastUsed?.slice(0, 10) ?? ''}</td>
                <td className="mono">{m.location}</td>
                <td>
                  <div className="row-actions">
                    {group.source === 'ollama' && actions.details && (
                      <button onClick={() => actions.details?.(m)} data-testid="ollama-details-open">
                        Details
                      </button>
                    )}
                    {group.source === 'sentence-transformers' && !m.registryModel && (
                      <button onClick={() => actions.adopt(m)} data-testid="detect-adopt">
                        Adopt into registry
                      </button>
                    )}
                    <button className="danger" onClick={() => actions.remove(group.source, m)} data-testid="detect-delete">
                      Delete
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {group.warnings.map((w) => (
        <div key={w} className="muted">
          warning: {w}
        </div>
      ))}
    </div>
  );
}

/** Disk used per source, each bar split by model (tooltip names them), so the big ones stand out. */
function UsageChart({ groups }: { groups: DetectGroupDTO[] }): React.JSX.Element {
  const series = groups.flatMap((g) => g.models.map((m) => ({ source: g.source, name: m.name, mb: m.sizeBytes / 1e6 })));
  // Keys by index: model names hold dots, which recharts would read as nested paths.
  const data = groups.map((g) => {
    const row: Record<string, string | number> = { source: TITLES[g.source] };
    series.forEach((s, i) => {
      if (s.source === g.source) row[`s${i}`] = s.mb;
    });
    return row;
  });
  return (
    <>
      <h2>Disk use by source and model</h2>
      <div style={{ width: '100%', height: 240 }} data-testid="detect-chart">
        <ResponsiveContainer>
          <BarChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="source" />
            <YAxis unit=" MB" />
            <Tooltip formatter={(v) => formatBytes(Number(v) * 1e6)} />
            {series.map((s, i) => (
              <Bar key={`s${i}`} dataKey={`s${i}`} name={s.name} stackId="disk" fill={COLORS[i % COLORS.length]} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
    </>
  );
}

type Pending = { kind: 'delete'; preview: DetectDeleteResultDTO } | { kind: 'adopt'; model: DetectedModelDTO } | { kind: 'details'; name: string };

export function DetectedPage(): React.JSX.Element {
  const { result, loading, error, refresh } = useDetectStore();
  const [pending, setPending] = useState<Pending | null>(null);
  const [adoptName, setAdoptName] = useState('');
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  const fail = (err: unknown): void => setActionError(describeError(toErrorDTO(err)));
  const close = useCallback(() => {
    setPending(null);
    setBusy(false);
  }, []);

  const actions: RowActions = {
    // Ask the core first (dry run): it refuses here already when a job or the registry uses the model, and
    // says what goes and how many bytes, which the dialog shows before anything is deleted.
    remove(source, m, revision) {
      setActionError(null);
      setNotice(null);
      api()
        .call('detect.delete', { source, name: m.name, location: m.location, revision, dryRun: true })
        .then((preview) => setPending({ kind: 'delete', preview }))
        .catch(fail);
    },
    adopt(m) {
      setActionError(null);
      setNotice(null);
      setAdoptName('');
      setPending({ kind: 'adopt', model: m });
    },
    details: result?.ollama.running ? (m) => setPending({ kind: 'details', name: m.name }) : null,
  };
  const confirm = (): void => {
    if (!pending) return;
    setBusy(true);
    const done = (text: string): void => {
      setNotice(text);
      close();
      void refresh();
    };
    if (pending.kind === 'details') return;
    if (pending.kind === 'delete') {
      const p = pending.preview;
      api()
        .call('detect.delete', { source: p.source, name: p.name, location: p.location, revision: p.revision ?? undefined, dryRun: false })
        .then((r) => done(`Deleted ${r.name}${r.revision ? `@${r.revision.slice(0, 12)}` : ''}: ${formatBytes(r.bytesFreed)} freed.`))
        .catch((err: unknown) => {
          close();
          fail(err);
        });
    } else {
      api()
        .call('detect.adoptLegacy', { path: pending.model.location, name: adoptName.trim() || undefined })
        .then((r) => done(`Registered ${r.model.name} ${r.version.version} (${r.version.status}): dimension ${r.model.dimension ?? '?'}, max length ${r.model.maxSeqLength ?? '?'}, pooling ${r.model.pooling ?? '?'}.`))
        .catch((err: unknown) => {
          close();
          fail(err);
        });
    }
  };

  return (
    <section className="page" aria-labelledby="detected-title">
      <div className="section-head">
        <h1 id="detected-title">Detected</h1>
        <button onClick={() => void refresh()} disabled={loading} data-testid="detect-refresh">
          {loading ? 'Scanning…' : 'Scan again'}
        </button>
      </div>
      {error && <div className="error-banner">{error}</div>}
      {actionError && (
        <div className="error-banner" role="alert" data-testid="detect-action-error">
          {actionError}
        </div>
      )}
      {notice && (
        <div className="notice" role="status" data-testid="detect-notice">
          {notice}
        </div>
      )}
      {result && (
        <>
          <p data-testid="ollama-server">
            {result.ollama.running ? `Ollama ${result.ollama.version ?? ''} running at ${result.ollama.host}` : (result.ollama.error ?? `Ollama not running at ${result.ollama.host}`)}
          </p>
          <OllamaPull serverUp={result.ollama.running} />
          <VoskInstall />
          <ModelUpkeep onChanged={() => void refresh()} />
          <UsageChart groups={result.groups} />
          {result.groups.map((g) => (
            <Group key={g.source} group={g} actions={actions} />
          ))}
        </>
      )}
      {pending?.kind === 'delete' && (
        <ConfirmDialog title={`Delete ${pending.preview.name}${pending.preview.revision ? ` @ ${pending.preview.revision.slice(0, 12)}` : ''}?`} confirmLabel={`Delete, free ${formatBytes(pending.preview.bytesFreed)}`} busy={busy} onConfirm={confirm} onCancel={close}>
          <p data-testid="confirm-bytes">
            This frees <strong>{formatBytes(pending.preview.bytesFreed)}</strong> and cannot be undone.
          </p>
          <ul className="mono">
            {pending.preview.removes.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </ConfirmDialog>
      )}
      {pending?.kind === 'details' && <OllamaDetailsDialog name={pending.name} onClose={close} />}
      {pending?.kind === 'adopt' && (
        <ConfirmDialog title={`Adopt ${pending.model.name} into the registry?`} confirmLabel="Adopt" busy={busy} onConfirm={confirm} onCancel={close} testId="adopt-dialog">
          <p>
            Registers <span className="mono">{pending.model.location}</span> as an embedding model (provider local) with version 1.0.0 in development. Dimension, maximum length and
            pooling are read from the folder. Nothing is copied or moved.
          </p>
          <label>
            Registry name (empty: from the folder name)
            <input value={adoptName} onChange={(e) => setAdoptName(e.target.value)} placeholder={adoptedName(pending.model.location.split(/[\\/]/).pop() ?? '') ?? ''} aria-label="Registry name" data-testid="adopt-name" />
          </label>
        </ConfirmDialog>
      )}
    </section>
  );
}
