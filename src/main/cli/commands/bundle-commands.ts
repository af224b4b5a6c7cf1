import { Command, InvalidArgumentError, Option } from 'commander';
import { COMPRESSIONS, type BundleImportReport, type BundleInspectDTO, type JobDTO, type StoreConfigDTO, type StoreEntryDTO } from '../../../shared/contract';
import type { CliContext } from '../cli-context';
import { formatBytes, printResult, table } from '../cli-output';
import { followJob, jobOutcome } from '../follow-job';
import { describeJob } from './jobs-command';

function describeImport(job: JobDTO): string {
  const report = (job.detail as { report?: BundleImportReport } | null)?.report;
  if (job.state !== 'done' || !report) return describeJob(job);
  const lines = report.models.map(
    (m) => `  ${m.repo} @ ${m.commit.slice(0, 10)}: ${m.files} files, ${m.blobsAdded} blobs added (${formatBytes(m.bytesAdded)}), ${m.blobsReused} already in the cache → ${m.snapshotPath}`,
  );
  const r = report.registry;
  lines.push(`  registry: ${r.modelsCreated.length} models created, ${r.modelsUpdated.length} updated, ${r.versionsAdded.length} versions, ${r.metricsAdded} metrics rows and ${r.validationsAdded} validation results added`);
  for (const k of r.kept) lines.push(`  kept: ${k}`);
  return [describeJob(job), ...lines].join('\n');
}

function describeInspect(i: BundleInspectDTO): string {
  const m = i.manifest;
  const rows = m.models.map((x) => [x.repo, x.commit.slice(0, 10), x.refs.join(',') || '—', x.files.length, formatBytes(x.sizeBytes)]);
  const reg = m.registry.map((r) => `  ${r.name}: ${r.versions.map((v) => `${v.version} (${v.status})`).join(', ') || 'no versions'}${r.currentVersion ? `, current ${r.currentVersion}` : ''}`);
  return [
    `${i.file}: ${formatBytes(i.sizeBytes)}, ${i.compression === 'none' ? 'tar' : `tar + ${i.compression}`}, format ${m.formatVersion}, made by ${m.app.name} ${m.app.version} at ${m.createdAt}`,
    table(['MODEL', 'COMMIT', 'REFS', 'FILES', 'SIZE'], rows),
    ...(reg.length ? ['Registry entries:', ...reg] : ['No registry entries.']),
  ].join('\n');
}

function describeStore(v: StoreConfigDTO): string {
  const rows = [
    ['endpoint', v.endpoint || '(AWS S3)', v.sources.endpoint],
    ['bucket', v.bucket || '(not set)', v.sources.bucket],
    ['region', v.region, v.sources.region],
    ['prefix', v.prefix || '(bucket root)', v.sources.prefix],
    ['forcePathStyle', String(v.forcePathStyle), v.sources.forcePathStyle],
    ['keys', v.keys.present ? '(set)' : '(not set)', v.keys.source ?? ''],
  ];
  return `${table(['KEY', 'VALUE', 'FROM'], rows)}\n${v.configured ? 'Ready: publish and pull can run.' : 'Not ready: a bucket and keys are needed.'}`;
}

function describeList(list: StoreEntryDTO[]): string {
  if (list.length === 0) return 'The store holds no published models.';
  return table(
    ['MODEL', 'COMMIT', 'REFS', 'FILES', 'SIZE', 'PUBLISHED', 'REGISTRY'],
    list.map((e) => [e.repo, e.commit.slice(0, 10), e.refs.join(',') || '—', e.files, formatBytes(e.sizeBytes), e.createdAt.replace('T', ' ').slice(0, 19), e.registry.join(',') || '—']),
  );
}

async function follow(ctx: CliContext, cmd: Command, job: JobDTO, human: (j: JobDTO) => string): Promise<void> {
  const final = await followJob(ctx.getCore(), job);
  printResult(ctx.io, ctx.json(cmd), final, human);
  // With --json the job (its `error` included) is the one document printed; the exit code still says it failed.
  if (ctx.json(cmd)) {
    if (final.state !== 'done') ctx.exitCode = 1;
  } else jobOutcome(final);
}

function describeExport(job: JobDTO): string {
  const d = job.detail as { out?: string; sizeBytes?: number; models?: string[] } | null;
  return job.state === 'done' && d?.out ? `${describeJob(job)}\n  ${d.out} (${formatBytes(d.sizeBytes ?? 0)}): ${(d.models ?? []).join(', ')}` : describeJob(job);
}

function describePublish(job: JobDTO): string {
  const r = (job.detail as { report?: { published: string[]; blobsUploaded: number; blobsSkipped: number; bytesUploaded: number } } | null)?.report;
  return job.state === 'done' && r
    ? `${describeJob(job)}\n  ${r.published.join(', ')}: ${r.blobsUploaded} blobs uploaded (${formatBytes(r.bytesUploaded)}), ${r.blobsSkipped} already in the store`
    : describeJob(job);
}

