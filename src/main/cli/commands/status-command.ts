import type { Command } from 'commander';
import type { HealthDTO, InferenceStatusDTO, ModelStatusDTO, StatusDTO } from '../../../shared/contract';
import { describeFallback } from '../../../shared/provider-fallback';
import type { CliContext } from '../cli-context';
import { formatBytes, printResult, table } from '../cli-output';
import { describeMlflow } from './registry-command';

export function describeInference(i: InferenceStatusDTO): string {
  const gpu = i.available.filter((b) => b.name !== 'cpu').map((b) => `${b.name}${b.bundled ? '' : ' (not installed)'}`);
  const sessions = i.sessions.length ? `${i.sessions.length} session(s) loaded on ${[...new Set(i.sessions.map((s) => s.executionProvider))].join(', ')}` : 'no model loaded';
  const fallback = i.lastFallback ? `; last fallback: ${describeFallback(i.lastFallback)}` : '';
  const expected = i.expectedProvider === i.executionProvider ? '' : ` (expected to run on ${i.expectedProvider})`;
  return `provider ${i.executionProvider}${expected}, ${i.threads} threads, onnxruntime ${i.onnxruntimeVersion}; ${sessions}${fallback}; GPU providers: ${gpu.join(', ') || 'none'}`;
}

function human(s: StatusDTO): string {
  const jobs = Object.entries(s.jobs)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');
  const rows: Array<[string, string]> = [
    ['Version', `${s.app.name} ${s.app.version}`],
    ['Data dir', s.dataDir],
    ['Database', s.dbPath],
    ['Schema', Object.entries(s.schema).map(([d, v]) => `${d} v${v}`).join(', ')],
    ['Jobs', jobs || 'none'],
    ['Hub', `${s.settings.values.hubEndpoint}${s.offline ? ' (offline: HF_HUB_OFFLINE)' : ''}`],
    ['Hub cache', s.settings.values.hubCacheDir],
    ['HF token', s.settings.hfToken.present ? `set (${s.settings.hfToken.source})` : 'not set'],
    ['MLflow', describeMlflow(s.mlflow)],
    ['Inference', describeInference(s.inference)],
    ['Embed cache', `${s.inference.cache.entries} vectors, ${formatBytes(s.inference.cache.bytes)} of ${formatBytes(s.inference.cache.capBytes)}; ${s.inference.cache.hits} hits, ${s.inference.cache.misses} misses since ${s.inference.cache.since.replace('T', ' ').slice(0, 16)} UTC`],
    ['Runtime', `node ${s.runtime.node} on ${s.runtime.platform}-${s.runtime.arch}`],
  ];
  return table(['', ''], rows).split('\n').slice(1).join('\n');
}

export function describeHealth(h: HealthDTO): string {
  const loaded = new Set(h.models.map((m) => m.modelKey)).size;
  return [
    `inference ${h.status}: on ${h.device} (setting ${h.setting}); ${loaded} model(s) loaded in this process`,
    ...h.notes.map((n) => `note: ${n}`),
    ...h.problems.map((p) => `problem: ${p}`),
  ].join('\n');
}

const when = (iso: string): string => `${iso.replace('T', ' ').slice(0, 19)} UTC`;

export function describeModelStatus(s: ModelStatusDTO): string {
  const d = s.downloading;
  const downloading = d ? `job ${d.jobId} (${d.state}) ${d.progress.toFixed(0)} %${d.message ? `: ${d.message}` : ''}` : 'no';
  const rows: Array<[string, string]> = [];
  if (!s.source) rows.push(['Present', 'no: not in the Hugging Face cache'], ['Cache', s.cacheDir], ['Downloading', downloading]);
  else {
    const verified = s.verifyFailedAt !== null ? `FAILED at ${when(s.verifyFailedAt)}: ${s.verifyProblems.join('; ')}` : s.lastVerifiedAt ? when(s.lastVerifiedAt) : 'never';
    const u = s.unfinishedDownload;
    const missing = s.missingFiles.length
      ? `no: ${s.missingFiles.length} file(s) missing or of the wrong size (${s.missingFiles.slice(0, 5).join(', ')})`
      : s.verifyFailedAt
        ? 'no: its last verification failed'
        : u
          ? `no: download job ${u.jobId} (${u.state}) has not finished: only part of the files are there`
          : 'no: the snapshot has no files';
    rows.push(
      ['Present', s.present ? 'yes' : missing],
      ['Source', s.source === 'model-center' ? 'downloaded by Model Center' : 'found in the HF cache (another tool downloaded it)'],
      ['Revision', `${s.revision ?? '—'} (commit ${s.commit ?? '—'})`],
      ['Files', String(s.files.length)],
      ['Size', `${formatBytes(s.sizeBytes)} (${s.sizeBytes} bytes, ${s.sizeMB} MB)`],
      ['Verified', verified],
      ['Path', s.snapshotPath ?? s.cacheDir],
      ['Downloading', downloading],
    );
  }
  if (s.lastError) rows.push(['Last error', `job ${s.lastError.jobId} at ${when(s.lastError.at)}: ${s.lastError.code}: ${s.lastError.message}`]);
  return [s.repo, ...table(['', ''], rows).split('\n').slice(1)].join('\n');
}

export function registerStatusCommand(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('Show the data dir, database schema, app version, jobs and settings; with a model, that model\'s status (present, revision, files, size, last verification, download)')
    .argument('[repo]', 'a Hub model as org/name: whether it is in the HF cache and usable')
    .option('--json', 'print JSON')
    .action(async (repo: string | undefined, _opts, cmd: Command) => {
      if (repo) {
        const model = await ctx.getCore().invoke('hub.status', { repo });
        printResult(ctx.io, ctx.json(cmd), model, describeModelStatus);
        return;
      }
      const status = await ctx.getCore().invoke('system.status', {});
      printResult(ctx.io, ctx.json(cmd), status, human);
    });

  program
    .command('health')
    .description('Health of local inference (as GET /api/health): provider in use, fallback notes, failed validations; exit 1 when degraded')
    .option('--json', 'print JSON')
    .action(async (_opts, cmd: Command) => {
      const health = await ctx.getCore().invoke('inference.health', {});
      printResult(ctx.io, ctx.json(cmd), health, describeHealth);
      if (health.status !== 'ok') ctx.exitCode = 1;
    });
}
