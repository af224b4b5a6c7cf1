import { useEffect, useMemo, useState } from 'react';
import type { Compression } from '../../../shared/contract';
import { api } from '../api-client';
import { BUNDLE_JOB_KINDS, useBundlesStore } from '../stores/bundles-store';
import { useHubStore } from '../stores/hub-store';
import { sortedJobs, useJobsStore } from '../stores/jobs-store';
import { ActionMessages } from './ActionMessages';
import { formatBytes } from './format';
import { JobList } from './JobList';
import { ModelStorePanel } from './ModelStorePanel';
import { ProgressBar } from './ProgressBar';

/**
 * Offline transfer on the Models page: export chosen models to one bundle, import a bundle, and (through the
 * model store panel) publish and pull. Desktop: native file dialogs; browser: download and upload.
 */
export function BundlesPanel(): React.JSX.Element {
  const { exports, busy, error, notice, upload, load, exportModels, importBundle, download, deleteExport, publish } = useBundlesStore();
  const downloaded = useHubStore((s) => s.models);
  const loadDownloaded = useHubStore((s) => s.load);
  const byId = useJobsStore((s) => s.byId);
  const jobs = useMemo(() => sortedJobs(byId).filter((j) => BUNDLE_JOB_KINDS.includes(j.kind)), [byId]);
  const [chosen, setChosen] = useState<string[]>([]);
  const [file, setFile] = useState<File | null>(null);
  const [compression, setCompression] = useState<Compression>('gzip');
  const desktop = Boolean(api().dialogs);

  // A job that ends changes the exports folder and the cache.
  const finished = jobs.filter((j) => j.state === 'done').length;
  useEffect(() => {
    void load();
    void loadDownloaded();
  }, [load, loadDownloaded, finished]);

  const toggle = (ref: string): void => setChosen((c) => (c.includes(ref) ? c.filter((x) => x !== ref) : [...c, ref]));
  return (
    <section className="import-panel" aria-labelledby="bundles-title" data-testid="bundles">
      <h2 id="bundles-title">Bundles: move models to machines with no network</h2>
      <ActionMessages error={error} notice={notice} />
      <h3>Export</h3>
      {downloaded.length === 0 ? (
        <p className="muted">No downloaded models to export (see Downloads).</p>
      ) : (
        <fieldset className="pick-list" aria-label="Models to export">
          {downloaded.map((m) => {
            const ref = `${m.repo}@${m.commit}`;
            return (
              <label key={ref}>
                <input type="checkbox" checked={chosen.includes(ref)} onChange={() => toggle(ref)} aria-label={`Export ${m.repo}`} />
                <span>{m.repo}</span>
                <span className="mono">
                  {m.revision} · {m.commit.slice(0, 10)}
                </span>
                <span className="muted">{formatBytes(m.sizeBytes)}</span>
              </label>
            );
          })}
        </fieldset>
      )}
      <div className="row">
        <label>
          Compression{' '}
          <select value={compression} onChange={(e) => setCompression(e.target.value as Compression)} data-testid="export-compression">
            <option value="gzip">gzip (.tar.gz)</option>
            <option value="zstd">zstd (.tar.zst): smaller, faster to read</option>
            <option value="none">none (.tar)</option>
          </select>
        </label>
        <button type="button" disabled={busy || chosen.length === 0} onClick={() => void exportModels(chosen, compression)}>
          {desktop ? 'Export to a file…' : 'Export'}
        </button>
        <button type="button" disabled={busy || chosen.length === 0} onClick={() => void publish(chosen)} title="Upload to the S3-compatible model store">
          Publish to the model store
        </button>
      </div>

      <h3>Import</h3>
      {desktop ? (
        <button type="button" disabled={busy} onClick={() => void importBundle()}>
          Import a bundle…
        </button>
      ) : (
        <div className="row">
          <input type="file" aria-label="Bundle file" accept=".gz,.tgz,.zst,.tzst,.tar" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          <button type="button" disabled={busy || !file} onClick={() => file && void importBundle(file)}>
            Upload and import
          </button>
        </div>
      )}
      {upload && (
        <div data-testid="upload-progress">
          <span className="muted">
            Uploading {upload.name}: {formatBytes(upload.sent)} of {formatBytes(upload.total)}
          </span>
          <ProgressBar value={upload.total ? (upload.sent / upload.total) * 100 : 0} label={`Upload of ${upload.name}`} />
        </div>
      )}

      <h3>Jobs</h3>
      <JobList jobs={jobs} empty="No exports, imports, publishes or pulls yet." />

      {exports.length > 0 && (
        <>
          <h3>Exported bundles</h3>
          <table className="data-table" data-testid="exports-table">
            <thead>
              <tr>
                <th>File</th>
                <th>Size</th>
                <th>Made</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {exports.map((f) => (
                <tr key={f.name} data-export={f.name}>
                  <td className="mono">{f.name}</td>
                  <td>{formatBytes(f.sizeBytes)}</td>
                  <td className="muted">{f.modifiedAt.replace('T', ' ').slice(0, 19)}</td>
                  <td className="row">
                    {!desktop && (
                      <button type="button" onClick={() => void download(f.name)}>
                        Download
                      </button>
                    )}
                    <button type="button" onClick={() => window.confirm(`Delete ${f.name}?`) && void deleteExport(f.name)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <ModelStorePanel />
    </section>
  );
}
