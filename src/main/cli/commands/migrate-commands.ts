import fs from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import type { CompareReportDTO, MigrationDTO, MigrationPlanDTO } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CliContext } from '../cli-context';
import { formatBytes, printResult, table } from '../cli-output';
import { followJob, jobOutcome } from '../follow-job';
import { parseCount } from './collection-commands';
import { describeHistory } from './gate-commands';

const ACTIONS = ['start', 'status', 'pause', 'resume', 'cancel', 'history'] as const;
type Action = (typeof ACTIONS)[number];

const seconds = (s: number | null): string => {
  if (s === null || !Number.isFinite(s)) return '—';
  if (s < 90) return `${Math.ceil(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
};

export function describePlan(p: MigrationPlanDTO): string {
  const approx = p.tokenSample < p.chunks ? '≈' : '';
  return [
    `Dry run: ${p.collection} ${p.from.model}@${p.from.version} (${p.from.dimension ?? '?'} dims) → ${p.to.model}@${p.to.version} (${p.to.dimension ?? '?'} dims, ${p.to.status})`,
    `  ${p.chunks} chunks, ${p.tokens === null ? '? tokens' : `${approx}${p.tokens} tokens by B's tokenizer`}${p.overLength ? `, ${approx}${p.overLength} longer than B reads (${p.to.maxSeqLength})` : ''}`,
    `  time: ${p.estimate.seconds === null ? 'unknown' : `about ${seconds(p.estimate.seconds)} at ${p.estimate.chunksPerSecond!.toFixed(0)} chunks/s`}; ${p.estimate.basis}`,
    `  disk: ${formatBytes(p.disk.extraBytes)} more${p.disk.freeBytes === null ? '' : `, ${formatBytes(p.disk.freeBytes)} free`}`,
    table(['', 'CHECK', 'DETAIL'], p.checks.map((c) => [c.ok ? 'ok' : c.blocking ? 'FAIL' : 'warn', c.name, c.detail])),
    p.ok ? 'Ready: run the same command without --dry-run to start.' : 'Refused: fix the FAIL lines first.',
  ].join('\n');
}

export function describeMigration(m: MigrationDTO): string {
  const lines = [
    `${m.collection}: ${m.from.model}@${m.from.version} → ${m.to.model}@${m.to.version} · ${m.state} · ${m.done} of ${m.total} chunks${m.rate ? ` · ${m.rate.toFixed(0)} chunks/s · ${seconds(m.etaSeconds)} left` : ''}`,
  ];
  if (m.state === 'ready' || m.rolloutPercent || m.routeCounts.current || m.routeCounts.candidate) {
    lines.push(`  rollout ${m.rolloutPercent} % to B · searches served: A ${m.routeCounts.current}, B ${m.routeCounts.candidate}${m.shadow ? ' · shadow on' : ''}`);
  }
  if (m.shadowStats.queries) lines.push(`  shadow: ${m.shadowStats.queries} queries compared, mean overlap ${(m.shadowStats.meanOverlap ?? 0).toFixed(2)}`);
  if (m.truncated) lines.push(`  ${m.truncated} chunk(s) were cut to B's max length`);
  if (m.compare) lines.push(`  last compare (${m.compare.comparedAt.slice(0, 19)}): ${compareSummary(m.compare)}`);
  for (const e of m.errors.slice(-5)) lines.push(`  error ${e.at.slice(0, 19)}: ${e.message}`);
  if (m.outcome) lines.push(`  ${m.outcome}`);
  if (m.state === 'ready') lines.push(`  Next: model-center compare ${m.collection} · gate status ${m.collection} · rollout ${m.collection} <percent> · finalize ${m.collection} --yes · rollback ${m.collection}`);
  if (m.state === 'paused' || m.state === 'interrupted') lines.push(`  Resume with: model-center migrate resume ${m.collection}`);
  return lines.join('\n');
}

function compareSummary(r: CompareReportDTO): string {
  const s = r.summary;
  const parts = [`${s.queries} queries, mean overlap@${r.k} ${s.meanOverlap.toFixed(2)}`, `rank correlation ${s.meanRankCorrelation === null ? '—' : s.meanRankCorrelation.toFixed(2)}`];
  if (s.hitAt1A !== null) parts.push(`source chunk first: A ${(s.hitAt1A * 100).toFixed(0)} %, B ${((s.hitAt1B ?? 0) * 100).toFixed(0)} %; MRR A ${s.mrrA?.toFixed(2)}, B ${s.mrrB?.toFixed(2)}`);
  return parts.join(', ');
}

