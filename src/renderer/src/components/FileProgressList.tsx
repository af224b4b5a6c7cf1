import type { JobDTO } from '../../../shared/contract';
import { fileProgress } from '../../../shared/file-progress';
import { formatBytes } from './format';
import { ProgressBar } from './ProgressBar';

/** One thin bar per file a download job reports, so a stalled file shows among ones that move. */
export function FileProgressList({ job }: { job: JobDTO }): React.JSX.Element | null {
  const files = fileProgress(job.detail);
  if (!files || files.length === 0) return null;
  return (
    <ul className="file-progress" data-testid="file-progress">
      {files.map((f) => (
        <li key={f.path}>
          <span className="mono file-progress-path">{f.path}</span>
          <span className="muted file-progress-bytes">
            {formatBytes(f.bytesDone)} of {formatBytes(f.bytesTotal)}
          </span>
          <ProgressBar value={f.bytesTotal > 0 ? (f.bytesDone / f.bytesTotal) * 100 : 100} state={job.state} label={f.path} thin />
        </li>
      ))}
    </ul>
  );
}
