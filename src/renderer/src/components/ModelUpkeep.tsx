import { useState } from 'react';
import type { CleanupResultDTO, EnsureResultDTO, RecommendedResultDTO } from '../../../shared/contract';
import { describeError, toErrorDTO } from '../../../shared/errors';
import { api } from '../api-client';
import { formatBytes } from './format';

const bytes = formatBytes;

/** Ensure the required models, see what fits this machine, and clean old Hub revisions (preview, then confirm). */
export function ModelUpkeep({ onChanged }: { onChanged: () => void }): React.JSX.Element {
  const [error, setError] = useState<string | null>(null);
  const [ensure, setEnsure] = useState<EnsureResultDTO | null>(null);
  const [rec, setRec] = useState<RecommendedResultDTO | null>(null);
  const [keep, setKeep] = useState(2);
  const [preview, setPreview] = useState<CleanupResultDTO | null>(null);
  const fail = (err: unknown): void => setError(describeError(toErrorDTO(err)));

  const runEnsure = (): void => {
    setError(null);
    api()
      .call('models.ensure', {})
      .then(setEnsure)
      .catch(fail);
  };
  const loadRecommended = (): void => {
    setError(null);
    api()
      .call('models.recommended', {})
      .then(setRec)
      .catch(fail);
  };
  const previewCleanup = (): void => {
    setError(null);
    api()
      .call('models.cleanup', { keep, dryRun: true })
      .then(setPreview)
      .catch(fail);
  };
  const count = preview ? preview.repos.reduce((n, r) => n + r.removed.length, 0) : 0;
  const runCleanup = (): void => {
    if (!preview || !window.confirm(`Delete ${count} old revision(s) and free ${bytes(preview.bytesFreed)}?`)) return;
    api()
      .call('models.cleanup', { keep, dryRun: false })
      .then((r) => {
        setPreview(r);
        onChanged();
      })
      .catch(fail);
  };

  return (
    <div data-testid="model-upkeep">
      <h2>Required models and upkeep</h2>
      {error && <div className="error-banner">{error}</div>}
      <div className="row">
        <button onClick={runEnsure} data-testid="ensure-run">
          Ensure required models
        </button>
        <button onClick={loadRecommended} data-testid="recommended-load">
          Recommended models
        </button>
        <label>
          Keep
          <input type="number" min={1} max={100} value={keep} onChange={(e) => setKeep(Math.max(1, Number(e.target.value)))} aria-label="Revisions to keep" />
        </label>
        <button onClick={previewCleanup} data-testid="cleanup-preview">
          Preview cleanup
        </button>
      </div>
      {ensure && (
        <table className="data-table" data-testid="ensure-result">
          <tbody>
            {ensure.items.length === 0 && (
              <tr>
                <td className="muted">No required models: add them on the Settings page.</td>
              </tr>
            )}
            {ensure.items.map((i) => (
              <tr key={i.ref}>
                <td className="mono">{i.ref}</td>
                <td>{i.present ? 'present' : 'missing'}</td>
                <td>{i.action === 'started' ? `job ${i.jobId ?? ''} started` : i.action === 'failed' ? (i.error ?? 'failed') : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rec && (
        <>
          <p className="muted">
            This machine: RAM {bytes(rec.machine.totalRamBytes)}, free disk {rec.machine.freeDiskBytes === null ? '?' : bytes(rec.machine.freeDiskBytes)} in {rec.machine.diskPath}, GPU{' '}
            {rec.machine.gpus.length ? rec.machine.gpus.map((g) => `${g.name} (${bytes(g.memoryBytes)})`).join(', ') : 'none found'}. {rec.note}
          </p>
          <table className="data-table" data-testid="recommended-table">
            <thead>
              <tr>
                <th>Kind</th>
                <th>Model</th>
                <th>Disk</th>
                <th>RAM</th>
                <th>VRAM</th>
                <th>Fits</th>
              </tr>
            </thead>
            <tbody>
              {rec.models.map((m) => (
                <tr key={m.ref}>
                  <td>{m.kind}</td>
                  <td>
                    {m.title}
                    <div className="mono muted">{m.ref}</div>
                  </td>
                  <td>~{m.diskMB} MB</td>
                  <td>~{m.ramGB} GB</td>
                  <td>{m.vramGB === null ? '-' : `~${m.vramGB} GB`}</td>
                  <td>
                    {m.fits ? <span className="badge badge-done">fits</span> : <span className="badge badge-failed">too big</span>}
                    {m.reasons.length > 0 && <div className="muted">{m.reasons.join('; ')}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {preview && (
        <div data-testid="cleanup-result">
          <p>
            {preview.dryRun ? `Would remove ${count} revision(s), freeing ${bytes(preview.bytesFreed)}.` : `Removed ${count} revision(s), freed ${bytes(preview.bytesFreed)}.`}
          </p>
          <ul>
            {preview.repos.map((r) => (
              <li key={r.repo}>
                <span className="mono">{r.repo}</span>:{' '}
                {r.skipped ? `left alone (${r.skipped})` : `keeps ${r.kept.length}, ${preview.dryRun ? 'would remove' : 'removed'} ${r.removed.map((x) => x.commit.slice(0, 12)).join(', ') || 'nothing'}`}
              </li>
            ))}
          </ul>
          {preview.dryRun && count > 0 && (
            <button onClick={runCleanup} data-testid="cleanup-run">
              Delete {count} revision(s)…
            </button>
          )}
        </div>
      )}
    </div>
  );
}
