import { useState } from 'react';
import type { JobDTO } from '../../../shared/contract';
import { describeError, toErrorDTO } from '../../../shared/errors';
import { api } from '../api-client';
import { transferFigures } from './format';
import { ProgressBar } from './ProgressBar';

function JobRow({ job }: { job: JobDTO }): React.JSX.Element {
  const [error, setError] = useState<string | null>(null);
  const act = (method: 'jobs.cancel' | 'jobs.pause' | 'jobs.resume'): void => {
    setError(null);
    api()
      .call(method, { id: job.id })
      .catch((err: unknown) => setError(describeError(toErrorDTO(err))));
  };
  const live = job.state === 'running' || job.state === 'queued';
  return (
    <li className="job" data-job-id={job.id} data-state={job.state}>
      <div className="job-head">
        <span className="job-title">{job.title}</span>
        <span className={`badge badge-${job.state}`}>{job.state}</span>
        <span className="job-pct">{job.progress.toFixed(0)} %</span>
      </div>
      <ProgressBar value={job.progress} state={job.state} label={job.title} />
      <div className="job-foot">
        <span className="muted">{[job.phase, live ? transferFigures(job.detail) : null, job.message].filter(Boolean).join(' · ')}</span>
        <span className="job-actions">
          {live && job.resumable && job.state === 'running' && <button onClick={() => act('jobs.pause')}>Pause</button>}
          {(job.state === 'paused' || job.state === 'interrupted') && job.resumable && <button onClick={() => act('jobs.resume')}>Resume</button>}
          {(live || job.state === 'paused' || job.state === 'interrupted') && <button onClick={() => act('jobs.cancel')}>Cancel</button>}
        </span>
      </div>
      {job.error && <div className="error-text">{describeError(toErrorDTO(job.error))}</div>}
      {error && <div className="error-text">{error}</div>}
    </li>
  );
}

export function JobList({ jobs, empty }: { jobs: JobDTO[]; empty: string }): React.JSX.Element {
  if (jobs.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul className="job-list">
      {jobs.map((j) => (
        <JobRow key={j.id} job={j} />
      ))}
    </ul>
  );
}
