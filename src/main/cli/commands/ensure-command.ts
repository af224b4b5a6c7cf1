import type { Command } from 'commander';
import type { CleanupResultDTO, EnsureItemDTO, EnsureResultDTO, JobDTO, RecommendedResultDTO } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CliContext } from '../cli-context';
import { formatBytes, printResult, table } from '../cli-output';
import { followJob } from '../follow-job';
import { runRetention } from './inventory-command';

type Followed = EnsureItemDTO & { jobState?: JobDTO['state'] };

function formatEnsure(r: { dryRun: boolean; items: Followed[] }): string {
  if (r.items.length === 0) return 'No required models. Add some with `model-center configure requiredModels=ollama:gemma2:2b,hf:org/name`.';
  const what = (i: Followed): string => {
    if (i.action === 'failed') return `FAILED: ${i.error ?? 'unknown error'}`;
    if (i.action === 'started') return `job ${i.jobId ?? '?'}${i.jobState ? ` ${i.jobState}` : ''}`;
    return i.present ? 'present' : r.dryRun ? 'missing (would start a job)' : 'missing';
  };
  return table(['REF', 'PRESENT', 'ACTION'], r.items.map((i) => [i.ref, i.present ? 'yes' : 'no', what(i)]));
}

export function formatRecommended(r: RecommendedResultDTO): string {
  const m = r.machine;
  const gpu = m.gpus.length ? m.gpus.map((g) => `${g.name} (${formatBytes(g.memoryBytes)})`).join(', ') : 'none found';
  const lines = [
    `This machine: RAM ${formatBytes(m.totalRamBytes)}, free disk ${m.freeDiskBytes === null ? '?' : formatBytes(m.freeDiskBytes)} in ${m.diskPath}, GPU ${gpu}`,
    '',
    table(
      ['KIND', 'REF', 'DISK', 'RAM', 'VRAM', 'FITS', 'WHY'],
      r.models.map((x) => [x.kind, x.ref, `~${x.diskMB} MB`, `~${x.ramGB} GB`, x.vramGB === null ? '-' : `~${x.vramGB} GB`, x.fits ? 'fits' : 'too big', x.reasons.join('; ')]),
    ),
    '',
    r.note,
    'Add one with `model-center ensure <ref>` or to the list with `model-center configure requiredModels=…`.',
  ];
  return lines.join('\n');
}

export function formatCleanup(r: CleanupResultDTO): string {
  if (r.repos.length === 0) return 'No Hugging Face models in the cache.';
  const rows: string[][] = [];
  for (const repo of r.repos) {
    if (repo.skipped) rows.push([repo.repo, '(all)', 'kept', `skipped: ${repo.skipped}`]);
    else {
      for (const k of repo.kept) rows.push([repo.repo, k.commit.slice(0, 12), 'kept', k.reason ?? '']);
      for (const x of repo.removed) rows.push([repo.repo, x.commit.slice(0, 12), r.dryRun ? 'would remove' : 'removed', formatBytes(x.bytes ?? 0)]);
    }
  }
  const count = r.repos.reduce((n, x) => n + x.removed.length, 0);
  const total = `${r.dryRun ? 'Would free' : 'Freed'} ${formatBytes(r.bytesFreed)} (${count} revision(s)).`;
  return `${table(['REPO', 'REVISION', 'ACTION', 'WHY / BYTES'], rows)}\n\n${total}${r.dryRun && count ? ' Run without --dry-run to delete.' : ''}`;
}

export function registerEnsureCommand(program: Command, ctx: CliContext): void {
  program
    .command('ensure')
    .description('Make sure the required models (setting requiredModels, or the refs given) are on this machine; download what is missing')
    .argument('[refs...]', 'refs instead of the setting: ollama:<name>, vosk:<url|name>, hf:<org/name>[@rev]')
    .option('--dry-run', 'only say what is present and what would be downloaded')
    .option('--no-follow', 'start the jobs and return at once')
    .option('--json', 'print JSON')
    .action(async (refs: string[], opts: { dryRun?: boolean; follow: boolean }, cmd: Command) => {
      const core = ctx.getCore();
      const result: EnsureResultDTO = await core.invoke('models.ensure', { refs: refs.length ? refs : undefined, dryRun: Boolean(opts.dryRun) });
      const items: Followed[] = [];
      for (const item of result.items) {
        if (item.action !== 'started' || item.jobId === undefined || !opts.follow) {
          items.push(item);
          continue;
        }
        const final = await followJob(core, await core.invoke('jobs.get', { id: item.jobId }));
        if (final.state !== 'done') {
          const reason = final.error ? `${final.error.message}${final.error.hint ? ` (${final.error.hint})` : ''}` : `job ${final.id} ended ${final.state}`;
          items.push({ ...item, action: 'failed', error: reason, jobState: final.state });
        } else items.push({ ...item, jobState: final.state });
      }
      printResult(ctx.io, ctx.json(cmd), { dryRun: result.dryRun, items }, formatEnsure);
      if (items.some((i) => i.action === 'failed')) ctx.exitCode = 1;
    });

  program
    .command('recommended')
    .description('A curated list of embedding, LLM and speech models, marked fits / too big for this machine (sizes approximate)')
    .option('--json', 'print JSON')
    .action(async (_o, cmd: Command) => {
      printResult(ctx.io, ctx.json(cmd), await ctx.getCore().invoke('models.recommended', {}), formatRecommended);
    });

  program
    .command('cleanup')
    .description('Delete old revisions of Hugging Face models in the cache, keeping the N most recent, pinned and in-use ones; or, with --max-gb, keep every tool\'s models under a budget (least recently used go first)')
    .option('--keep <n>', 'revisions to keep per model (at least 1)')
    .option('--max-gb <gb>', 'retention budget over all tools (HF cache, Ollama, Vosk, LM Studio, Jan, legacy ST): remove models safe to delete, least recently used first, until at most this many GB stay')
    .option('--dry-run', 'only list what would go and the bytes freed')
    .option('--json', 'print JSON')
    .action(async (opts: { keep?: string; maxGb?: string; dryRun?: boolean }, cmd: Command) => {
      if (opts.maxGb !== undefined && opts.keep === undefined) return runRetention(ctx, cmd, opts.maxGb, Boolean(opts.dryRun));
      if (opts.keep === undefined || opts.maxGb !== undefined) throw new AppError('INVALID_INPUT', 'cleanup takes --keep N or --max-gb X (one of them).');
      const keep = /^\d+$/.test(opts.keep) ? Number(opts.keep) : Number.NaN;
      const r = (await ctx.getCore().call('models.cleanup', { keep, dryRun: Boolean(opts.dryRun) })) as CleanupResultDTO;
      printResult(ctx.io, ctx.json(cmd), r, formatCleanup);
    });
}