function describeCompare(r: CompareReportDTO): string {
  const rows = r.queries.map((q) => [
    q.query.length > 50 ? `${q.query.slice(0, 49)}…` : q.query,
    q.overlap.toFixed(2),
    q.rankCorrelation === null ? '—' : q.rankCorrelation.toFixed(2),
    q.sourceChunkId === null ? '' : `${q.rankA ?? '—'} / ${q.rankB ?? '—'}`,
    q.a[0] ? `${q.a[0].chunkId} (${q.a[0].score.toFixed(3)})` : '—',
    q.b[0] ? `${q.b[0].chunkId} (${q.b[0].score.toFixed(3)})` : '—',
  ]);
  return `${table(['QUERY', `OVERLAP@${r.k}`, 'RANK CORR', 'SOURCE RANK A/B', 'TOP A', 'TOP B'], rows)}\nSummary: ${compareSummary(r)}`;
}

function parsePercent(value: string): number {
  const n = Number(value.replace(/%$/, ''));
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('must be a percentage from 0 to 100');
  return n;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerMigrateCommands(program: Command, ctx: CliContext): void {
  program
    .command('migrate')
    .description(`Re-embed a collection with another model version while it keeps serving: migrate <collection> --to <model>@<version> [--dry-run]; migrate ${ACTIONS.slice(1).join('|')} <collection>`)
    .argument('<collection-or-action>', `collection to migrate, or one of ${ACTIONS.join(', ')}`)
    .argument('[collection]', 'the collection, after an action')
    .option('--to <model@version>', 'the registry model version to migrate to')
    .option('--dry-run', 'only plan: counts, time and disk estimates, checks (B downloaded and validated)')
    .option('--batch-size <n>', 'chunks per write transaction and BULK-lane request', parseCount(1, 1024), 256)
    .option('--json', 'print JSON')
    .action(async (first: string, second: string | undefined, opts: { to?: string; dryRun?: boolean; batchSize: number }, cmd: Command) => {
      const isAction = (ACTIONS as readonly string[]).includes(first) && second !== undefined;
      const action: Action = isAction ? (first as Action) : 'start';
      const collection = isAction ? second! : first;
      if (!isAction && second !== undefined) throw new AppError('INVALID_INPUT', `Unknown migrate action "${first}".`, { hint: `Actions: ${ACTIONS.join(', ')}.` });
      const core = ctx.getCore();
      const json = ctx.json(cmd);
      if (action === 'start') {
        if (!opts.to) throw new AppError('INVALID_INPUT', 'Say which model version to migrate to: --to <model>@<version>.');
        if (opts.dryRun) {
          const plan = await core.invoke('migrations.plan', { collection, to: opts.to });
          printResult(ctx.io, json, plan, describePlan);
          if (!plan.ok) ctx.exitCode = 1;
          return;
        }
        const started = await core.invoke('migrations.start', { collection, to: opts.to, batchSize: opts.batchSize });
        const final = await followJob(core, started.job);
        const m = await core.invoke('migrations.get', { collection });
        printResult(ctx.io, json, m, describeMigration);
        jobOutcome(final);
        return;
      }
      if (action === 'resume') {
        const m = await core.invoke('migrations.resume', { collection });
        if (m.job) jobOutcome(await followJob(core, m.job));
        printResult(ctx.io, json, await core.invoke('migrations.get', { collection }), describeMigration);
        return;
      }
      if (action === 'history') {
        printResult(ctx.io, json, await core.invoke('migrations.history', { collection }), describeHistory);
        return;
      }
      const method = action === 'status' ? 'migrations.get' : action === 'pause' ? 'migrations.pause' : 'migrations.cancel';
      printResult(ctx.io, json, await core.invoke(method, { collection }), describeMigration);
    });

  program
    .command('compare')
    .description("Search A and B side by side: per query top-k of each, overlap@k, rank correlation, and a summary (kept for the monitor)")
    .argument('<collection>', 'collection with a migration ready to compare')
    .option('--query <text>', 'a query (repeatable); default: queries sampled from the collection', collect, [])
    .option('--queries-file <file>', 'queries, one per line')
    .option('--sample <n>', 'queries to sample from the collection when none are given', parseCount(1, 500), 20)
    .option('-k, --limit <k>', 'top k per version', parseCount(1, 100), 10)
    .option('--json', 'print JSON')
    .action(async (collection: string, opts: { query: string[]; queriesFile?: string; sample: number; limit: number }, cmd: Command) => {
      const fromFile = opts.queriesFile ? fs.readFileSync(opts.queriesFile, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean) : [];
      const queries = [...opts.query, ...fromFile];
      const r = await ctx.getCore().invoke('migrations.compare', { collection, queries: queries.length ? queries : undefined, sample: opts.sample, k: opts.limit });
      printResult(ctx.io, ctx.json(cmd), r, describeCompare);
    });

  program
    .command('rollout')
    .description('Route this share of searches to B (0, 10, 50, 100 or any percentage), the same query always to the same version; with golden queries, the quality gate runs first')
    .argument('<collection>', 'collection')
    .argument('<percent>', '0–100', parsePercent)
    .option('--skip-gate', 'take the step without running the quality gate (recorded in the history)')
    .option('--json', 'print JSON')
    .action(async (collection: string, percent: number, opts: { skipGate?: boolean }, cmd: Command) => {
      printResult(ctx.io, ctx.json(cmd), await ctx.getCore().invoke('migrations.setRollout', { collection, percent, skipGate: Boolean(opts.skipGate) }), describeMigration);
    });

  program
    .command('shadow')
    .description('Shadow mode: every search also runs on the other version, and the differences are logged')
    .argument('<collection>', 'collection')
    .argument('<on|off>', 'on or off')
    .option('--json', 'print JSON')
    .action(async (collection: string, state: string, _o, cmd: Command) => {
      if (state !== 'on' && state !== 'off') throw new AppError('INVALID_INPUT', `Shadow mode is "on" or "off", not "${state}".`);
      printResult(ctx.io, ctx.json(cmd), await ctx.getCore().invoke('migrations.setShadow', { collection, enabled: state === 'on' }), describeMigration);
    });

  program
    .command('finalize')
    .description("Make B the collection's current version; A's vectors are deleted (--yes) or kept (--keep-previous); with golden queries, the quality gate runs first")
    .argument('<collection>', 'collection')
    .option('--yes', "confirm deleting A's vectors")
    .option('--keep-previous', "keep A's vectors (not updated by later imports)")
    .option('--skip-gate', 'finalize without running the quality gate (recorded in the history)')
    .option('--json', 'print JSON')
    .action(async (collection: string, opts: { yes?: boolean; keepPrevious?: boolean; skipGate?: boolean }, cmd: Command) => {
      const m = await ctx.getCore().invoke('migrations.finalize', { collection, confirm: Boolean(opts.yes), keepPrevious: Boolean(opts.keepPrevious), skipGate: Boolean(opts.skipGate) });
      printResult(ctx.io, ctx.json(cmd), m, describeMigration);
    });
}

/**
 * `rollback <name>` serves two domains: a registry model (its previous current version) and a collection's
 * migration (A at 100 %). The name decides unless it is both, which is refused: say --model or --collection.
 */
export async function rollbackTarget(ctx: CliContext, name: string, opts: { collection?: boolean; model?: boolean }): Promise<'model' | 'collection'> {
  if (opts.collection && opts.model) throw new AppError('INVALID_INPUT', 'Give --collection or --model, not both.');
  if (opts.collection) return 'collection';
  if (opts.model) return 'model';
  const core = ctx.getCore();
  const key = name.trim().toLowerCase();
  const isModel = (await core.invoke('registry.listModels', {})).some((m) => m.name === key || m.aliases.includes(key));
  const collection = (await core.invoke('collections.list', {})).find((c) => c.name === key);
  if (isModel && collection?.migration) {
    throw new AppError('INVALID_INPUT', `"${name}" is both a registry model and a collection with a migration in progress.`, {
      hint: `Say which: model-center rollback ${name} --model (its previous current version) or --collection (the migration, A serves 100 %).`,
    });
  }
  return collection && (collection.migration || !isModel) ? 'collection' : 'model';
}
