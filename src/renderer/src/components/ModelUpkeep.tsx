import { useState } from 'react';
import { CLEANUP_SOURCES, type CleanupGroupDTO, type CleanupResultDTO, type CleanupSource, type EnsureResultDTO, type RecommendedResultDTO } from '../../../shared/contract';
import { describeError, toErrorDTO } from '../../../shared/errors';
import { api } from '../api-client';
import { useJobsStore } from '../stores/jobs-store';
import { ConfirmDialog } from './ConfirmDialog';
import { formatBytes } from './format';
import { JobList } from './JobList';
import { useRescanWhenDone } from './use-rescan-when-done';

const bytes = formatBytes;

const SOURCE_LABELS: Record<CleanupSource, string> = {
  huggingface: 'HF cache revisions',
  registry: 'Registry versions',
  ollama: 'Ollama tags',
  vosk: 'Vosk versions',
};

/** What cleanup would do (or did) to one source's groups: kept, removed (or archived) and listed-only items. */
function CleanupGroups({ source, groups, dryRun }: { source: Exclude<CleanupSource, 'huggingface'>; groups: CleanupGroupDTO[]; dryRun: boolean }): React.JSX.Element | null {
  if (groups.length === 0) return null;
  const gone = source === 'registry' ? (dryRun ? 'would archive' : 'archived') : dryRun ? 'would remove' : 'removed';
  return (
    <div data-testid={`cleanup-${source}`}>
      <h3>{SOURCE_LABELS[source]}</h3>
      <ul>
        {groups.map((g) => (
          <li key={g.model}>
            <span className="mono">{g.model}</span>: keeps {g.kept.map((k) => `${k.id} (${k.reason ?? ''})`).join(', ') || 'nothing'}
            {g.removed.length > 0 && (
              <>
                ; {gone}{' '}
                {g.removed.map((x) => (source === 'registry' ? `${x.id} (was ${x.status ?? '?'})` : `${x.id} (${bytes(x.bytes ?? 0)})`)).join(', ')}
              </>
            )}
            {g.listed.length > 0 && <div className="muted">listed only: {g.listed.map((x) => `${x.id} (${bytes(x.bytes ?? 0)})`).join(', ')} — {g.listed[0]?.reason}</div>}
            {g.skipped && <div className="muted">{g.skipped}</div>}
          </li>
        ))}
      </ul>
    </div>
  );
}

function cleanupCounts(r: CleanupResultDTO): { removals: number; archives: number } {
  const removals = r.repos.reduce((n, x) => n + x.removed.length, 0) + [...r.ollama, ...r.vosk].reduce((n, g) => n + (g.skipped ? 0 : g.removed.length), 0);
  return { removals, archives: r.registry.reduce((n, g) => n + g.removed.length, 0) };
}

