import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { EmbedOutputDTO, ValidationReportDTO, Variant } from '../../../shared/contract';
import { LANES, VARIANTS } from '../../../shared/contract';
import type { CliContext } from '../cli-context';
import { printResult, table } from '../cli-output';

function oneOf<T extends string>(values: readonly T[], what: string) {
  return (v: string): T => {
    if ((values as readonly string[]).includes(v)) return v as T;
    throw new InvalidArgumentError(`${what} must be one of ${values.join(', ')}`);
  };
}

const preview = (text: string): string => (text.length > 40 ? `${text.slice(0, 39)}…` : text);

function formatEmbed(texts: string[], showVectors: boolean) {
  return (out: EmbedOutputDTO): string =>
    out.results
      .map((r) => {
        const head = `${r.model}${r.version ? ` (${r.registryModel}@${r.version})` : ''}: ${r.dimension} dims, ${r.variant}, on ${r.executionProvider}${
          r.fallbackReason ? ` (fallback: ${r.fallbackReason})` : ''
        }; ${r.timings.totalMs.toFixed(1)} ms (inference ${r.timings.inferenceMs.toFixed(1)} ms); cache ${r.cache.hits} hit(s), ${r.cache.misses} miss(es)`;
        const rows = texts.map((t, i) => {
          const v = r.vectors[i];
          const norm = v ? Math.hypot(...v) : NaN;
          const vec = v ? (showVectors ? `[${v.map((x) => x.toFixed(4)).join(', ')}]` : `[${v.slice(0, 4).map((x) => x.toFixed(4)).join(', ')}, …]`) : '';
          return [String(i), preview(t), r.tokens[i], r.truncated.includes(i) ? `yes (max ${r.maxSeqLength})` : 'no', Number.isNaN(norm) ? '' : norm.toFixed(4), vec];
        });
        const notes = r.configNotes.map((n) => `note: ${n}\n`).join('');
        return `${head}\n${notes}${table(['#', 'TEXT', 'TOKENS', 'TRUNCATED', 'NORM', 'VECTOR'], rows)}`;
      })
      .join('\n\n');
}

export function formatValidation(r: ValidationReportDTO): string {
  const who = r.registryModel ? `${r.registryModel}@${r.version ?? '?'}` : r.model;
  const rows = r.checks.map((c) => [c.ok ? (c.warning ? 'warn' : 'ok') : 'FAIL', c.name, c.detail]);
  return `${who}: ${r.ok ? 'healthy' : 'FAILED'}${r.dimension ? ` (${r.dimension} dims on ${r.executionProvider})` : ''}\n${table(['', 'CHECK', 'DETAIL'], rows)}`;
}

export function registerInferenceCommands(program: Command, ctx: CliContext): void {
  program
    .command('embed')
    .description('Embed texts with a model (registry name or alias[@version], hf:org/name[@rev], or a folder); prints dims, tokens, norms')
    .argument('<model>', 'model to embed with; "-" for the default embedding model (setting defaultEmbeddingModel)')
    .argument('<texts...>', 'texts to embed')
    .option('--profile <lane>', 'rt (interactive, first in line) or bulk', oneOf(LANES, '--profile'), 'rt')
    .option('--variant <v>', `ONNX variant: ${VARIANTS.join(', ')}`, oneOf(VARIANTS, '--variant'))
    .option('--also <model...>', 'more models: one vector set per model (seed 001 models=[…])')
    .option('--no-cache', 'skip the embedding cache')
    .option('--vectors', 'print whole vectors, not the first values')
    .option('--json', 'print JSON (with full vectors)')
    .action(async (model: string, texts: string[], opts: { profile: 'rt' | 'bulk'; variant?: Variant; also?: string[]; cache: boolean; vectors?: boolean }, cmd: Command) => {
      const core = ctx.getCore();
      const first = model === '-' ? undefined : model;
      const models = opts.also?.length ? [first ?? (await core.invoke('settings.get', {})).values.defaultEmbeddingModel, ...opts.also] : undefined;
      const out = await core.invoke('inference.embed', {
        texts,
        ...(models ? { models } : first ? { model: first } : {}),
        profile: opts.profile,
        variant: opts.variant,
        cache: opts.cache,
      });
      printResult(ctx.io, ctx.json(cmd), out, formatEmbed(texts, Boolean(opts.vectors)));
    });

  program
    .command('validate')
    .description('Load a model and check it: dimension vs registry, finite values, unit norms, determinism, paraphrase similarity (RU and EN)')
    .argument('[model]', 'model to validate; omitted: every embedding model in the registry')
    .option('--variant <v>', `ONNX variant: ${VARIANTS.join(', ')}`, oneOf(VARIANTS, '--variant'))
    .option('--json', 'print JSON')
    .action(async (model: string | undefined, opts: { variant?: Variant }, cmd: Command) => {
      const core = ctx.getCore();
      let refs: string[];
      if (model) refs = [model];
      else {
        const models = await core.invoke('registry.listModels', { type: 'embedding' });
        refs = models.filter((m) => m.source !== null).map((m) => m.name);
        if (!refs.length) {
          ctx.io.err('No embedding models with files in the registry. Name one: model-center validate hf:org/name (or a folder).\n');
          ctx.exitCode = 1;
          return;
        }
      }
      const reports: ValidationReportDTO[] = [];
      for (const ref of refs) reports.push(await core.invoke('inference.validate', { model: ref, variant: opts.variant }));
      printResult(ctx.io, ctx.json(cmd), model ? reports[0]! : reports, (r) => (Array.isArray(r) ? r.map(formatValidation).join('\n\n') : formatValidation(r)));
      if (reports.some((r) => !r.ok)) ctx.exitCode = 1;
    });
}
