import { useEffect, useMemo, useState } from 'react';
import { REPO_ID_PATTERN, VARIANTS, type DownloadedModelDTO, type Variant } from '../../../shared/contract';
import { formatBytes } from '../components/format';
import { JobList } from '../components/JobList';
import { useHubStore } from '../stores/hub-store';
import { sortedJobs, useJobsStore } from '../stores/jobs-store';

function ModelRow({ model }: { model: DownloadedModelDTO }): React.JSX.Element {
  const verify = useHubStore((s) => s.verify[model.repo]);
  const verifyModel = useHubStore((s) => s.verifyModel);
  const deleteModel = useHubStore((s) => s.deleteModel);
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const remove = async (): Promise<void> => {
    setConfirm(false);
    setError(await deleteModel(model.repo));
  };
  return (
    <li className="job" data-model={model.repo}>
      <div className="job-head">
        <span className="job-title">{model.repo}</span>
        <span className="mono">{model.revision} · {model.commit.slice(0, 10)}</span>
        <span className="badge">{model.variant}</span>
        <span>{formatBytes(model.sizeBytes)}</span>
      </div>
      <div className="job-foot">
        <span className="muted">
          {model.files.length} files · verified {model.verifiedAt ? model.verifiedAt.replace('T', ' ').slice(0, 19) : 'never'}
          {verify === 'running' && ' · verifying…'}
          {verify && verify !== 'running' && 'ok' in verify && (verify.ok ? ' · all files match' : ` · ${verify.files.filter((f) => !f.ok).length} file(s) damaged`)}
        </span>
        <span className="job-actions">
          <button onClick={() => void verifyModel(model.repo)} disabled={verify === 'running'}>Verify</button>
          {!confirm && <button onClick={() => setConfirm(true)}>Delete</button>}
          {confirm && (
            <>
              <span className="error-text">Delete {formatBytes(model.sizeBytes)}?</span>
              <button onClick={() => void remove()}>Yes, delete</button>
              <button onClick={() => setConfirm(false)}>Keep</button>
            </>
          )}
        </span>
      </div>
      {verify && verify !== 'running' && 'error' in verify && <div className="error-text">{verify.error}</div>}
      {verify && verify !== 'running' && 'ok' in verify && !verify.ok && (
        <ul className="error-text">
          {verify.files.filter((f) => !f.ok).map((f) => (
            <li key={f.path}>{f.path}: {f.problem} (expected {f.expected}, got {f.actual ?? 'nothing'})</li>
          ))}
        </ul>
      )}
      {error && <div className="error-text">{error}</div>}
    </li>
  );
}

export function DownloadsPage(): React.JSX.Element {
  const { models, loaded, error, load, download } = useHubStore();
  const byId = useJobsStore((s) => s.byId);
  const jobs = useMemo(() => sortedJobs(byId).filter((j) => j.kind === 'download'), [byId]);
  const [repo, setRepo] = useState('');
  const [revision, setRevision] = useState('main');
  const [variant, setVariant] = useState<Variant>('fp32');
  const [include, setInclude] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // A download that finishes changes the list of models.
  const doneCount = jobs.filter((j) => j.state === 'done').length;
  useEffect(() => {
    void load();
  }, [load, doneCount]);

  const submit = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    if (!REPO_ID_PATTERN.test(repo.trim())) {
      setFormError('Enter a Hub repo id like "sentence-transformers/all-MiniLM-L6-v2".');
      return;
    }
    setBusy(true);
    const globs = include.split(/[\s,]+/).filter(Boolean);
    setFormError(await download({ repo: repo.trim(), revision: revision.trim() || 'main', variant, include: globs }));
    setBusy(false);
  };

  return (
    <section className="page" aria-labelledby="downloads-title">
      <h1 id="downloads-title">Downloads</h1>
      <form className="form" onSubmit={(e) => void submit(e)} aria-label="Download a model">
        <label>
          Model (Hub repo id)
          <input value={repo} onChange={(e) => setRepo(e.target.value)} placeholder="org/name" required />
        </label>
        <div className="row">
          <label>
            Revision
            <input value={revision} onChange={(e) => setRevision(e.target.value)} placeholder="main" />
          </label>
          <label>
            Variant
            <select value={variant} onChange={(e) => setVariant(e.target.value as Variant)}>
              {VARIANTS.map((v) => (
                <option key={v} value={v}>{v}</option>
              ))}
            </select>
          </label>
        </div>
        <label>
          Also include (globs, optional)
          <input value={include} onChange={(e) => setInclude(e.target.value)} placeholder="README.md *.txt" />
        </label>
        <div className="row">
          <button type="submit" disabled={busy}>Download</button>
        </div>
        {formError && <div className="error-text">{formError}</div>}
      </form>

      <div className="section-head"><h2>Download jobs</h2></div>
      <JobList jobs={jobs} empty="No downloads yet." />

      <div className="section-head"><h2>Downloaded models</h2></div>
      {error && <div className="error-banner">{error}</div>}
      {loaded && models.length === 0 && <p className="muted">No downloaded models.</p>}
      <ul className="job-list">
        {models.map((m) => (
          <ModelRow key={`${m.repo}@${m.commit}`} model={m} />
        ))}
      </ul>
    </section>
  );
}
