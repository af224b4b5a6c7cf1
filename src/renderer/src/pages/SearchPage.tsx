import { useEffect, useMemo, useState } from 'react';
import { DEFAULT_SEARCH_LIMIT, ON_ERROR, SEARCH_ROUTES, type OnError } from '../../../shared/contract';
import { describeError } from '../../../shared/errors';
import { JobList } from '../components/JobList';
import { ModelMissingWarning } from '../components/ModelMissingWarning';
import { useCollectionsStore } from '../stores/collections-store';
import { sortedJobs, useJobsStore } from '../stores/jobs-store';

type Route = (typeof SEARCH_ROUTES)[number];

/** Import files that are on this machine (the one running Model Center) into a new or existing collection. */
function ImportForm(): React.JSX.Element {
  const importFiles = useCollectionsStore((s) => s.importFiles);
  const [name, setName] = useState('');
  const [paths, setPaths] = useState('');
  const [model, setModel] = useState('');
  const [onError, setOnError] = useState<OnError>('refuse');
  const submit = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    const list = paths.split('\n').map((p) => p.trim()).filter(Boolean);
    if (await importFiles({ name: name.trim(), paths: list, model: model.trim() || undefined, onError })) setPaths('');
  };
  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-label="Import into a collection">
      <div className="row">
        <label>
          Collection
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="support-kb" required data-testid="import-name" />
        </label>
        <label>
          Model (new collections)
          <input value={model} onChange={(e) => setModel(e.target.value)} placeholder="registry model[@version]" data-testid="import-model" />
        </label>
        <label>
          Malformed lines
          <select value={onError} onChange={(e) => setOnError(e.target.value as OnError)}>
            {ON_ERROR.map((o) => (
              <option key={o} value={o}>{o === 'refuse' ? 'refuse the import' : 'skip and report'}</option>
            ))}
          </select>
        </label>
      </div>
      <label>
        Files or folders on this machine (one per line; .txt .md .csv .tsv .jsonl)
        <textarea rows={2} value={paths} onChange={(e) => setPaths(e.target.value)} required data-testid="import-paths" />
      </label>
      <div className="row">
        <button type="submit">Import</button>
      </div>
    </form>
  );
}

/** The search playground: any collection, top-k with an optional threshold, routed by the rollout or forced to A or B. */
export function SearchPage(): React.JSX.Element {
  const { collections, loaded, error, notice, selected, search, searching, load, select, runSearch } = useCollectionsStore();
  const byId = useJobsStore((s) => s.byId);
  const imports = useMemo(() => sortedJobs(byId).filter((j) => j.kind === 'collection.import').slice(0, 5), [byId]);
  const [query, setQuery] = useState('');
  const [k, setK] = useState(DEFAULT_SEARCH_LIMIT);
  const [threshold, setThreshold] = useState('');
  const [route, setRoute] = useState<Route>('auto');
  const finishedImports = imports.filter((j) => j.state === 'done').length;
  useEffect(() => {
    void load();
  }, [load, finishedImports]);
  const current = collections.find((c) => c.name === selected);

  const submit = (e: React.FormEvent): void => {
    e.preventDefault();
    if (!selected) return;
    const t = threshold.trim() === '' ? null : Number(threshold);
    void runSearch({ collection: selected, query, k, threshold: t !== null && Number.isFinite(t) ? t : null, route });
  };

  return (
    <section className="page" aria-labelledby="search-title">
      <h1 id="search-title">Search</h1>
      {error && <div className="error-banner">{describeError(error)}</div>}
      {error && <ModelMissingWarning error={error} />}
      {notice && <p className="muted">{notice}</p>}
      {loaded && collections.length === 0 && <p className="muted">No collections yet: import some files below, or run model-center collection import.</p>}
      {collections.length > 0 && (
        <form className="form search-form" onSubmit={submit} aria-label="Search a collection">
          <div className="row">
            <label>
              Collection
              <select value={selected ?? ''} onChange={(e) => void select(e.target.value)} data-testid="search-collection">
                {collections.map((c) => (
                  <option key={c.name} value={c.name}>{c.name}</option>
                ))}
              </select>
            </label>
            <label>
              Top k
              <input type="number" min={1} max={200} value={k} onChange={(e) => setK(Number(e.target.value) || DEFAULT_SEARCH_LIMIT)} style={{ width: 80 }} />
            </label>
            <label>
              Threshold
              <input value={threshold} onChange={(e) => setThreshold(e.target.value)} placeholder="none" style={{ width: 80 }} aria-label="Similarity threshold" />
            </label>
            <label>
              Version
              <select value={route} onChange={(e) => setRoute(e.target.value as Route)} data-testid="search-route">
                <option value="auto">as routed (rollout)</option>
                <option value="current">A: current</option>
                <option value="candidate" disabled={!current?.migration}>B: migration target</option>
              </select>
            </label>
          </div>
          <div className="row">
            <input className="grow" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Ask something…" required aria-label="Query" data-testid="search-query" />
            <button type="submit" disabled={searching || !query.trim()} data-testid="search-submit">Search</button>
          </div>
          {current && (
            <p className="muted">
              {current.chunks} chunks · {current.model}@{current.version} ({current.dimension ?? '?'} dims)
              {current.migration && ` · migrating to ${current.migration.to} (${current.migration.state}, rollout ${current.migration.rolloutPercent} %)`}
            </p>
          )}
        </form>
      )}
      {search && (
        <div data-testid="search-results">
          <p>
            {search.hits.length} hit(s) from <strong data-testid="served-by">{search.served.model}@{search.served.version}</strong> ({search.served.role}
            {search.served.reason === 'rollout' ? `, rollout bucket ${search.bucket}` : search.served.reason === 'forced' ? ', chosen' : search.served.reason === 'fallback' ? ', B failed: A answered' : ''}) in {search.timings.totalMs.toFixed(1)} ms
            <span className="muted"> (embedding {search.timings.embedMs.toFixed(1)} ms, vector search {search.timings.searchMs.toFixed(1)} ms)</span>
          </p>
          <table className="data-table">
            <thead>
              <tr>
                <th>#</th>
                <th>Score</th>
                <th>Source</th>
                <th>Text</th>
              </tr>
            </thead>
            <tbody>
              {search.hits.map((h, i) => (
                <tr key={h.chunkId} data-testid="search-hit">
                  <td>{i + 1}</td>
                  <td className="mono">{h.score.toFixed(4)}</td>
                  <td className="mono" title={h.source}>
                    {h.source.split(/[\\/]/).pop()}
                    {h.line === null ? ` @${h.start}` : `:${h.line}`}
                  </td>
                  <td className="hit-text">{h.text}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="section-head"><h2>Import</h2></div>
      <ImportForm />
      {imports.length > 0 && <JobList jobs={imports} empty="" />}
    </section>
  );
}
