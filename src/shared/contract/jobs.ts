import { z } from 'zod';
import { mutation, query } from './define';

export const JOB_STATES = ['queued', 'running', 'paused', 'cancelled', 'failed', 'done', 'interrupted'] as const;
export const JobStateSchema = z.enum(JOB_STATES);
export type JobState = z.infer<typeof JobStateSchema>;

export const ErrorDTOSchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  retryable: z.boolean(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export const JobSchema = z.object({
  id: z.number().int(),
  kind: z.string(),
  title: z.string(),
  params: z.record(z.string(), z.unknown()),
  state: JobStateSchema,
  progress: z.number().min(0).max(100),
  phase: z.string().nullable(),
  message: z.string().nullable(),
  /** Kind-specific live figures (bytes done, speed, ETA…), for progress bars. */
  detail: z.record(z.string(), z.unknown()).nullable(),
  error: ErrorDTOSchema.nullable(),
  resumable: z.boolean(),
  ownerPid: z.number().int().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type JobDTO = z.infer<typeof JobSchema>;

const JobId = z.object({ id: z.coerce.number().int().positive() });

/**
 * Job kinds that keep partial files when stopped (cancel included), so that a later run of the same work
 * continues from them; `jobs.cancel` with `discard` deletes them instead.
 */
export const JOB_KINDS_KEEPING_PARTIAL_FILES: readonly string[] = ['download', 'vosk.install'];

export const jobsContract = {
  'jobs.list': query(
    'List jobs, newest first',
    z.object({
      states: z.array(JobStateSchema).optional(),
      kind: z.string().optional(),
      limit: z.number().int().min(1).max(1000).default(100),
    }),
    z.array(JobSchema),
  ),
  'jobs.get': query('One job by id', JobId, JobSchema),
  'jobs.cancel': mutation(
    'Cancel a queued, running, paused or interrupted job. Downloads and Vosk installs keep their partial files for a later download of the same model; discard: delete them (also on a job already cancelled); other kinds have none',
    JobId.extend({ discard: z.boolean().default(false) }),
    JobSchema,
  ),
  'jobs.pause': mutation('Pause a running job that supports resuming', JobId, JobSchema),
  'jobs.resume': mutation('Resume a paused or interrupted job from its checkpoint', JobId, JobSchema),
  'jobs.selftest': mutation(
    'Start a self-test job: real hashing work in steps, with progress, pause and resume',
    z.object({
      steps: z.number().int().min(1).max(10_000).default(20),
      stepMs: z.number().int().min(0).max(60_000).default(100),
      failAtStep: z.number().int().min(0).optional(),
    }),
    JobSchema,
  ),
};
