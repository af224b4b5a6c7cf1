import type { Command } from 'commander';
import type { UpstreamModelDTO, UpstreamReportDTO } from '../../../shared/contract';
import type { CliContext } from '../cli-context';
import { formatBytes, printResult, table } from '../cli-output';
import { followJob } from '../follow-job';

function fileLines(m: UpstreamModelDTO): string[] {
  const c = m.changes;
  return [
    ...c.changed.map((f) => `    changed  ${f.path}  ${formatBytes(f.oldSize)} → ${formatBytes(f.newSize)}  ${f.oldHash.slice(0, 10)} → ${f.newHash.slice(0, 10)}`),
    ...c.added.map((f) => `    added    ${f.path}  ${formatBytes(f.size)}`),
    ...c.removed.map((f) => `    removed  ${f.path}`),
  ];
}

export function formatOutdated(r: UpstreamReportDTO): string {
  if (!r.models.length) return 'Nothing to check: no model was downloaded from the Hub or registered with a Hub source.';
  const rows = r.models.map((m) => [m.repo, m.branch, m.pinnedCommit.slice(0, 10), m.headCommit?.slice(0, 10) ?? '-', m.status, m.registryModels.join(', ') || '-']);
  const details = r.models.filter((m) => m.status !== 'up-to-date').flatMap((m) => [`${m.repo}: ${m.message}`, ...fileLines(m)]);
  const outdated = r.models.filter((m) => m.status === 'outdated').length;
  return [
    table(['REPO', 'BRANCH', 'PINNED', 'UPSTREAM', 'STATUS', 'REGISTRY'], rows),
    ...(details.length ? ['', ...details] : []),
    '',
    outdated ? `${outdated} model(s) changed upstream. Update one with \`model-center update <repo>\` (only changed files are downloaded).` : 'Everything is up to date.',
  ].join('\n');
}

export function registerUpstreamCommands(program: Command, ctx: CliContext): void {
  program
    .command('outdated')
    .description('Compare downloaded models with their upstream branch on the Hub (file by file, nothing downloaded); exit 1 when one changed')
    .argument('[models...]', 'repos (org/name) or registry models; default: all')
    .option('--json', 'print JSON')
    .action(async (models: string[], _opts, cmd: Command) => {
      const report = await ctx.getCore().invoke('upstream.check', { models: models.length ? models : undefined });
      printResult(ctx.io, ctx.json(cmd), report, formatOutdated);
      if (report.models.some((m) => m.status === 'outdated')) ctx.exitCode = 1;
    });

  program
    .command('update')
    .description('Download only the changed files of a model as a new revision and register it as a new development version (current stays)')
    .argument('<model>', 'repo (org/name) or registry model')
    .option('--no-follow', 'start the download and return at once')
    .option('--json', 'print JSON')
    .action(async (model: string, opts: { follow: boolean }, cmd: Command) => {
      const core = ctx.getCore();
      const started = await core.invoke('upstream.update', { model });
      if (!started.started || !started.job || !opts.follow) {
        printResult(ctx.io, ctx.json(cmd), started, (s) => s.message);
        return;
      }
      const final = await followJob(core, started.job);
      const registered = await core.invoke('upstream.finishUpdate', { jobId: final.id });
      printResult(ctx.io, ctx.json(cmd), { ...started, job: final, registered }, (s) =>
        final.state === 'done' ? `${s.check.message}\n${registered.message}.` : `The download ended ${final.state}; nothing was registered.`,
      );
      if (final.state !== 'done') ctx.exitCode = 1;
    });
}
