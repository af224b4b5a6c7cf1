import type { Command } from 'commander';
import type { DetectResultDTO, OllamaShowDTO } from '../../../shared/contract';
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
      const rows = g.models.map((m) => [m.name, formatBytes(m.sizeBytes), m.revision ? m.revision.slice(0, 12) : '', status(m), m.lastUsed?.slice(0, 10) ?? '', m.location]);
      out.push(table(['NAME', 'SIZE', 'REVISION', 'STATUS', 'LAST USED', 'LOCATION'], rows).replace(/^/gm, '  '));
    }
    for (const w of g.warnings) out.push(`  warning: ${w}`);
  }
  return out.join('\n');
}

function formatShow(s: OllamaShowDTO): string {
  const lines = [`${s.name}`];
  for (const [k, v] of Object.entries(s.details)) lines.push(`  ${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
  if (s.capabilities.length) lines.push(`  capabilities: ${s.capabilities.join(', ')}`);
  if (s.parameters) lines.push(`  parameters:\n${s.parameters.replace(/^/gm, '    ')}`);
  if (s.license) lines.push(`  license: ${s.license.split('\n')[0] ?? ''}`);
  return lines.join('\n');
}

export function registerDetectCommands(program: Command, ctx: CliContext): void {
  program
    .command('detect')
    .description('Find models already on this machine (Ollama, Vosk, Hugging Face cache, legacy sentence-transformers)')
    .option('--json', 'print JSON')
    .action(async (_o, cmd: Command) => {
      const r = await ctx.getCore().invoke('detect', {});
      printResult(ctx.io, ctx.json(cmd), r, formatDetect);
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

  const vosk = program.command('vosk').description('Install Vosk speech models (safe zip extraction into the data folder)');
  vosk
    .command('recommended')
    .description('Official small Vosk models to start with')
    .option('--json', 'print JSON')
    .action(async (_o, cmd: Command) => {
      const list = await ctx.getCore().invoke('vosk.recommended', {});
      printResult(ctx.io, ctx.json(cmd), list, (l) => table(['NAME', 'LANGUAGE', 'SIZE', 'URL'], l.map((m) => [m.name, m.language, `${m.sizeMB} MB`, m.url])));
    });
  vosk
    .command('install')
    .description('Download a Vosk model zip and unpack it (paths escaping the folder, links and zip bombs are refused)')
    .argument('<url>', 'URL of the model zip (see `model-center vosk recommended`)')
    .option('--json', 'print JSON')
    .action(async (url: string, _o, cmd: Command) => {
      const core = ctx.getCore();
      const final = await followJob(core, await core.invoke('vosk.install', { url }));
      printResult(ctx.io, ctx.json(cmd), final, describeJob);
      jobOutcome(final);
    });
}
