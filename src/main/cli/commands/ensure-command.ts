import type { Command } from 'commander';
import { CLEANUP_SOURCES, type CleanupGroupDTO, type CleanupResultDTO, type CleanupSource, type EnsureItemDTO, EnsureResultDTO, JobDTO, RecommendedResultDTO } from '../../../shared/contract';
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
    `This machine: RAM ${formatBytes(m.totalRamBytes)}, GPU ${gpu}`,
    ...m.installDirs.map((d) => `  ${d.kind} models go to ${d.path}: ${d.freeDiskBytes === null ? '?' : formatBytes(d.freeDiskBytes)} free`),
    '',
    table(
      ['KIND', 'REF', 'DISK', 'RAM', 'VRAM', 'FITS', 'WHY'],
      r.models.map((x) => [x.kind, x.ref, `~${x.diskMB} MB`, `~${x.ramGB} GB`, x.vramGB === null ? '-' : `~${x.vramGB} GB`, x.installed ? 'installed' : x.fits ? 'fits' : 'too big', x.reasons.join('; ')]),
    ),
    '',
    r.note,
    'Add one with `model-center ensure <ref>` or to the list with `model-center configure requiredModels=…`.',
  ];
  return lines.join('\n');
}

const SOURCE_TITLES: Record<CleanupSource, string> = {
  huggingface: 'Hugging Face cache',
  registry: 'Registry versions',
  ollama: 'Ollama',
  vosk: 'Vosk',
};

function groupRows(groups: CleanupGroupDTO[], dryRun: boolean, archive: boolean): string[][] {
  const rows: string[][] = [];
  const gone = archive ? (dryRun ? 'would archive' : 'archived') : dryRun ? 'would remove' : 'removed';
  for (const g of groups) {
    if (g.skipped) rows.push([g.model, '', 'note', g.skipped]);
    for (const k of g.kept) rows.push([g.model, k.id, 'kept', k.reason ?? '']);
    for (const x of g.removed) rows.push([g.model, x.id, gone, archive ? `was ${x.status ?? '?'}` : formatBytes(x.bytes ?? 0)]);
    for (const x of g.listed) rows.push([g.model, x.id, 'listed', `${formatBytes(x.bytes ?? 0)}; ${x.reason ?? ''}`]);
  }
  return rows;
}

export function formatCleanup(r: CleanupResultDTO): string {
  const out: string[] = [];
  const hfRows: string[][] = [];
  for (const repo of r.repos) {
    if (repo.skipped) hfRows.push([repo.repo, '(all)', 'kept', `skipped: ${repo.skipped}`]);
    else {
      for (const k of repo.kept) hfRows.push([repo.repo, k.commit.slice(0, 12), 'kept', k.reason ?? '']);
      for (const x of repo.removed) hfRows.push([repo.repo, x.commit.slice(0, 12), r.dryRun ? 'would remove' : 'removed', formatBytes(x.bytes ?? 0)]);
    }
  }
  const sections: Array<[CleanupSource, string[][], string]> = [
    ['huggingface', hfRows, 'REVISION'],
    ['registry', groupRows(r.registry, r.dryRun, true), 'VERSION'],
    ['ollama', groupRows(r.ollama, r.dryRun, false), 'TAG'],
    ['vosk', groupRows(r.vosk, r.dryRun, false), 'FOLDER'],
  ];
  for (const [source, rows, col] of sections) {
    if (!r.sources.includes(source)) continue;
    out.push(`${SOURCE_TITLES[source]}:`);
    out.push(rows.length ? table([source === 'huggingface' ? 'REPO' : 'MODEL', col, 'ACTION', 'WHY / BYTES'], rows).replace(/^/gm, '  ') : `  nothing with more than ${r.keep} to choose from`, '');
  }
  for (const w of r.warnings) out.push(`warning: ${w}`);
  const revisions = r.repos.reduce((n, x) => n + x.removed.length, 0);
  const files = [...r.ollama, ...r.vosk].reduce((n, g) => n + g.removed.length, 0);
  const archived = r.registry.reduce((n, g) => n + g.removed.length, 0);
  const parts = [`${revisions} revision(s)`, ...(files ? [`${files} Ollama/Vosk model(s)`] : [])];
  const archive = archived ? `; ${r.dryRun ? 'would archive' : 'archived'} ${archived} registry version(s)` : '';
  const total = `${r.dryRun ? 'Would free' : 'Freed'} ${formatBytes(r.bytesFreed)} (${parts.join(', ')})${archive}.`;
  const any = revisions + files + archived > 0;
  return `${out.join('\n')}\n${total}${r.dryRun && any ? ' Run without --dry-run to apply.' : ''}`;
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
    .summary('Keep the N most recent revisions/versions of each model (--keep), or every tool\'s models under a size budget (--max-gb); --dry-run lists them')
    .description(
      'Keep the N most recent of each model, remove the rest: HF cache revisions, registry versions (archived), older Vosk versions, older Ollama tags of families in requiredModels (others are only listed, unless --all-ollama); never current, production, pinned or in-use ones. Or, with --max-gb, keep all tools\' models (HF cache, Ollama, Vosk, LM Studio, Jan, legacy ST) under a budget: models safe to delete go, least recently used first',
    )
    .option('--keep <n>', 'revisions/versions to keep per model (at least 1)')
    .option('--max-gb <gb>', 'retention budget over every tool, in GB (10^9 bytes); not with --keep')
    .option('--only <sources...>', `with --keep, clean only these: ${CLEANUP_SOURCES.join(', ')}`)
    .option('--all-ollama', 'with --keep, older Ollama tags of every family go too, not only of those requiredModels names')
    .option('--dry-run', 'only list what would go and the bytes freed')
    .option('--json', 'print JSON')
    .action(async (opts: { keep?: string; maxGb?: string; dryRun?: boolean; only?: string[]; allOllama?: boolean }, cmd: Command) => {
      if (opts.maxGb !== undefined && opts.keep === undefined && !opts.only) return runRetention(ctx, cmd, opts.maxGb, Boolean(opts.dryRun));
      if (opts.keep === undefined || opts.maxGb !== undefined) throw new AppError('INVALID_INPUT', 'cleanup takes --keep N or --max-gb X (not both; --only goes with --keep).');
      const keep = /^\d+$/.test(opts.keep) ? Number(opts.keep) : Number.NaN;
      const only = opts.only?.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
      const r = (await ctx.getCore().call('models.cleanup', { keep, dryRun: Boolean(opts.dryRun), sources: only, allOllamaFamilies: Boolean(opts.allOllama) })) as CleanupResultDTO;
      printResult(ctx.io, ctx.json(cmd), r, formatCleanup);
    });
}
