import { useEffect, useMemo, useState } from 'react';
import { REPO_ID_PATTERN, VARIANTS, type RepoFilesDTO, type Variant } from '../../../shared/contract';
import { DownloadedModelRow } from '../components/DownloadedModelRow';
import { formatBytes } from '../components/format';
import { JobList } from '../components/JobList';
import { RepoFilesSummary } from '../components/RepoFilesSummary';
import { useHubStore, type DeleteResult } from '../stores/hub-store';
import { sortedJobs, useJobsStore } from '../stores/jobs-store';
import { useUiStore } from '../stores/ui-store';

const REPO_HINT = 'Enter a Hub repo id like "sentence-transformers/all-MiniLM-L6-v2".';

function variantLabel(variant: Variant, lookup: RepoFilesDTO | null): string {
  const v = lookup?.variants.find((x) => x.variant === variant);
  if (!v) return variant;
  return v.available ? `${variant} — ${formatBytes(v.bytes)}` : `${variant} — not in this repo`;
}

function deletedText(r: DeleteResult): string {
  const [only] = r.commits;
  const what =
    r.commits.length === 1 && only
      ? `revision ${only.slice(0, 7)} of ${r.repo}${r.removedModel ? ', its last' : ''}`
      : `${r.repo}${r.commits.length > 1 ? ` (${r.commits.length} revisions)` : ''}`;
  return `Deleted ${what}. Freed ${formatBytes(r.bytesFreed)}.`;
}

export function DownloadsPage(): React.JSX.Element {
  const { models, loaded, error, load, download, lookup, lastDeleted } = useHubStore();
  const byId = useJobsStore((s) => s.byId);
  const jobs = useMemo(() => sortedJobs(byId).filter((j) => j.kind === 'download'), [byId]);
  // Opened from another page's "Go to Downloads" for a model it could not use: that model is filled in.
  const [repo, setRepo] = useState(() => useUiStore.getState().takeDownloadRepo() ?? '');
  const [revision, setRevision] = useState('main');
  const [variant, setVariant] = useState<Variant>('fp32');
  const [include, setInclude] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [lookedUp, setLookedUp] = useState<{ key: string; result: RepoFilesDTO } | { key: string; error: string } | null>(null);
  const [looking, setLooking] = useState(false);

  // A download that finishes changes the list of models.
  const doneCount = jobs.filter((j) => j.state === 'done').length;
  useEffect(() => {
    void load();
  }, [load, doneCount]);

  // Sizes looked up for another repo or revision would label the variants wrongly: a lookup counts while its fields stay.
  const key = `${repo.trim()}@${revision.trim() || 'main'}`;
  const current = lookedUp?.key === key ? lookedUp : null;
  const found = current && 'result' in current ? current.result : null;
  const lookupError = current && 'error' in current ? current.error : null;

  const submit = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    if (!REPO_ID_PATTERN.test(repo.trim())) {
      setFormError(REPO_HINT);
      return;
    }
    setBusy(true);
    const globs = include.split(/[\s,]+/).filter(Boolean);
    setFormError(await download({ repo: repo.trim(), revision: revision.trim() || 'main', variant, include: globs }));
    setBusy(false);
  };

  const lookUp = async (): Promise<void> => {
    setFormError(null);
    if (!REPO_ID_PATTERN.test(repo.trim())) {
      setLookedUp({ key, error: REPO_HINT });
      return;
    }
    setLooking(true);
    const answer = await lookup(repo.trim(), revision.trim() || 'main');
    setLooking(false);
    setLookedUp({ key, ...answer });
    if ('error' in answer) return;
    const chosen = answer.result.variants.find((v) => v.variant === variant);
    const first = answer.result.variants.find((v) => v.available);
    if (chosen && !chosen.available && first) setVariant(first.variant);
  };

  const revisionsOf = (r: string): typeof models => models.filter((m) => m.repo === r);

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
                <option key={v} value={v} disabled={found?.variants.find((x) => x.variant === v)?.available === false}>
                  {variantLabel(v, found)}
                </option>
              ))}
            </select>
          </label>
        </div>
        <label>
          Also include (globs, optional)
          <input value={include} onChange={(e) => setInclude(e.target.value)} placeholder="README.md *.txt" />
        </label>
        <div className="row">
          <button type="button" onClick={() => void lookUp()} disabled={looking}>
            {looking ? 'Looking up…' : 'Look up'}
          </button>
          <button type="submit" disabled={busy}>Download</button>
        </div>
        {lookupError && <div className="error-text">{lookupError}</div>}
        {found && <RepoFilesSummary result={found} />}
        {formError && <div className="error-text">{formError}</div>}
      </form>

      <div className="section-head"><h2>Download jobs</h2></div>
      <JobList jobs={jobs} empty="No downloads yet." />

      <div className="section-head"><h2>Downloaded models</h2></div>
      {error && <div className="error-banner">{error}</div>}
      {lastDeleted && (
        <div className="notice" role="status" data-testid="delete-result">
          {deletedText(lastDeleted)}
        </div>
      )}
      {loaded && models.length === 0 && <p className="muted">No downloaded models.</p>}
      <ul className="job-list">
        {models.map((m) => (
          <DownloadedModelRow key={`${m.repo}@${m.commit}`} model={m} revisions={revisionsOf(m.repo)} />
        ))}
      </ul>
    </section>
  );
}