/** Ensure the required models, see what fits this machine, and clean old Hub revisions (preview, then confirm). */
export function ModelUpkeep({ onChanged }: { onChanged: () => void }): React.JSX.Element {
  const [error, setError] = useState<string | null>(null);
  const [ensure, setEnsure] = useState<EnsureResultDTO | null>(null);
  const [rec, setRec] = useState<RecommendedResultDTO | null>(null);
  const [keep, setKeep] = useState(2);
  const [preview, setPreview] = useState<CleanupResultDTO | null>(null);
  const [sources, setSources] = useState<CleanupSource[]>([...CLEANUP_SOURCES]);
  const [allOllamaFamilies, setAllOllamaFamilies] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const fail = (err: unknown): void => setError(describeError(toErrorDTO(err)));

  // The jobs ensure started (Hub downloads, Ollama pulls, Vosk installs) are followed here; one ending done
  // rescans the page, so what it brought shows up in the groups below.
  const byId = useJobsStore((s) => s.byId);
  const ensureJobs = (ensure?.items ?? []).flatMap((i) => (i.jobId !== undefined && byId[i.jobId] ? [byId[i.jobId]!] : []));
  const follow = useRescanWhenDone(ensureJobs, onChanged);
  const runEnsure = (): void => {
    setError(null);
    api()
      .call('models.ensure', {})
      .then((r) => {
        for (const i of r.items) if (i.jobId !== undefined) follow(i.jobId);
        setEnsure(r);
      })
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
      .call('models.cleanup', { keep, dryRun: true, sources, allOllamaFamilies })
      .then(setPreview)
      .catch(fail);
  };
  const counts = preview ? cleanupCounts(preview) : { removals: 0, archives: 0 };
  const runCleanup = (): void => {
    setBusy(true);
    api()
      .call('models.cleanup', { keep, dryRun: false, sources: preview?.sources ?? sources, allOllamaFamilies: preview?.allOllamaFamilies ?? allOllamaFamilies })
      .then((r) => {
        setPreview(r);
        onChanged();
      })
      .catch(fail)
      .finally(() => {
        setBusy(false);
        setConfirming(false);
      });
  };
  const toggle = (s: CleanupSource): void => setSources((cur) => (cur.includes(s) ? cur.filter((x) => x !== s) : CLEANUP_SOURCES.filter((x) => x === s || cur.includes(x))));

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
        {CLEANUP_SOURCES.map((src) => (
          <label key={src}>
            <input type="checkbox" checked={sources.includes(src)} onChange={() => toggle(src)} data-testid={`cleanup-source-${src}`} />
            {SOURCE_LABELS[src]}
          </label>
        ))}
        {sources.includes('ollama') && (
          <label title="Without it, older tags are deleted only for families named in the required models (a tag is often another size, not an older build)">
            <input type="checkbox" checked={allOllamaFamilies} onChange={(e) => setAllOllamaFamilies(e.target.checked)} data-testid="cleanup-all-ollama" />
            every Ollama family
          </label>
        )}
        <button onClick={previewCleanup} disabled={sources.length === 0} data-testid="cleanup-preview">
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
      {ensureJobs.length > 0 && <JobList jobs={ensureJobs} empty="" />}
      {rec && (
        <>
          <p className="muted">
            This machine: RAM {bytes(rec.machine.totalRamBytes)}, GPU {rec.machine.gpus.length ? rec.machine.gpus.map((g) => `${g.name} (${bytes(g.memoryBytes)})`).join(', ') : 'none found'}; free disk{' '}
            {rec.machine.installDirs.map((d) => `${d.freeDiskBytes === null ? '?' : bytes(d.freeDiskBytes)} in ${d.path} (${d.kind})`).join(', ')}. {rec.note}
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
                    {m.installed ? (
                      <span className="badge badge-current">installed</span>
                    ) : m.fits ? (
                      <span className="badge badge-done">fits</span>
                    ) : (
                      <span className="badge badge-failed">too big</span>
                    )}
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
          <p data-testid="cleanup-summary">
            {preview.dryRun
              ? `Would remove ${counts.removals} item(s), freeing ${bytes(preview.bytesFreed)}; would archive ${counts.archives} registry version(s).`
              : `Removed ${counts.removals} item(s), freed ${bytes(preview.bytesFreed)}; archived ${counts.archives} registry version(s).`}
          </p>
          {preview.repos.length > 0 && <h3>{SOURCE_LABELS.huggingface}</h3>}
          <ul>
            {preview.repos.map((r) => (
              <li key={r.repo}>
                <span className="mono">{r.repo}</span>:{' '}
                {r.skipped ? `left alone (${r.skipped})` : `keeps ${r.kept.length}, ${preview.dryRun ? 'would remove' : 'removed'} ${r.removed.map((x) => x.commit.slice(0, 12)).join(', ') || 'nothing'}`}
              </li>
            ))}
          </ul>
          <CleanupGroups source="registry" groups={preview.registry} dryRun={preview.dryRun} />
          <CleanupGroups source="ollama" groups={preview.ollama} dryRun={preview.dryRun} />
          <CleanupGroups source="vosk" groups={preview.vosk} dryRun={preview.dryRun} />
          {preview.warnings.map((w) => (
            <div key={w} className="error-text">
              {w}
            </div>
          ))}
          {preview.dryRun && counts.removals + counts.archives > 0 && (
            <button className="danger" onClick={() => setConfirming(true)} data-testid="cleanup-run">
              Apply cleanup…
            </button>
          )}
        </div>
      )}
      {confirming && preview && (
        <ConfirmDialog title="Apply cleanup?" confirmLabel={`Delete ${counts.removals}, archive ${counts.archives}`} busy={busy} onConfirm={runCleanup} onCancel={() => setConfirming(false)} testId="cleanup-dialog">
          <p data-testid="cleanup-dialog-bytes">
            Deletes {counts.removals} revision(s) or model folder(s), freeing <strong>{bytes(preview.bytesFreed)}</strong>, and archives {counts.archives} registry version(s). Kept: the{' '}
            {preview.keep} most recent of each model, and anything current, in production, pinned or used by a job.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
