import { useEffect, useRef } from 'react';
import type { JobDTO } from '../../../shared/contract';

/**
 * Calls `onDone` once a job among `jobs` that was seen queued or running ends done: what it brought (a pull, an
 * install, a download) then shows up on a rescan. Jobs already over when the page opened need none. The function
 * returned follows a job started here, which may be done before its first event reaches the store.
 */
export function useRescanWhenDone(jobs: JobDTO[], onDone: () => void): (jobId: number) => void {
  const seen = useRef(new Set<number>());
  useEffect(() => {
    let finished = false;
    for (const j of jobs) {
      if (j.state === 'queued' || j.state === 'running') seen.current.add(j.id);
      else if (seen.current.delete(j.id) && j.state === 'done') finished = true;
    }
    if (finished) onDone();
  });
  return (jobId) => seen.current.add(jobId);
}
