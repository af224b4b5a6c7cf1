import { useEffect, useState } from 'react';
import { describeError, toErrorDTO } from '../../../shared/errors';
import { api } from '../api-client';
import { BenchResultsTable } from '../components/bench/BenchResultsTable';
import { BenchRunForm } from '../components/bench/BenchRunForm';
import { CompareTable } from '../components/bench/CompareTable';
import { downloadText } from '../components/bench/chart-export';
import { HistoryChart } from '../components/bench/HistoryChart';
import { LatencyChart } from '../components/bench/LatencyChart';
import { ThroughputChart } from '../components/bench/ThroughputChart';
import { JobList } from '../components/JobList';
import { useBenchStore } from '../stores/bench-store';
import { sortedJobs, useJobsStore } from '../stores/jobs-store';

/** Reloads the results whenever a benchmark job finishes (here, in the CLI, or over HTTP). */
function useReloadOnBenchDone(): ReturnType<typeof sortedJobs> {
  const byId = useJobsStore((s) => s.byId);
  const load = useBenchStore((s) => s.load);
  const jobs = sortedJobs(byId).filter((j) => j.kind === 'bench');
  const lastDone = jobs.find((j) => j.state === 'done')?.id;
  useEffect(() => {
    void load();
  }, [lastDone, load]);
  return jobs;
}

export function BenchmarksPage(): React.JSX.Element {
  const jobs = useReloadOnBenchDone();
  const { results, selected, detail, comparison, history, machine, loaded, error } = useBenchStore();
  const [exportError, setExportError] = useState<string | null>(null);
  const charted = selected.map((id) => detail[id]).filter((r) => r !== undefined);
  const exportJson = (): void => {
    setExportError(null);
    api()
      .call('bench.export', { ids: selected.length ? selected : undefined, format: 'json' })
      .then((e) => downloadText(e.filename, e.content, e.contentType))
      .catch((err: unknown) => setExportError(describeError(toErrorDTO(err))));
  };
  return (
    <div className="page" data-testid="bench-page">
      <h1>Benchmarks</h1>
      <p className="muted">
        Load time, batch-1 latency and throughput per batch size through the app’s own inference pipeline, on the built-in Russian/English corpus or your own. Each figure is the median
        of the runs, with their spread; the machine is stored with every result.
      </p>
      <BenchRunForm />
      {error && <div className="error-banner">{error}</div>}
      {jobs.length > 0 && <JobList jobs={jobs.slice(0, 3)} empty="" />}
      <div className="section-head">
        <h2>Results</h2>
        <button onClick={exportJson} disabled={results.length === 0} data-testid="bench-export-json">
          Raw results (JSON){selected.length ? ` · ${selected.length} selected` : ''}
        </button>
      </div>
      {exportError && <div className="error-banner">{exportError}</div>}
      {!loaded ? <p className="muted">Loading…</p> : results.length === 0 ? <p className="muted">No results yet: run a benchmark above, or `model-center bench &lt;model&gt;`.</p> : <BenchResultsTable results={results} />}
      {charted.length > 0 && (
        <div className="chart-grid">
          <ThroughputChart results={charted} />
          <LatencyChart results={charted} />
          {comparison && <CompareTable comparison={comparison} />}
        </div>
      )}
      {history && <HistoryChart model={history.model} version={history.version} rows={history.rows} thisMachineId={machine?.id ?? null} />}
    </div>
  );
}
