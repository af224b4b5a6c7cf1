import { Command, InvalidArgumentError } from 'commander';
import { VARIANTS, type DownloadedModelDTO, type JobDTO, type RepoFilesDTO, type Variant, type VerifyResultDTO } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CliContext } from '../cli-context';
import { formatBytes, printResult, table } from '../cli-output';
import { followJob, jobOutcome } from '../follow-job';
import { describeJob } from './jobs-command';

function parseVariant(value: string): Variant {
  if (!(VARIANTS as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${VARIANTS.join(', ')}`);
  return value as Variant;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function describeDownload(job: JobDTO): string {
  const d = job.detail as { bytesTotal?: number } | null;
  const size = typeof d?.bytesTotal === 'number' ? ` (${formatBytes(d.bytesTotal)})` : '';
  return `${describeJob(job)}${job.state === 'done' ? size : ''}`;
}

function describeVerify(v: VerifyResultDTO): string {
  const rows = v.files.map((f) => [f.ok ? 'ok' : 'FAIL', f.path, f.algorithm, f.ok ? f.expected.slice(0, 16) : `${f.problem}: expected ${f.expected}, got ${f.actual ?? '—'}`]);
  return `${v.repo} @ ${v.commit.slice(0, 10)}: ${v.ok ? 'all files verified' : 'VERIFICATION FAILED'}\n${table(['', 'FILE', 'HASH', 'DETAIL'], rows)}`;
}

function describeRepoFiles(r: RepoFilesDTO): string {
  const kind = r.sentenceTransformers ? ' (sentence-transformers)' : '';
  const variants = table(
    ['VARIANT', 'FILES', 'SIZE', 'AVAILABLE'],
    r.variants.map((v) => [v.variant, v.available ? v.files.length : '—', v.available ? formatBytes(v.bytes) : '—', v.available ? 'yes' : 'no']),
  );
  const total = r.files.reduce((s, f) => s + f.size, 0);
  const files = table(['FILE', 'SIZE', 'LFS'], r.files.map((f) => [f.path, formatBytes(f.size), f.lfs ? 'lfs' : '']));
  return `${r.repo} @ ${r.revision}: commit ${r.commit}${kind}

${variants}

${r.files.length} files, ${formatBytes(total)}
${files}`;
}

export function describeModels(list: DownloadedModelDTO[]): string {
  if (list.length === 0) return 'No downloaded models.';
  return table(
    ['MODEL', 'REVISION', 'COMMIT', 'VARIANT', 'FILES', 'SIZE', 'VERIFIED'],
    list.map((m) => [m.repo, m.revision, m.commit.slice(0, 10), m.variant, m.files.length, formatBytes(m.sizeBytes), m.verifiedAt?.replace('T', ' ').slice(0, 19) ?? '—']),
  );
}

export function registerHubCommands(program: Command, ctx: CliContext): void {
  program
    .command('download')
    .description('Download a model from the Hugging Face Hub (or HF_ENDPOINT) into the HF cache, and follow the job')
    .argument('<repo-id>', 'the model, as org/name')
    .option('--revision <rev>', 'branch, tag or commit sha', 'main')
    .option('--include <glob>', 'also download files matching this glob (repeatable)', collect, [])
    .option('--variant <variant>', `ONNX variant: ${VARIANTS.join(', ')}`, parseVariant, 'fp32')
    .option('--json', 'print JSON')
    .action(async (repo: string, opts: { revision: string; include: string[]; variant: Variant }, cmd: Command) => {
      const core = ctx.getCore();
      const job = await core.invoke('hub.download', { repo, revision: opts.revision, include: opts.include, variant: opts.variant });
      const final = await followJob(core, job);
      const model = final.state === 'done' ? (await core.invoke('hub.status', { repo })).downloaded : null;
      printResult(ctx.io, ctx.json(cmd), final, (j) =>
        model ? `${describeDownload(j)}\n  ${model.files.length} files in ${model.snapshotPath} (commit ${model.commit})` : describeDownload(j),
      );
      jobOutcome(final);
    });

  program
    .command('files')
    .description("List a repo's files with sizes and what each ONNX variant would download (nothing is downloaded)")
    .argument('<repo-id>', 'the model, as org/name')
    .option('--revision <rev>', 'branch, tag or commit sha', 'main')
    .option('--json', 'print JSON')
    .action(async (repo: string, opts: { revision: string }, cmd: Command) => {
      printResult(ctx.io, ctx.json(cmd), await ctx.getCore().invoke('hub.files', { repo, revision: opts.revision }), describeRepoFiles);
    });

  program
    .command('verify')
    .description('Re-hash every file of a model in the HF cache against the checksum its blob is named by; a failure is kept and the model refused until repaired (exit 1 on any mismatch)')
    .argument('<model>', 'the model, as org/name')
    .option('--revision <rev>', 'branch, tag or commit sha (default: the newest download)')
    .option('--json', 'print JSON')
    .action(async (repo: string, opts: { revision?: string }, cmd: Command) => {
      const result = await ctx.getCore().invoke('hub.verify', { repo, revision: opts.revision });
      printResult(ctx.io, ctx.json(cmd), result, describeVerify);
      if (!result.ok) ctx.exitCode = 1;
    });

  program
    .command('delete')
    .description('Delete a model (or one revision of it) from the HF cache; refused while any job uses it')
    .argument('<model>', 'the model, as org/name')
    .option('--revision <rev>', 'only this branch, tag or commit sha')
    .option('--yes', 'confirm the deletion (required)')
    .option('--json', 'print JSON')
    .action(async (repo: string, opts: { revision?: string; yes?: boolean }, cmd: Command) => {
      const core = ctx.getCore();
      if (!opts.yes) {
        const status = await core.invoke('hub.status', { repo });
        const what = status.downloaded ? `${formatBytes(status.downloaded.sizeBytes)} in ${status.downloaded.snapshotPath}` : 'its folder in the cache';
        throw new AppError('INVALID_INPUT', `Deleting ${repo}${opts.revision ? `@${opts.revision}` : ''} removes ${what}.`, {
          hint: `Run again with --yes to confirm: model-center delete ${repo}${opts.revision ? ` --revision ${opts.revision}` : ''} --yes`,
        });
      }
      const result = await core.invoke('hub.delete', { repo, revision: opts.revision });
      printResult(ctx.io, ctx.json(cmd), result, (r) => `Deleted ${r.repo}${r.removedModel ? '' : ` @ ${r.commits.join(', ')}`}: ${formatBytes(r.bytesFreed)} freed.`);
    });

  program
    .command('downloads')
    .description('List models downloaded by Model Center')
    .option('--json', 'print JSON')
    .action(async (_opts, cmd: Command) => {
      printResult(ctx.io, ctx.json(cmd), await ctx.getCore().invoke('hub.listDownloaded', {}), describeModels);
    });
}
