import fs from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  MODEL_PROVIDERS,
  MODEL_TYPES,
  VERSION_STATUSES,
  type ImportReport,
  type MlflowStatusDTO,
  type ModelDetailDTO,
  type ModelInput,
  type ModelSource,
  type ModelSummaryDTO,
  type VersionDTO,
} from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CliContext } from '../cli-context';
import { printResult, table } from '../cli-output';
import { describeMigration, rollbackTarget } from './migrate-commands';

function metricsText(v: VersionDTO): string {
  if (!v.latestMetrics) return '';
  return Object.entries(v.latestMetrics.metrics)
    .map(([k, n]) => `${k}=${n}`)
    .join(' ');
}

export function versionsTable(versions: VersionDTO[]): string {
  if (versions.length === 0) return 'No versions registered.';
  return table(
    ['VERSION', 'STATUS', 'CURRENT', 'REGISTERED', 'METRICS', 'DESCRIPTION'],
    versions.map((v) => [v.version, v.status, v.isCurrent ? '*' : '', v.createdAt.replace('T', ' ').slice(0, 19), metricsText(v), v.description]),
  );
}

function modelHeader(m: ModelDetailDTO): string {
  return `${m.name} (${m.type}, ${m.provider}) · current ${m.currentVersion ?? 'none'}${m.previousVersion ? ` · previous ${m.previousVersion}` : ''}`;
}

function modelsTable(models: ModelSummaryDTO[]): string {
  if (models.length === 0) return 'No models registered. Add one with `model-center register <model> <version> --type embedding`.';
  return table(
    ['NAME', 'TYPE', 'PROVIDER', 'CURRENT', 'STATUS', 'VERSIONS', 'ALIASES'],
    models.map((m) => [m.name, m.type, m.provider, m.currentVersion ?? '-', m.currentStatus ?? '-', m.versionCount, m.aliases.join(',')]),
  );
}

function reportText(r: ImportReport): string {
  const lines = [`Imported: ${r.imported.length}, unchanged: ${r.unchanged.length}, refused: ${r.refused.length}${r.rolledBack ? ' (strict: nothing written)' : ''}`];
  for (const e of r.imported) lines.push(`  + ${e}`);
  for (const e of r.unchanged) lines.push(`  = ${e}`);
  for (const e of r.refused) lines.push(`  ! ${e.entry}: ${e.reason}`);
  for (const m of r.messages) lines.push(`  · ${m}`);
  return lines.join('\n');
}

function parseMetric(text: string, previous: Record<string, number> = {}): Record<string, number> {
  const eq = text.indexOf('=');
  const value = Number(text.slice(eq + 1));
  if (eq <= 0 || !Number.isFinite(value) || text.slice(eq + 1).trim() === '') throw new InvalidArgumentError(`"${text}" is not NAME=NUMBER`);
  return { ...previous, [text.slice(0, eq).trim()]: value };
}

const statusOption = (): Option => new Option('--status <status>', 'lifecycle status').choices(VERSION_STATUSES);

/** Builds the model to create when `register` names a model the registry does not know yet. */
function newModel(name: string, opts: RegisterOptions): ModelInput {
  if (!opts.type) {
    throw new AppError('MODEL_NOT_FOUND', `No model named "${name}" is registered.`, {
      hint: `To create it, say what it is: model-center register ${name} <version> --type embedding [--provider huggingface --repo owner/name --revision SHA]`,
    });
  }
  const provider = opts.provider ?? (opts.tag ? 'ollama' : opts.path ? 'local' : 'huggingface');
  return { name, type: opts.type, provider, source: sourceFrom(opts) };
}

function sourceFrom(opts: RegisterOptions): ModelSource | null {
  if (opts.repo) return { kind: 'hub', repoId: opts.repo, revision: opts.revision ?? null };
  if (opts.path) return { kind: 'path', path: opts.path };
  if (opts.tag) return { kind: 'ollama', tag: opts.tag };
  return null;
}

interface RegisterOptions {
  status?: (typeof VERSION_STATUSES)[number];
  description?: string;
  type?: (typeof MODEL_TYPES)[number];
  provider?: (typeof MODEL_PROVIDERS)[number];
  repo?: string;
  revision?: string;
  path?: string;
  tag?: string;
}