/** `export`, `import`, `publish`, `pull` and `store show|configure|list`. */
export function registerBundleCommands(program: Command, ctx: CliContext): void {
  program
    .command('export')
    .description('Export models (HF cache files at a revision + their registry entries) to one bundle file, for machines with no network')
    .argument('<models...>', 'org/name[@revision], or a registered model name')
    .requiredOption('--out <file>', 'the bundle to write: .tar.gz (gzip), .tar.zst (zstd) or .tar (plain)')
    .addOption(new Option('--compression <kind>', 'override the compression the file name implies (auto: gzip for other names)').choices(['auto', ...COMPRESSIONS]).default('auto'))
    .option('--overwrite', 'replace the file if it exists')
    .option('--json', 'print JSON')
    .action(async (models: string[], opts: { out: string; compression: 'auto' | 'gzip' | 'none' | 'zstd'; overwrite?: boolean }, cmd: Command) => {
      const job = await ctx.getCore().invoke('bundles.export', { models, out: opts.out, compression: opts.compression, overwrite: Boolean(opts.overwrite) });
      await follow(ctx, cmd, job, describeExport);
    });

  program
    .command('import')
    .description('Import a bundle with no network: every file is verified before anything is placed or registered')
    .argument('<file>', 'a .tar, .tar.gz or .tar.zst made by `model-center export` (the compression is read from its first bytes)')
    .option('--dry-run', 'only read and show its manifest')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { dryRun?: boolean }, cmd: Command) => {
      const core = ctx.getCore();
      if (opts.dryRun) {
        printResult(ctx.io, ctx.json(cmd), await core.invoke('bundles.inspect', { file }), describeInspect);
        return;
      }
      await follow(ctx, cmd, await core.invoke('bundles.import', { file }), describeImport);
    });

  program
    .command('publish')
    .description('Publish models to the S3-compatible model store (see `store configure`)')
    .argument('<models...>', 'org/name[@revision], or a registered model name')
    .option('--json', 'print JSON')
    .action(async (models: string[], _opts, cmd: Command) => {
      await follow(ctx, cmd, await ctx.getCore().invoke('store.publish', { models }), describePublish);
    });

  program
    .command('pull')
    .description('Pull a model from the S3-compatible model store into the HF cache (resumable, verified)')
    .argument('<repo-id>', 'the model, as org/name')
    .option('--revision <rev>', 'branch, tag or commit sha', 'main')
    .option('--json', 'print JSON')
    .action(async (repo: string, opts: { revision: string }, cmd: Command) => {
      await follow(ctx, cmd, await ctx.getCore().invoke('store.pull', { repo, revision: opts.revision }), describeImport);
    });

  const store = program.command('store').description('The S3-compatible model store (MinIO, S3…): show, configure, list');
  store
    .command('show')
    .description('Show the store settings (never the keys)')
    .option('--json', 'print JSON')
    .action(async (_opts, cmd: Command) => printResult(ctx.io, ctx.json(cmd), await ctx.getCore().invoke('store.get', {}), describeStore));
  store
    .command('configure')
    .description('Change the store settings; keys go to the secret store (S3_ACCESS_KEY / S3_SECRET_KEY in the environment win)')
    .option('--endpoint <url>', "S3 API endpoint, e.g. http://minio:9000 ('' for AWS S3)")
    .option('--bucket <name>', 'bucket')
    .option('--region <region>', 'region (MinIO accepts us-east-1)')
    .option('--prefix <prefix>', "key prefix inside the bucket ('' for its root)")
    .option('--path-style', 'path-style URLs (MinIO, most S3-compatible servers; the default)')
    .option('--no-path-style', 'virtual-hosted URLs (AWS S3)')
    .option('--access-key-id <id>', 'access key id (stored as a secret)')
    .option('--secret-access-key <key>', 'secret access key (stored as a secret; prefer S3_SECRET_KEY in scripts)')
    .option('--clear-keys', 'forget the stored keys')
    .option('--json', 'print JSON')
    .action(async (opts: { endpoint?: string; bucket?: string; region?: string; prefix?: string; pathStyle?: boolean; accessKeyId?: string; secretAccessKey?: string; clearKeys?: boolean }, cmd: Command) => {
      if ((opts.accessKeyId === undefined) !== (opts.secretAccessKey === undefined)) throw new InvalidArgumentError('give both --access-key-id and --secret-access-key');
      const pathStyleGiven = cmd.getOptionValueSource('pathStyle') === 'cli';
      const view = await ctx.getCore().invoke('store.configure', {
        endpoint: opts.endpoint,
        bucket: opts.bucket,
        region: opts.region,
        prefix: opts.prefix,
        forcePathStyle: pathStyleGiven ? opts.pathStyle : undefined,
        accessKeyId: opts.accessKeyId,
        secretAccessKey: opts.secretAccessKey,
        clearKeys: opts.clearKeys,
      });
      printResult(ctx.io, ctx.json(cmd), view, describeStore);
    });
  store
    .command('list')
    .description('Models published in the store')
    .option('--json', 'print JSON')
    .action(async (_opts, cmd: Command) => printResult(ctx.io, ctx.json(cmd), await ctx.getCore().invoke('store.list', {}), describeList));
}
