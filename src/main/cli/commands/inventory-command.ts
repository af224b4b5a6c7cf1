import type { Command } from 'commander';
import {
  DedupeOutcomeSchema,
  INVENTORY_TOOL_TITLES,
  type DedupeOutcomeDTO,
  type DedupeResultDTO,
  type InventoryReportDTO,
  type RetentionResultDTO,
} from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { Core } from '../../core/create-core';
import type { CliContext } from '../cli-context';
import { formatBytes, printResult, table } from '../cli-output';
import { followJob, jobOutcome } from '../follow-job';

const short = (sha: string | null): string => (sha ? `${sha.slice(0, 12)}…` : '-');

export function formatInventory(r: InventoryReportDTO, opts: { files?: boolean } = {}): string {
  const out: string[] = [];
  const tools = r.tools.filter((t) => t.models > 0);
  out.push(
    `Disk used by models: ${formatBytes(r.totals.sizeBytes)} in ${r.totals.files} file(s) (each file counted once)`,
    '',
    tools.length ? table(['TOOL', 'MODELS', 'FILES', 'SIZE'], tools.map((t) => [INVENTORY_TOOL_TITLES[t.tool], t.models, t.files, formatBytes(t.sizeBytes)])) : 'No models found.',
  );
  const missing = r.roots.filter((x) => !x.exists).map((x) => `${x.tool}: ${x.path}`);
  if (missing.length) out.push('', `Not there (nothing to scan): ${missing.join('; ')}`);
  if (r.models.length) {
    out.push(
      '',
      table(
        ['TOOL', 'MODEL', 'SIZE', 'FILES', 'LAST USED', 'SAFE TO DELETE'],
        r.models.map((m) => [m.tool, m.name, formatBytes(m.sizeBytes), m.files, (m.lastUsed ?? m.lastModified ?? '').slice(0, 10), m.safeToDelete ? 'yes' : `no: ${m.usedBy.join('; ')}`]),
      ),
    );
  }
  if (opts.files && r.files.length) {
    out.push('', table(['SHA256', 'SIZE', 'HASH FROM', 'STORE', 'PATH'], r.files.map((f) => [short(f.sha256), formatBytes(f.sizeBytes), f.hashSource ?? '-', f.immutable ? 'immutable' : 'mutable', f.path])));
  }
  if (r.duplicates.length) {
    out.push('', `Duplicates: ${r.duplicates.length} group(s), ${formatBytes(r.totals.wastedBytes)} in extra copies; hardlinks on the same filesystem would save ${formatBytes(r.totals.linkableBytes)}, \`dedupe\` saves ${formatBytes(r.totals.dedupeBytes)}`);
    for (const g of r.duplicates) {
      out.push(`  ${short(g.sha256)} ${formatBytes(g.sizeBytes)} × ${g.copies.length}: dedupe saves ${formatBytes(g.dedupeBytes)}`);
      for (const c of g.copies) out.push(`    ${c.tool.padEnd(21)} ${c.path}`);
      for (const s of g.skipped) out.push(`    skipped ${s.path}: ${s.reason}`);
    }
  } else if (r.hashed) out.push('', 'No duplicates.');
  const s = r.stats;
  out.push('', `Hashes: ${s.filesHashed} file(s) read now (${formatBytes(s.bytesHashed)}), ${s.fromCache} from the cache, ${s.fromName} from content-addressed names.`);
  if (r.usage.missing.length) out.push(`In-use checks read ${r.usage.tables.join(', ')}; not in this database yet: ${r.usage.missing.join(', ')}.`);
  for (const w of r.warnings) out.push(`warning: ${w}`);
  return out.join('\n');
}

export function formatDedupe(r: DedupeResultDTO, outcome?: DedupeOutcomeDTO): string {
  const out: string[] = [];
  if (outcome) {
    for (const l of outcome.linked) out.push(`linked   ${l.path} → ${l.keep}`);
    for (const s of outcome.skipped) out.push(`skipped  ${s.path}: ${s.reason}`);
  } else {
    for (const l of r.links) for (const p of l.link) out.push(`${r.dryRun ? 'would link' : 'link'} ${p} → ${l.keep} (${formatBytes(l.sizeBytes)})`);
  }
  for (const s of r.skipped) out.push(`left alone ${s.path}: ${s.reason}`);
  if (!out.length) out.push('No duplicates to link.');
  const saved = outcome ? outcome.bytesSaved : r.bytesSaved;
  out.push('', `${r.dryRun ? 'Would save' : 'Saved'} ${formatBytes(saved)}.${r.dryRun && r.links.length ? ' Run `model-center dedupe` without --dry-run to link them.' : ''}`);
  return out.join('\n');
}

