import { useState } from 'react';
import { JOB_KINDS_KEEPING_PARTIAL_FILES, type JobDTO } from '../../../shared/contract';
import { describeError, toErrorDTO } from '../../../shared/errors';
import { formatBytes } from '../../../shared/format-bytes';
import { api } from '../api-client';
import { ConfirmDialog } from './ConfirmDialog';
import { FileProgressList } from './FileProgressList';
import { transferFigures } from './format';
import { ProgressBar } from './ProgressBar';

/** Cancelling a download asks whether its partial files stay for a later download of the same model. */
function CancelDialog({ job, onDone }: { job: JobDTO; onDone: (discard: boolean | null) => void }): React.JSX.Element {
  const [discard, setDiscard] = useState(false);
  const done = typeof job.detail?.bytesDone === 'number' ? job.detail.bytesDone : null;
  return (
    <ConfirmDialog title={`Cancel ${job.title}?`} confirmLabel="Cancel job" dismissLabel="Back" onConfirm={() => onDone(discard)} onCancel={() => onDone(null)} testId="cancel-job-dialog">
      <p>
        What it fetched so far{done !== null ? ` (${formatBytes(done)})` : ''} is kept by default: a later download of the same model continues from
        it.
      </p>
      <label className="row">
        <input type="checkbox" checked={discard} onChange={(e) => setDiscard(e.target.checked)} data-testid="cancel-job-discard" />
        Delete the partial files instead
      </label>
    </ConfirmDialog>
  );
}

function JobRow({ job }: { job: JobDTO }): React.JSX.Element {
  const [error, setError] = useState<string | null>(null);
  const [asking, setAsking] = useState(false);
  const act = (method: 'jobs.pause' | 'jobs.resume'): void => {
    setError(null);
    api()
      .call(method, { id: job.id })
      .catch((err: unknown) => setError(describeError(toErrorDTO(err))));
  };
  const cancel = (discard: boolean): void => {
    setError(null);
    api()
      .call('jobs.cancel', { id: job.id, discard })
      .catch((err: unknown) => setError(describeError(toErrorDTO(err))));
  };
  const keepsPartial = JOB_KINDS_KEEPING_PARTIAL_FILES.includes(job.kind);
  const live = job.state === 'running' || job.state === 'queued';
  const unfinished = live || job.state === 'paused' || job.state === 'interrupted';
  return (
    <li className="job" data-job-id={job.id} data-state={job.state}>
      <div className="job-head">
        <span className="job-title">{job.title}</span>
        <span className={`badge badge-${job.state}`}>{job.state}</span>
        <span className="job-pct">{job.progress.toFixed(0)} %</span>
      </div>
      <ProgressBar value={job.progress} state={job.state} label={job.title} />
      {unfinished && <FileProgressList job={job} />}
      <div className="job-foot">
        <span className="muted">{[job.phase, live ? transferFigures(job.detail) : null, job.message].filter(Boolean).join(' · ')}</span>
        <span className="job-actions">
          {live && job.resumable && job.state === 'running' && <button onClick={() => act('jobs.pause')}>Pause</button>}
          {(job.state === 'paused' || job.state === 'interrupted') && job.resumable && <button onClick={() => act('jobs.resume')}>Resume</button>}
          {unfinished && <button onClick={() => (keepsPartial ? setAsking(true) : cancel(false))}>Cancel</button>}
        </span>
      </div>
      {job.error && <div className="error-text">{describeError(toErrorDTO(job.error))}</div>}
      {error && <div className="error-text">{error}</div>}
      {asking && (
        <CancelDialog
          job={job}
          onDone={(discard) => {
            setAsking(false);
            if (discard !== null) cancel(discard);
          }}
        />
      )}
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
