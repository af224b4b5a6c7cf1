import type { Command } from 'commander';
import { shortRevision, upstreamRef, type UpstreamModelDTO, type UpstreamReportDTO } from '../../../shared/contract';
import type { CliContext } from '../cli-context';
import { formatBytes, printResult, table } from '../cli-output';
import { followJob } from '../follow-job';

function fileLines(m: UpstreamModelDTO): string[] {
  const c = m.changes;
  return [
    ...c.changed.map((f) => `    changed  ${f.path}  ${formatBytes(f.oldSize)} → ${formatBytes(f.newSize)}  ${shortRevision(m, f.oldHash)} → ${shortRevision(m, f.newHash)}`),
    ...c.added.map((f) => `    added    ${f.path}  ${formatBytes(f.size)}${m.source === 'ollama' ? `  ${shortRevision(m, f.hash)}` : ''}`),
    ...c.removed.map((f) => `    removed  ${f.path}`),
  ];
}

export function formatOutdated(r: UpstreamReportDTO): string {
  if (!r.models.length) return 'Nothing to check: no model was downloaded from the Hub or registered with a Hub source, and no Ollama store has a model.';
  const rows = r.models.map((m) => [
    upstreamRef(m),
    m.branch,
    shortRevision(m, m.pinnedCommit),
    m.headCommit ? shortRevision(m, m.headCommit) : '-',
    m.status,
    m.registryModels.join(', ') || '-',
  ]);
  const details = r.models.filter((m) => m.status !== 'up-to-date').flatMap((m) => [`${upstreamRef(m)}: ${m.message}`, ...fileLines(m)]);
  const outdated = r.models.filter((m) => m.status === 'outdated').length;
  return [
    table(['REPO', 'BRANCH', 'PINNED', 'UPSTREAM', 'STATUS', 'REGISTRY'], rows),
    ...(details.length ? ['', ...details] : []),
    '',
    outdated
      ? `${outdated} model(s) changed upstream. Update one with \`model-center update <repo>\` or \`model-center update ollama:<name>\` (only changed files or layers are downloaded).`
      : 'Everything is up to date.',
  ].join('\n');
}

export function registerUpstreamCommands(program: Command, ctx: CliContext): void {
  program
    .command('outdated')
    .description(
      'Compare downloaded models with their upstream branch on the Hub (file by file), and Ollama models with their tag on the registry (layer by layer); nothing downloaded; exit 1 when one changed',
    )
    .argument('[models...]', 'repos (org/name), Ollama models (ollama:name:tag) or registry models; default: all')
    .option('--json', 'print JSON')
    .action(async (models: string[], _opts, cmd: Command) => {
      const report = await ctx.getCore().invoke('upstream.check', { models: models.length ? models : undefined });
      printResult(ctx.io, ctx.json(cmd), report, formatOutdated);
      if (report.models.some((m) => m.status === 'outdated')) ctx.exitCode = 1;
    });

  program
    .command('update')
    .description(
      'Download only the changed files of a model as a new revision and register it as a new development version (current stays); for an Ollama model, pull the tag through the Ollama server (only changed layers)',
    )
    .argument('<model>', 'repo (org/name), Ollama model (ollama:name:tag) or registry model')
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
      if (started.check.source === 'ollama') {
        // Ollama replaces the tag in place: there is no second revision to register.
        printResult(ctx.io, ctx.json(cmd), { ...started, job: final }, (s) =>
          final.state === 'done' ? `${s.check.message}\nOllama pulled ${s.repo}: only the changed layers were downloaded.` : `The pull of ${s.repo} ended ${final.state}: ${final.error?.message ?? ''}`.trimEnd(),
        );
        if (final.state !== 'done') ctx.exitCode = 1;
        return;
      }
      const registered = await core.invoke('upstream.finishUpdate', { jobId: final.id });
      printResult(ctx.io, ctx.json(cmd), { ...started, job: final, registered }, (s) =>
        final.state === 'done' ? `${s.check.message}\n${registered.message}.` : `The download ended ${final.state}; nothing was registered.`,
      );
      if (final.state !== 'done') ctx.exitCode = 1;
    });
}