export function formatRetention(r: RetentionResultDTO): string {
  const out: string[] = [`Models on disk: ${formatBytes(r.totalBytes)}; budget ${formatBytes(r.budgetBytes)}.`];
  if (r.remove.length) {
    out.push('', table(['ACTION', 'TOOL', 'MODEL', 'FREES', 'LAST USED'], r.remove.map((x) => [r.dryRun ? 'would remove' : 'removed', x.tool, x.name, formatBytes(x.freeableBytes), x.lastUsed?.slice(0, 10) ?? ''])));
  } else out.push('', r.totalBytes <= r.budgetBytes ? 'Already under the budget: nothing to remove.' : 'Nothing that is safe to delete.');
  if (r.protected.length) out.push('', 'Kept (in use):', ...r.protected.map((p) => `  ${p.tool} ${p.name}: ${p.reason}`));
  for (const w of r.warnings) out.push(`warning: ${w}`);
  out.push(
    '',
    `${r.dryRun ? 'Would free' : 'Freed'} ${formatBytes(r.dryRun ? r.totalBytes - r.afterBytes : r.bytesFreed)}; ${formatBytes(r.afterBytes)} would stay.`,
    ...(r.reachable ? [] : ['The budget cannot be met by removing only models that are safe to delete.']),
    ...(r.dryRun && r.remove.length ? ['Run without --dry-run to remove them.'] : []),
  );
  return out.join('\n');
}

/** Runs a scan job to the end (progress bar, Ctrl-C pauses) and returns the report it stored. */
async function scan(core: Core, verifyNames: boolean): Promise<InventoryReportDTO> {
  const final = await followJob(core, await core.invoke('inventory.scan', { verifyNames }));
  jobOutcome(final);
  const r = await core.invoke('inventory.get', {});
  if (!r) throw new AppError('INTERNAL', 'The inventory scan finished but stored no report.');
  return r;
}

/** `cleanup --max-gb X`: the retention budget over every tool's models (see `inventory.retention`). */
export async function runRetention(ctx: CliContext, cmd: Command, maxGb: string, dryRun: boolean): Promise<void> {
  const gb = /^\d+(\.\d+)?$/.test(maxGb.trim()) ? Number(maxGb) : Number.NaN;
  if (!Number.isFinite(gb)) throw new AppError('INVALID_INPUT', `--max-gb must be a number of gigabytes (1 GB = 10^9 bytes), got "${maxGb}".`);
  const r = await ctx.getCore().invoke('inventory.retention', { maxBytes: Math.round(gb * 1e9), dryRun });
  printResult(ctx.io, ctx.json(cmd), r, formatRetention);
  if (!dryRun && r.warnings.some((w) => w.includes('not removed'))) ctx.exitCode = 1;
}

export function registerInventoryCommands(program: Command, ctx: CliContext): void {
  program
    .command('inventory')
    .summary('Every model on this disk across tools: size, sha256, duplicates, safe-to-delete')
    .description(
      'Scan the Hugging Face cache, the legacy sentence-transformers cache, Ollama, Vosk, LM Studio and Jan: per model size, files, last use and whether it is safe to delete; per file size and sha256 (hashed once, cached by path, size and mtime); duplicates across tools with the bytes hardlinks would save',
    )
    .option('--files', 'list every file with its sha256')
    .option('--verify-names', 'also hash files whose content-addressed name nobody checked (HF cache blobs huggingface_hub wrote)')
    .option('--last', 'print the last scan without scanning')
    .option('--json', 'print JSON')
    .action(async (opts: { files?: boolean; verifyNames?: boolean; last?: boolean }, cmd: Command) => {
      const core = ctx.getCore();
      const r = opts.last ? await core.invoke('inventory.get', {}) : await scan(core, Boolean(opts.verifyNames));
      if (!r) throw new AppError('NOT_FOUND', 'No inventory yet.', { hint: 'Run `model-center inventory` to scan.' });
      printResult(ctx.io, ctx.json(cmd), r, (x) => formatInventory(x, { files: opts.files }));
    });

  program
    .command('dedupe')
    .summary('Replace duplicate model files in immutable stores by hardlinks (scans first; --dry-run lists)')
    .description(
      'Scan, then hardlink files with the same sha256 that lie in content-addressed stores no tool rewrites in place (HF cache blobs, Ollama blobs), on the same filesystem; each is re-hashed right before it is linked, and swapped atomically. Copies in LM Studio, Jan, Vosk or legacy sentence-transformers folders are reported, never linked.',
    )
    .option('--dry-run', 'only list what would be linked and what is left alone, with why')
    .option('--json', 'print JSON')
    .action(async (opts: { dryRun?: boolean }, cmd: Command) => {
      const core = ctx.getCore();
      await scan(core, false);
      const r = await core.invoke('inventory.dedupe', { dryRun: Boolean(opts.dryRun) });
      if (!r.job) {
        printResult(ctx.io, ctx.json(cmd), r, (x) => formatDedupe(x));
        return;
      }
      const final = await followJob(core, r.job);
      jobOutcome(final);
      const parsed = DedupeOutcomeSchema.safeParse(core.jobStore.get(final.id)?.result);
      const outcome = parsed.success ? parsed.data : undefined;
      printResult(ctx.io, ctx.json(cmd), { ...r, job: final, outcome: outcome ?? null }, () => formatDedupe(r, outcome));
    });
}
