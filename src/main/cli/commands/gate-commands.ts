import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { GateDTO, GateRunDTO, GateSettingsDTO, ServingEntryDTO } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { servingShare } from '../../../shared/serving-share';
import type { CliContext } from '../cli-context';
import { printResult, table } from '../cli-output';
import { parseCount } from './collection-commands';

const f2 = (x: number | null): string => (x === null ? '—' : x.toFixed(2));
const ms = (x: number): string => `${x.toFixed(1)} ms`;

export function describeGateRun(r: GateRunDTO): string {
  return [
    `Gate run ${r.id} (${r.trigger}, ${r.at.slice(0, 19)}, rollout ${r.rolloutPercent} %): ${r.passed ? 'PASSED' : 'FAILED'}${r.action !== 'none' ? ` → ${r.action}` : ''}`,
    table(
      ['', `RECALL@${r.k}`, 'MRR', 'P50', 'P95'],
      [
        [`A ${r.a.version}`, f2(r.a.recall), f2(r.a.mrr), ms(r.a.p50Ms), ms(r.a.p95Ms)],
        [`B ${r.b.version}`, f2(r.b.recall), f2(r.b.mrr), ms(r.b.p50Ms), ms(r.b.p95Ms)],
      ],
    ),
    `  ${r.queries} golden queries (${r.withExpected} with expected chunks), mean overlap@${r.k} ${f2(r.meanOverlap)}`,
    ...r.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.detail}`),
    `  ${r.summary}`,
  ].join('\n');
}

function describeSettings(s: GateSettingsDTO): string {
  const off = (x: number | null, text: string): string => (x === null ? 'off' : text);
  return [
    `  k ${s.k} · recall drop ≤ ${off(s.maxRecallDrop, String(s.maxRecallDrop))} · MRR drop ≤ ${off(s.maxMrrDrop, String(s.maxMrrDrop))} · overlap ≥ ${off(s.minOverlap, String(s.minOverlap))}`,
    `  p95 ≤ ${off(s.maxP95Ratio, `${s.maxP95Ratio}× A's (or A + ${s.p95SlackMs} ms)`)} · re-run every ${s.intervalMinutes ? `${s.intervalMinutes} min while rollout > 0 %` : '— (rollout steps and by hand only)'} · auto-rollback ${s.autoRollback ? 'on' : 'off'}`,
  ].join('\n');
}

export function describeGate(g: GateDTO): string {
  const origins = ['typed', 'imported', 'sampled'].map((o) => [o, g.queries.filter((q) => q.origin === o).length] as const).filter(([, n]) => n);
  const missing = g.queries.filter((q) => q.missing.length).length;
  const lines = [
    `${g.collection}: ${g.queries.length} golden queries${origins.length ? ` (${origins.map(([o, n]) => `${n} ${o}`).join(', ')})` : ''}${missing ? ` · ${missing} expect chunks no longer in the collection` : ''}`,
    describeSettings(g.settings),
  ];
  if (!g.armed) lines.push(`  Not armed: rollout steps are not checked. Add queries: model-center gate sample ${g.collection} (or gate add / gate import).`);
  if (g.runs.length) {
    lines.push(
      '',
      table(
        ['RUN', 'AT', 'TRIGGER', 'ROLLOUT', 'RESULT', 'ACTION', `RECALL@K A/B`, 'P95 A/B'],
        g.runs.map((r) => [r.id, r.at.slice(0, 19), r.trigger, `${r.rolloutPercent} %`, r.passed ? 'passed' : 'failed', r.action, `${f2(r.a.recall)} / ${f2(r.b.recall)}`, `${ms(r.a.p95Ms)} / ${ms(r.b.p95Ms)}`]),
      ),
      '',
      `Last: ${g.runs[0]!.summary}`,
    );
  }
  return lines.join('\n');
}

export function describeHistory(h: ServingEntryDTO[]): string {
  return table(
    ['AT', 'EVENT', 'SERVING', 'WHY'],
    h.map((e) => [e.at.slice(0, 19), e.event, servingShare(e), e.reason]),
  );
}

const ratio = (name: string, min: number, max: number) => (value: string): number | null => {
  if (value === 'off') return null;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a number from ${min} to ${max}, or "off"`);
  return n;
};

function parseIds(value: string, previous: number[] = []): number[] {
  const ids = value.split(/[\s,]+/).filter(Boolean).map(Number);
  if (!ids.length || ids.some((n) => !Number.isSafeInteger(n) || n <= 0)) throw new InvalidArgumentError('must be chunk ids (whole numbers), e.g. 12,15');
  return [...previous, ...ids];
}

