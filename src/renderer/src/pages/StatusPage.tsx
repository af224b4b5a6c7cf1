import { useEffect, useState } from 'react';
import { describeError, toErrorDTO } from '../../../shared/errors';
import { api } from '../api-client';
import { InferencePanel } from '../components/InferencePanel';
import { JobList } from '../components/JobList';
import { sortedJobs, useJobsStore } from '../stores/jobs-store';
import { useStatusStore } from '../stores/status-store';

export function StatusPage(): React.JSX.Element {
  const status = useStatusStore((s) => s.status);
  const statusError = useStatusStore((s) => s.error);
  const byId = useJobsStore((s) => s.byId);
  const [error, setError] = useState<string | null>(null);
  const jobs = sortedJobs(byId);
  const counts = status?.jobs;
  const liveCount = jobs.filter((j) => j.state === 'running' || j.state === 'queued').length;
  // Sessions load and unload, queues and the cache move without events: poll while this page is open.
  useEffect(() => {
    const timer = setInterval(() => void useStatusStore.getState().refresh(), 2000);
    return () => clearInterval(timer);
  }, []);

  const runSelftest = (): void => {
    setError(null);
    api()
      .call('jobs.selftest', { steps: 30, stepMs: 100 })
      .catch((err: unknown) => setError(describeError(toErrorDTO(err))));
  };

  return (
    <section className="page" aria-labelledby="status-title">
      <h1 id="status-title">Status</h1>
      {statusError && <div className="error-banner">{statusError}</div>}
      {status && (
        <dl className="facts" data-testid="status-facts">
          <dt>Version</dt>
          <dd>{`${status.app.name} ${status.app.version}`}</dd>
          <dt>Data folder</dt>
          <dd className="mono">{status.dataDir}</dd>
          <dt>Database</dt>
          <dd className="mono">{status.dbPath}</dd>
          <dt>Schema</dt>
          <dd>{Object.entries(status.schema).map(([d, v]) => `${d} v${v}`).join(', ')}</dd>
          <dt>Hub</dt>
          <dd className="mono">
            {status.settings.values.hubEndpoint}
            {status.offline && <span className="badge badge-paused">offline</span>}
          </dd>
          <dt>Runtime</dt>
          <dd>{`${status.runtime.surface} · node ${status.runtime.node}${status.runtime.electron ? ` · electron ${status.runtime.electron}` : ''} · ${status.runtime.platform}-${status.runtime.arch}`}</dd>
          <dt>Jobs</dt>
          <dd data-testid="jobs-summary">
            {liveCount} active
            {counts && ` · ${counts.done} done · ${counts.failed} failed · ${counts.interrupted} interrupted`}
          </dd>
        </dl>
      )}
      {status && <InferencePanel inference={status.inference} />}
      <div className="section-head">
        <h2>Jobs</h2>
        <button onClick={runSelftest} data-testid="run-selftest">
          Run self-test
        </button>
      </div>
      {error && <div className="error-banner">{error}</div>}
      <JobList jobs={jobs} empty="No jobs yet. Downloads, migrations and benchmarks will show here." />
    </section>
  );
}