export function registerRegistryCommands(program: Command, ctx: CliContext): void {
  program
    .command('register')
    .description('Register a version of a model (creating the model when --type is given)')
    .argument('<model>', 'model name (a lowercase slug) or alias')
    .argument('<version>', 'semantic version, e.g. 1.0.0 (1.2 and v1.2.0 are normalised)')
    .addOption(statusOption().default('development'))
    .option('--description <text>', 'what changed in this version')
    .addOption(new Option('--type <type>', 'model type, to create a new model').choices(MODEL_TYPES))
    .addOption(new Option('--provider <provider>', 'provider, to create a new model').choices(MODEL_PROVIDERS))
    .option('--repo <repo-id>', "Hugging Face repo id: the new model's files, or this version's own for an existing model")
    .option('--revision <rev>', 'pinned Hub revision (commit sha) for --repo')
    .option('--path <path>', "folder or file: the new model's, or this version's own for an existing model")
    .option('--tag <tag>', 'Ollama tag (new ollama model)')
    .option('--json', 'print JSON')
    .action(async (model: string, version: string, opts: RegisterOptions, cmd: Command) => {
      const core = ctx.getCore();
      const exists = (await core.invoke('registry.listModels', {})).some((m) => m.name === model.toLowerCase() || m.aliases.includes(model.toLowerCase()));
      if (!exists) await core.invoke('registry.upsertModel', newModel(model, opts));
      // For a model that exists, files named here belong to this version (a new export, another repo or revision).
      const source = exists ? sourceFrom(opts) : null;
      const result = await core.invoke('registry.registerVersion', { model, version, status: opts.status ?? 'development', description: opts.description ?? null, source });
      printResult(ctx.io, ctx.json(cmd), result, (r) =>
        [...r.messages, `Registered ${r.version.model} ${r.version.version} (${r.version.status}).`].join('\n'),
      );
    });

  program
    .command('models')
    .description('List registered models with their current version')
    .addOption(new Option('--type <type>', 'only this type').choices(MODEL_TYPES))
    .option('--json', 'print JSON')
    .action(async (opts: { type?: (typeof MODEL_TYPES)[number] }, cmd: Command) => {
      printResult(ctx.io, ctx.json(cmd), await ctx.getCore().invoke('registry.listModels', { type: opts.type }), modelsTable);
    });

  program
    .command('versions')
    .description('List the versions of a model, newest first (* marks the current one)')
    .argument('<model>', 'model name or alias')
    .option('--json', 'print JSON')
    .action(async (model: string, _o, cmd: Command) => {
      const detail = await ctx.getCore().invoke('registry.getModel', { model });
      printResult(ctx.io, ctx.json(cmd), detail.versions, (v) => `${modelHeader(detail)}\n${versionsTable(v)}`);
    });

  program
    .command('set-status')
    .description(`Move a version along its lifecycle (${VERSION_STATUSES.join(' → ')})`)
    .argument('<model>', 'model name or alias')
    .argument('<version>', 'version')
    .argument('<status>', VERSION_STATUSES.join('|'))
    .option('--json', 'print JSON')
    .action(async (model: string, version: string, status: string, _o, cmd: Command) => {
      // The contract validates the status; an unknown one is a usage error (exit 2).
      const v = (await ctx.getCore().call('registry.setStatus', { model, version, status })) as VersionDTO;
      printResult(ctx.io, ctx.json(cmd), v, (x) => `${x.model} ${x.version} is now ${x.status}.`);
    });

  program
    .command('set-current')
    .description('Make a version the current one (atomic; --expect refuses if someone switched meanwhile)')
    .argument('<model>', 'model name or alias')
    .argument('<version>', 'version to make current')
    .option('--expect <version>', 'the current version you expect ("none" for none); refused if it differs')
    .option('--json', 'print JSON')
    .action(async (model: string, version: string, opts: { expect?: string }, cmd: Command) => {
      const expectedCurrent = opts.expect === undefined ? undefined : opts.expect === 'none' ? null : opts.expect;
      const detail = await ctx.getCore().invoke('registry.setCurrent', { model, version, expectedCurrent });
      printResult(ctx.io, ctx.json(cmd), detail, (d) => `Current version of ${d.name}: ${d.currentVersion ?? 'none'} (previous: ${d.previousVersion ?? 'none'}).`);
    });

  program
    .command('rollback')
    .description("Return a model to its previously current version in one step, or a collection's migration to A (100 % at once)")
    .argument('<model>', 'model name or alias, or a collection with a migration')
    .option('--expect <version>', 'the current version you expect; refused if it differs')
    .option('--collection', 'the name is a collection: roll its migration back')
    .option('--model', 'the name is a registry model')
    .option('--delete-vectors', "collections: delete B's vectors (default: keep them)")
    .option('--json', 'print JSON')
    .action(async (model: string, opts: { expect?: string; collection?: boolean; model?: boolean; deleteVectors?: boolean }, cmd: Command) => {
      if ((await rollbackTarget(ctx, model, opts)) === 'collection') {
        const m = await ctx.getCore().invoke('migrations.rollback', { collection: model, deleteVectors: Boolean(opts.deleteVectors) });
        printResult(ctx.io, ctx.json(cmd), m, describeMigration);
        return;
      }
      const result = await ctx.getCore().invoke('registry.rollback', { model, expectedCurrent: opts.expect });
      printResult(ctx.io, ctx.json(cmd), result, (r) => r.messages.join('\n'));
    });

  program
    .command('metrics')
    .description('Record performance metrics for a version (appended to its history), or show the history')
    .argument('<model>', 'model name or alias')
    .argument('<version>', 'version')
    .argument('[metrics...]', 'NAME=NUMBER pairs, e.g. accuracy=0.94 latency_ms=38.5')
    .option('--source <text>', 'where the numbers come from (bench run, eval set…)')
    .option('--json', 'print JSON')
    .action(async (model: string, version: string, pairs: string[], opts: { source?: string }, cmd: Command) => {
      const core = ctx.getCore();
      let metrics: Record<string, number> = {};
      for (const p of pairs) metrics = parseMetric(p, metrics);
      if (Object.keys(metrics).length) await core.invoke('registry.recordMetrics', { model, version, metrics, source: opts.source ?? null });
      const history = await core.invoke('registry.metricsHistory', { model, version });
      printResult(ctx.io, ctx.json(cmd), history, (h) =>
        h.length ? table(['RECORDED', 'SOURCE', 'METRICS'], h.map((r) => [r.recordedAt, r.source, Object.entries(r.metrics).map(([k, n]) => `${k}=${n}`).join(' ')])) : 'No metrics recorded.',
      );
    });

  program
    .command('import-registry')
    .description('Import models from a seed-003 model_registry.json or a seed-001 .env (EMB_MODELS=…); exit 1 if anything was refused')
    .argument('[file]', 'model_registry.json, or a .env file containing EMB_MODELS')
    .option('--env <value>', 'an EMB_MODELS value given directly: "alias:model_id:rev:dim:max_seq,…"')
    .option('--strict', 'write nothing if any entry is refused')
    .option('--json', 'print JSON')
    .action(async (file: string | undefined, opts: { env?: string; strict?: boolean }, cmd: Command) => {
      if (!file === !opts.env) throw new AppError('INVALID_INPUT', 'Give either a file or --env "<EMB_MODELS value>", not both or neither.');
      const core = ctx.getCore();
      let report: ImportReport;
      if (opts.env) report = await core.invoke('registry.importEnv', { text: opts.env, strict: Boolean(opts.strict) });
      else {
        let text: string;
        try {
          text = fs.readFileSync(file as string, 'utf8');
        } catch (cause) {
          throw new AppError('NOT_FOUND', `Cannot read ${file}: ${(cause as Error).message}`, { cause });
        }
        // A registry file is JSON; anything else is treated as an env file (EMB_MODELS line).
        const isJson = /^\s*[[{]/.test(text);
        report = await core.invoke(isJson ? 'registry.importJson' : 'registry.importEnv', { text, strict: Boolean(opts.strict) });
      }
      printResult(ctx.io, ctx.json(cmd), report, reportText);
      // Exit 1 (failure) after printing: scripts must notice a partial import. run-cli.ts defines the codes.
      if (report.refused.length) ctx.exitCode = 1;
    });

  program
    .command('mlflow-export')
    .description('Log a version (params, tags, metrics history) as one run on an MLflow tracking server (optional)')
    .argument('<model>', 'model name or alias')
    .argument('<version>', 'version')
    .option('--tracking-uri <url>', 'MLflow server (default: MLFLOW_TRACKING_URI)')
    .option('--experiment <name>', 'experiment (default: MLFLOW_EXPERIMENT_NAME, else model-center)')
    .option('--json', 'print JSON')
    .action(async (model: string, version: string, opts: { trackingUri?: string; experiment?: string }, cmd: Command) => {
      const r = await ctx.getCore().invoke('registry.mlflowExport', { model, version, trackingUri: opts.trackingUri, experiment: opts.experiment });
      printResult(ctx.io, ctx.json(cmd), r, (x) => `Logged ${x.paramsLogged} params and ${x.metricsLogged} metric values as run ${x.runId}.\n${x.runUrl}`);
    });

  program
    .command('mlflow-status')
    .description('Whether automatic MLflow logging is off, connected or unreachable (set with configure mlflowTrackingUri=URL)')
    .option('--json', 'print JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      const s = await ctx.getCore().invoke('registry.mlflowStatus', {});
      printResult(ctx.io, ctx.json(cmd), s, (x) => `MLflow: ${describeMlflow(x)}${x.reachable && x.lastError ? `\nLast error: ${x.lastError}` : ''}`);
    });
}

/** One phrase for `mlflow-status` and `status`: off / connected / unreachable (reason). */
export function describeMlflow(x: MlflowStatusDTO): string {
  if (!x.configured) return 'off (configure mlflowTrackingUri=http://localhost:5000, or set MLFLOW_TRACKING_URI)';
  if (x.reachable === false) return `unreachable at ${x.uri ?? ''}: ${x.lastError ?? 'no answer'}`;
  if (x.reachable === null) return `configured at ${x.uri ?? ''} (nothing logged yet)`;
  return `connected to ${x.uri ?? ''}, last sync ${x.lastSyncAt ?? ''}`;
}
