import path from 'node:path';
import type { Command } from 'commander';
import { DETECT_SOURCES, type AdoptLegacyResultDTO, type DetectDeleteResultDTO, type DetectResultDTO, type DetectSource, type OllamaShowDTO } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CliContext } from '../cli-context';
import { formatBytes, printResult, table } from '../cli-output';
import { followJob, jobOutcome } from '../follow-job';
import { describeJob } from './jobs-command';

const TITLES: Record<string, string> = {
  ollama: 'Ollama',
  vosk: 'Vosk',
  huggingface: 'Hugging Face cache',
  'sentence-transformers': 'Legacy sentence-transformers cache',
};

function status(m: DetectResultDTO['groups'][number]['models'][number]): string {
  if (!m.complete) return `INCOMPLETE: ${m.missing.join('; ')}`;
  return m.running ? 'ok, running' : 'ok';
}

export function formatDetect(r: DetectResultDTO): string {
  const out: string[] = [];
  out.push(r.ollama.running ? `Ollama server ${r.ollama.version ?? '?'} at ${r.ollama.host}` : `Ollama server: not running (${r.ollama.error ?? r.ollama.host})`);
  for (const g of r.groups) {
    out.push('', `${TITLES[g.source] ?? g.source} — ${g.models.length} model(s), ${formatBytes(g.totalBytes)}`);
    if (g.models.length === 0) {
      out.push(`  nothing found in ${g.roots.map((x) => x.path).join(', ')}`);
    } else {
      const rows = g.models.map((m) => [m.name, formatBytes(m.sizeBytes), m.revision ? m.revision.slice(0, 12) : '', status(m), m.lastUsed?.slice(0, 10) ?? '', m.registryModel ?? '', m.location]);
      out.push(table(['NAME', 'SIZE', 'REVISION', 'STATUS', 'LAST USED', 'REGISTRY', 'LOCATION'], rows).replace(/^/gm, '  '));
    }
    for (const w of g.warnings) out.push(`  warning: ${w}`);
  }
  return out.join('\n');
}

