import type { JobDTO } from '../../shared/contract';
import { AppError, type ErrorDTO } from '../../shared/errors';
import type { Core } from '../core/create-core';
import { ProgressBar } from './progress-bar';

/**
 * Follows a job to the end with a progress bar. Ctrl-C pauses a resumable job (resume it later with
 * `model-center jobs resume <id>`) and cancels any other; a second Ctrl-C leaves at once.
 */
export async function followJob(core: Core, job: JobDTO): Promise<JobDTO> {
  const bar = new ProgressBar();
  bar.update(job);
  const off = core.bus.on('job.updated', (j) => {
    if (j.id === job.id) bar.update(j);
  });
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    const action = job.resumable ? core.jobs.pause(job.id) : core.jobs.cancel(job.id);
    void action.catch(() => undefined);
  };
  process.on('SIGINT', onSigint);
  try {
    const final = await core.jobs.waitForSettled(job.id);
    bar.update(final);
    return final;
  } finally {
    bar.done();
    off();
    process.off('SIGINT', onSigint);
  }
}

/** Turns a job's end state into the CLI's outcome: done is success, anything else an error with its reason. */
export function jobOutcome(job: JobDTO): void {
  if (job.state === 'done') return;
  if (job.state === 'failed' && job.error) throw AppError.fromDTO(job.error as ErrorDTO);
  if (job.state === 'paused') {
    throw new AppError('CANCELLED', `Job ${job.id} paused at ${job.progress.toFixed(0)} %.`, { hint: `Resume it with \`model-center jobs resume ${job.id}\`.` });
  }
  throw new AppError('CANCELLED', `Job ${job.id} ended ${job.state}.`);
}
