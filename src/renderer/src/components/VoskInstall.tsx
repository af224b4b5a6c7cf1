import { useEffect, useState } from 'react';
import { parseVoskRef, type DetectedModelDTO, type JobDTO, type VoskCatalogueEntry } from '../../../shared/contract';
import { describeError, toErrorDTO } from '../../../shared/errors';
import { api } from '../api-client';
import { useDetectStore } from '../stores/detect-store';
import { sortedJobs, useJobsStore } from '../stores/jobs-store';
import { formatBytes } from './format';
import { JobList } from './JobList';
import { useRescanWhenDone } from './use-rescan-when-done';

/** The model a `vosk.install` job installs: its URL's zip name, which the core stages the download under. */
function installName(job: JobDTO): string | null {
  const ref = typeof job.params.url === 'string' ? parseVoskRef(job.params.url) : null;
  return ref && typeof ref !== 'string' ? ref.name : null;
}

/** Not finished: the core refuses a second install of the same model (CONFLICT) while one of these holds it. */
const holdsModel = (j: JobDTO): boolean => j.state === 'queued' || j.state === 'running' || j.state === 'paused' || j.state === 'interrupted';

function CatalogueRow({ m, found, installing, busy, install }: { m: VoskCatalogueEntry; found: DetectedModelDTO | undefined; installing: boolean; busy: boolean; install: () => void }): React.JSX.Element {
  return (
    <tr data-name={m.name}>
      <td>
        {m.title}
        {found && (found.complete ? <span className="badge badge-done">installed</span> : <span className="badge badge-failed">installed, incomplete</span>)}
        <div className="mono muted">{m.name}</div>
      </td>
      <td>{m.language}</td>
      <td>{formatBytes(m.zipBytes)}</td>
      <td>~{m.unpackedMB} MB</td>
      <td className="muted">{m.note}</td>
      <td>
        <button onClick={install} disabled={busy || installing || found !== undefined} title={found ? `Already in the Vosk group below (${found.location}); delete it there to reinstall` : undefined} data-testid="vosk-install">
          {installing ? 'Installing…' : 'Install'}
        </button>
      </td>
    </tr>
  );
}

/**
 * Install Vosk models from the catalogue or by name / zip URL, as `vosk.install` jobs followed live below; a
 * finished install rescans the page so the model shows up in the Vosk group.
 */
export function VoskInstall(): React.JSX.Element {
  const [catalogue, setCatalogue] = useState<VoskCatalogueEntry[] | null>(null);
  const [ref, setRef] = useState('');
  const [register, setRegister] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const voskGroup = useDetectStore((s) => s.result?.groups.find((g) => g.source === 'vosk'));
  const refresh = useDetectStore((s) => s.refresh);
  const byId = useJobsStore((s) => s.byId);
  const installs = sortedJobs(byId).filter((j) => j.kind === 'vosk.install');
  const installing = new Set(installs.filter(holdsModel).map(installName));

  useEffect(() => {
    api()
      .call('vosk.recommended', {})
      .then(setCatalogue)
      .catch((err: unknown) => setError(describeError(toErrorDTO(err))));
  }, []);

  // Installs started here, by ensure or from the CLI alike.
  const follow = useRescanWhenDone(installs, () => void refresh());

  const install = (model: string): void => {
    setError(null);
    setBusy(true);
    api()
      .call('vosk.install', { model, register })
      .then((job) => {
        follow(job.id);
        if (model === ref) setRef('');
      })
      .catch((err: unknown) => setError(describeError(toErrorDTO(err))))
      .finally(() => setBusy(false));
  };

  return (
    <div data-testid="vosk-models">
      <h2>Vosk models</h2>
      <div className="row">
        <input value={ref} onChange={(e) => setRef(e.target.value)} placeholder="vosk-model-small-en-us-0.15 or https://…/model.zip" aria-label="Vosk model name or zip URL" data-testid="vosk-install-ref" style={{ flex: 1 }} />
        <button onClick={() => install(ref.trim())} disabled={busy || ref.trim() === ''} data-testid="vosk-install-ref-submit">
          Install
        </button>
        <label title="Create a speech-to-text registry model for it, with a first version in development">
          <input type="checkbox" checked={register} onChange={(e) => setRegister(e.target.checked)} data-testid="vosk-install-register" />
          register in the registry
        </label>
      </div>
      {error && (
        <div className="error-banner" role="alert" data-testid="vosk-install-error">
          {error}
        </div>
      )}
      {installs.length > 0 && <JobList jobs={installs.slice(0, 5)} empty="" />}
      {catalogue && (
        <table className="data-table" data-testid="vosk-catalogue">
          <thead>
            <tr>
              <th>Model</th>
              <th>Language</th>
              <th>Zip</th>
              <th>Unpacked</th>
              <th>Note</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {catalogue.map((m) => (
              <CatalogueRow key={m.name} m={m} found={voskGroup?.models.find((f) => f.name === m.name)} installing={installing.has(m.name)} busy={busy} install={() => install(m.name)} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