function formatShow(s: OllamaShowDTO): string {
  const lines = [`${s.name}${s.sizeBytes !== null ? `  ${formatBytes(s.sizeBytes)}` : ''}${s.quantization ? `  ${s.quantization}` : ''}`];
  for (const [k, v] of Object.entries(s.details)) lines.push(`  ${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
  if (s.capabilities.length) lines.push(`  capabilities: ${s.capabilities.join(', ')}`);
  if (s.parameters) lines.push(`  parameters:\n${s.parameters.replace(/^/gm, '    ')}`);
  if (s.template) lines.push(`  template:\n${s.template.replace(/^/gm, '    ')}`);
  if (s.license) lines.push(`  license: ${s.license.split('\n')[0] ?? ''}`);
  return lines.join('\n');
}

function formatAdopt(r: AdoptLegacyResultDTO): string {
  const m = r.model;
  return [
    `Registered ${m.name} ${r.version.version} (${r.version.status}): embedding, local, ${m.source?.kind === 'path' ? m.source.path : ''}`,
    `  dimension ${m.dimension ?? '?'}, max sequence length ${m.maxSeqLength ?? '?'}, pooling ${m.pooling ?? '?'}, ${formatBytes(m.sizeBytes ?? 0)}`,
    ...r.messages.map((x) => `  - ${x}`),
    `Promote it when it has been checked: model-center set-status ${m.name} ${r.version.version} staging`,
  ].join('\n');
}

function formatDeleted(r: DetectDeleteResultDTO): string {
  const what = `${r.source} model ${r.name}${r.revision ? `@${r.revision.slice(0, 12)}` : ''}`;
  const lines = r.removes.map((x) => `  ${x}`);
  return r.dryRun
    ? [`Would delete ${what}, freeing ${formatBytes(r.bytesFreed)}:`, ...lines].join('\n')
    : [`Deleted ${what}: ${formatBytes(r.bytesFreed)} freed.`, ...lines].join('\n');
}

export function registerDetectCommands(program: Command, ctx: CliContext): void {
  const detect = program
    .command('detect')
    .summary('Find models already on this machine (Ollama, Vosk, HF cache, legacy sentence-transformers); `detect delete` removes one')
    .description('Find models already on this machine (Ollama, Vosk, Hugging Face cache, legacy sentence-transformers). `model-center detect delete <source> <name>` deletes one of them.')
    .option('--json', 'print JSON')
    .action(async (_o, cmd: Command) => {
      const r = await ctx.getCore().invoke('detect', {});
      printResult(ctx.io, ctx.json(cmd), r, formatDetect);
    });
  detect
    .command('delete')
    .description('Delete one detected model: an HF cache repo (or --revision), an Ollama model (through the server), a Vosk or legacy folder')
    .argument('<source>', `where detect found it: ${DETECT_SOURCES.join(', ')}`)
    .argument('<name>', 'its name as detect shows it')
    .option('--location <path>', 'its location as detect shows it (when the name was found twice)')
    .option('--revision <commit>', 'huggingface only: delete this snapshot (full commit sha) instead of the whole repo')
    .option('--dry-run', 'only show what would go and the bytes freed')
    .option('--yes', 'confirm the deletion (required unless --dry-run)')
    .option('--json', 'print JSON')
    .action(async (source: string, name: string, opts: { location?: string; revision?: string; dryRun?: boolean; yes?: boolean }, cmd: Command) => {
      const core = ctx.getCore();
      const input = { source: source as DetectSource, name, location: opts.location ? path.resolve(opts.location) : undefined, revision: opts.revision };
      if (!opts.yes && !opts.dryRun) {
        const preview = (await core.call('detect.delete', { ...input, dryRun: true })) as DetectDeleteResultDTO;
        throw new AppError('INVALID_INPUT', formatDeleted(preview), { hint: 'Run again with --yes to confirm.' });
      }
      const r = (await core.call('detect.delete', { ...input, dryRun: Boolean(opts.dryRun) })) as DetectDeleteResultDTO;
      printResult(ctx.io, ctx.json(cmd), r, formatDeleted);
    });

  program
    .command('adopt')
    .description('Register a legacy sentence-transformers folder as a registry model (embedding, local) with a first version in development')
    .argument('<path>', 'the folder, e.g. ~/.cache/torch/sentence_transformers/org_name (see `model-center detect`)')
    .option('--name <name>', 'registry name (default: the model part of the folder name, lowercased)')
    .option('--first-version <version>', 'the version to register (`--version` is the program\'s own flag)', '1.0.0')
    .option('--json', 'print JSON')
    .action(async (dir: string, opts: { name?: string; firstVersion: string }, cmd: Command) => {
      const r = (await ctx.getCore().call('detect.adoptLegacy', { path: path.resolve(dir), name: opts.name, version: opts.firstVersion })) as AdoptLegacyResultDTO;
      printResult(ctx.io, ctx.json(cmd), r, formatAdopt);
    });

  const ollama = program.command('ollama').description('Pull, show and delete Ollama models through the Ollama server (OLLAMA_HOST)');
  ollama
    .command('pull')
    .description('Pull a model and follow the download (Ctrl-C cancels)')
    .argument('<name>', 'model name, e.g. llama3:8b')
    .option('--json', 'print JSON')
    .action(async (name: string, _o, cmd: Command) => {
      const core = ctx.getCore();
      const final = await followJob(core, await core.invoke('ollama.pull', { name }));
      printResult(ctx.io, ctx.json(cmd), final, describeJob);
      jobOutcome(final);
    });
  ollama
    .command('show')
    .description('Show a model: details, parameters, license')
    .argument('<name>', 'model name')
    .option('--json', 'print JSON')
    .action(async (name: string, _o, cmd: Command) => {
      printResult(ctx.io, ctx.json(cmd), await ctx.getCore().invoke('ollama.show', { name }), formatShow);
    });
  ollama
    .command('delete')
    .description('Delete a model from the Ollama server')
    .argument('<name>', 'model name')
    .option('--json', 'print JSON')
    .action(async (name: string, _o, cmd: Command) => {
      printResult(ctx.io, ctx.json(cmd), await ctx.getCore().invoke('ollama.delete', { name }), (r) => `Deleted ${r.deleted}.`);
    });

}
