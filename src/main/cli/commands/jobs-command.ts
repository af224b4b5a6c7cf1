import { Command, InvalidArgumentError } from 'commander';
import type { JobDTO } from '../../../shared/contract';
import type { CliContext } from '../cli-context';
import { printResult, table } from '../cli-output';
import { followJob, jobOutcome } from '../follow-job';

export function parseJobId(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a job id (a positive whole number)');
  return n;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
}

export function describeJob(j: JobDTO): string {
  const lines = [`Job ${j.id} · ${j.title} · ${j.state} · ${j.progress.toFixed(0)} %`];
  if (j.phase || j.message) lines.push(`  ${[j.phase, j.message].filter(Boolean).join(' · ')}`);
  if (j.error) lines.push(`  error: ${j.error.message}${j.error.hint ? `\n  hint: ${j.error.hint}` : ''}`);
  return lines.join('\n');
}

function jobTable(jobs: JobDTO[]): string {
  if (jobs.length === 0) return 'No jobs.';
  return table(
    ['ID', 'KIND', 'STATE', 'PROGRESS', 'TITLE', 'UPDATED'],
    jobs.map((j) => [j.id, j.kind, j.state, `${j.progress.toFixed(0)}%`, j.title, j.updatedAt.replace('T', ' ').slice(0, 19)]),
  );
}

/** Commands that act on one job by id share their shape: call, print, done. */
function jobAction(ctx: CliContext, name: string, description: string, method: 'jobs.pause' | 'jobs.get'): Command {
  return new Command(name)
    .description(description)
    .argument('<job-id>', 'the job id (see `model-center jobs list`)', parseJobId)
    .option('--json', 'print JSON')
    .action(async (id: number, _o, cmd: Command) => {
      const job = await ctx.getCore().invoke(method, { id });
      printResult(ctx.io, ctx.json(cmd), job, describeJob);
    });
}

/** `cancel` keeps a download's partial files for a later download of the same model, unless told to discard them. */
function cancelCommand(ctx: CliContext, description: string): Command {
  return new Command('cancel')
    .description(description)
    .argument('<job-id>', 'the job id (see `model-center jobs list`)', parseJobId)
    .option('--discard', 'also delete its partial files (downloads, Vosk installs); by default a later download of the same model continues from them')
    .option('--json', 'print JSON')
    .action(async (id: number, opts: { discard?: boolean }, cmd: Command) => {
      const job = await ctx.getCore().invoke('jobs.cancel', { id, discard: opts.discard === true });
      printResult(ctx.io, ctx.json(cmd), job, describeJob);
    });
}

export function registerJobsCommands(program: Command, ctx: CliContext): void {
  const jobs = program.command('jobs').description('List and control long-running jobs (downloads, migrations, benchmarks…)');
  jobs
    .command('list', { isDefault: true })
    .description('List jobs, newest first')
    .option('--state <state...>', 'only these states (queued, running, paused, cancelled, failed, done, interrupted)')
    .option('--limit <n>', 'at most this many', parseCount, 50)
    .option('--json', 'print JSON')
    .action(async (opts: { state?: string[]; limit: number }, cmd: Command) => {
      const list = await ctx.getCore().call('jobs.list', { states: opts.state, limit: opts.limit });
      printResult(ctx.io, ctx.json(cmd), list as JobDTO[], jobTable);
    });
  jobs.addCommand(jobAction(ctx, 'show', 'Show one job', 'jobs.get'));
  jobs.addCommand(jobAction(ctx, 'pause', 'Pause a running job that can resume', 'jobs.pause'));
  jobs.addCommand(cancelCommand(ctx, 'Cancel a job'));
  jobs
    .command('resume')
    .description('Resume a paused or interrupted job here and follow it to the end')
    .argument('<job-id>', 'the job id', parseJobId)
    .option('--json', 'print JSON')
    .action(async (id: number, _o, cmd: Command) => {
      const core = ctx.getCore();
      const final = await followJob(core, await core.invoke('jobs.resume', { id }));
      printResult(ctx.io, ctx.json(cmd), final, describeJob);
      jobOutcome(final);
    });

  program.addCommand(cancelCommand(ctx, 'Cancel a job (same as `jobs cancel`)'));

  program
    .command('selftest')
    .description('Run a self-test job (real hashing work with progress, pause and resume) and follow it')
    .option('--steps <n>', 'number of steps', parseCount, 20)
    .option('--step-ms <ms>', 'milliseconds per step', parseCount, 100)
    .option('--json', 'print JSON')
    .action(async (opts: { steps: number; stepMs: number }, cmd: Command) => {
      const core = ctx.getCore();
      const final = await followJob(core, await core.invoke('jobs.selftest', { steps: opts.steps, stepMs: opts.stepMs }));
      printResult(ctx.io, ctx.json(cmd), final, describeJob);
      jobOutcome(final);
    });
}
