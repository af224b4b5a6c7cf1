import type { Command } from 'commander';
import { VoskInstallResultSchema, type JobDTO, type VoskCatalogueEntry, type VoskInstallResultDTO } from '../../../shared/contract';
import type { CliContext } from '../cli-context';
import { formatBytes, printResult, table } from '../cli-output';
import { followJob, jobOutcome } from '../follow-job';
import { describeJob } from './jobs-command';

function catalogueTable(list: VoskCatalogueEntry[]): string {
  return table(
    ['NAME', 'LANGUAGE', 'ZIP', 'UNPACKED', 'RAM', 'URL'],
    list.map((m) => [m.name, m.language, formatBytes(m.zipBytes), `~${m.unpackedMB} MB`, `~${m.ramGB} GB`, m.url]),
  );
}

function formatInstall(job: JobDTO, result: VoskInstallResultDTO | null): string {
  if (!result) return describeJob(job);
  return [`Installed ${result.name} in ${result.location} (${formatBytes(result.bytes)}; the zip was ${formatBytes(result.zipBytes)}).`, result.registry?.message ?? 'Not registered (--no-register).'].join('\n');
}

export function registerVoskCommands(program: Command, ctx: CliContext): void {
  const vosk = program.command('vosk').description('Install Vosk speech models: resumable download, safe zip extraction into the data folder, registry');
  vosk
    .command('recommended')
    .description('The catalogue of known Vosk models (resources/vosk-models.json): URL, language, zip and unpacked size')
    .option('--json', 'print JSON')
    .action(async (_o, cmd: Command) => {
      printResult(ctx.io, ctx.json(cmd), await ctx.getCore().invoke('vosk.recommended', {}), catalogueTable);
    });
  vosk
    .command('install')
    .description(
      'Download a Vosk model zip and install it into <data>/vosk/<model>: the download resumes where an earlier one stopped ' +
        '(Ctrl-C pauses it), paths escaping the folder, links and zip bombs are refused, the layout is checked, and the model ' +
        'is registered (speech-to-text, development) unless --no-register',
    )
    .argument('<model>', 'a name from `model-center vosk recommended` (or another official model name), or the URL of a model zip')
    .option('--no-register', 'do not create a registry model for it')
    .option('--json', 'print JSON')
    .action(async (model: string, opts: { register: boolean }, cmd: Command) => {
      const core = ctx.getCore();
      const final = await followJob(core, await core.invoke('vosk.install', { model, register: opts.register }));
      jobOutcome(final);
      const parsed = VoskInstallResultSchema.safeParse(core.jobStore.get(final.id)?.result);
      const result = parsed.success ? parsed.data : null;
      printResult(ctx.io, ctx.json(cmd), { job: final, result }, (r) => formatInstall(r.job, r.result));
    });
}