export function registerGateCommands(program: Command, ctx: CliContext): void {
  const gate = program
    .command('gate')
    .description('The migration quality gate: golden queries per collection, thresholds, runs (rollout steps and a schedule run it; a failure rolls back)');

  const show = (cmd: Command, g: GateDTO): void => printResult(ctx.io, ctx.json(cmd), g, describeGate);

  gate
    .command('status')
    .description('Golden queries, thresholds and recent runs of a collection')
    .argument('<collection>', 'collection')
    .option('--json', 'print JSON')
    .action(async (collection: string, _o, cmd: Command) => show(cmd, await ctx.getCore().invoke('gate.get', { collection })));

  gate
    .command('add')
    .description('Add a golden query typed by hand, with the chunk ids a good answer holds (optional)')
    .argument('<collection>', 'collection')
    .argument('<query>', 'the query text')
    .option('--expect <ids>', 'expected chunk ids, comma-separated (see `collection search --json`, field chunkId)', parseIds)
    .option('--json', 'print JSON')
    .action(async (collection: string, query: string, opts: { expect?: number[] }, cmd: Command) => {
      show(cmd, await ctx.getCore().invoke('gate.addQueries', { collection, queries: [{ query, expected: opts.expect ?? [] }] }));
    });

  gate
    .command('import')
    .description('Import golden queries: .jsonl ({"query": …, "expected": [ids]} per line), .json, .csv (query[,expected ids]) or .txt (one per line)')
    .argument('<collection>', 'collection')
    .argument('<file>', 'the file')
    .option('--json', 'print JSON')
    .action(async (collection: string, file: string, _o, cmd: Command) => {
      let content: string;
      try {
        content = fs.readFileSync(file, 'utf8');
      } catch (err) {
        throw new AppError('INVALID_INPUT', `Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
      }
      show(cmd, await ctx.getCore().invoke('gate.importQueries', { collection, fileName: path.basename(file), content }));
    });

  gate
    .command('sample')
    .description("Sample queries from the collection's chunks and freeze them (each expects the chunk it came from)")
    .argument('<collection>', 'collection')
    .option('-n, --count <n>', 'how many', parseCount(1, 1000), 50)
    .option('--json', 'print JSON')
    .action(async (collection: string, opts: { count: number }, cmd: Command) => show(cmd, await ctx.getCore().invoke('gate.sampleQueries', { collection, count: opts.count })));

  gate
    .command('remove')
    .description('Remove golden queries by id, or all of them with --all')
    .argument('<collection>', 'collection')
    .argument('[ids...]', 'query ids (see gate status --json)')
    .option('--all', 'remove every golden query of the collection')
    .option('--json', 'print JSON')
    .action(async (collection: string, ids: string[], opts: { all?: boolean }, cmd: Command) => {
      if (!opts.all && !ids.length) throw new AppError('INVALID_INPUT', 'Name the query ids to remove, or --all.');
      show(cmd, await ctx.getCore().invoke('gate.removeQueries', { collection, ids: opts.all ? undefined : ids.flatMap((i) => parseIds(i)) }));
    });

  gate
    .command('set')
    .description('Set thresholds ("off" turns a check off), the schedule and auto-rollback')
    .argument('<collection>', 'collection')
    .option('-k, --k <k>', 'top k compared', parseCount(1, 100))
    .option('--max-recall-drop <x>', "B's recall@k ≥ A's − x (0–1)", ratio('--max-recall-drop', 0, 1))
    .option('--max-mrr-drop <x>', "B's MRR ≥ A's − x (0–1)", ratio('--max-mrr-drop', 0, 1))
    .option('--min-overlap <x>', 'mean overlap@k of A and B ≥ x (0–1)', ratio('--min-overlap', 0, 1))
    .option('--max-p95-ratio <x>', "B's p95 latency ≤ x × A's (≥ 1)", ratio('--max-p95-ratio', 1, 100))
    .option('--p95-slack-ms <ms>', 'p95 differences below this pass whatever the ratio', ratio('--p95-slack-ms', 0, 10_000))
    .option('--every <minutes>', 're-run this often while rollout > 0 % (0: only on rollout steps and by hand)', ratio('--every', 0, 7 * 24 * 60))
    .option('--auto-rollback <on|off>', 'roll back at once on a failure while B serves')
    .option('--json', 'print JSON')
    .action(async (collection: string, o: Record<string, number | null | string | undefined>, cmd: Command) => {
      const settings: Partial<GateSettingsDTO> = {};
      if (o.k !== undefined) settings.k = o.k as number;
      if (o.maxRecallDrop !== undefined) settings.maxRecallDrop = o.maxRecallDrop as number | null;
      if (o.maxMrrDrop !== undefined) settings.maxMrrDrop = o.maxMrrDrop as number | null;
      if (o.minOverlap !== undefined) settings.minOverlap = o.minOverlap as number | null;
      if (o.maxP95Ratio !== undefined) settings.maxP95Ratio = o.maxP95Ratio as number | null;
      if (o.p95SlackMs !== undefined) settings.p95SlackMs = (o.p95SlackMs as number | null) ?? 0;
      if (o.every !== undefined) settings.intervalMinutes = (o.every as number | null) ?? 0;
      if (o.autoRollback !== undefined) {
        if (o.autoRollback !== 'on' && o.autoRollback !== 'off') throw new AppError('INVALID_INPUT', `--auto-rollback is "on" or "off", not "${String(o.autoRollback)}".`);
        settings.autoRollback = o.autoRollback === 'on';
      }
      if (!Object.keys(settings).length) throw new AppError('INVALID_INPUT', 'Nothing to set.', { hint: 'See model-center gate set --help.' });
      show(cmd, await ctx.getCore().invoke('gate.setSettings', { collection, settings }));
    });

  gate
    .command('run')
    .description('Run the golden set against A and B now; exit 1 when it fails (a failure while rollout > 0 % rolls back). For cron, too')
    .argument('<collection>', 'collection')
    .option('--json', 'print JSON')
    .action(async (collection: string, _o, cmd: Command) => {
      const run = await ctx.getCore().invoke('gate.run', { collection });
      printResult(ctx.io, ctx.json(cmd), run, describeGateRun);
      if (!run.passed) ctx.exitCode = 1;
    });

}
