import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DEFAULT_SEARCH_LIMIT,
  ON_ERROR,
  SEARCH_ROUTES,
  type CollectionDetailDTO,
  type CollectionImportReportDTO,
  type CollectionSummaryDTO,
  type JobDTO,
  type OnError,
  type SearchResultDTO,
} from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CliContext } from '../cli-context';
import { formatBytes, printResult, table } from '../cli-output';
import { followJob, jobOutcome } from '../follow-job';

export function parseCount(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    return n;
  };
}

function parseScore(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < -1 || n > 1) throw new InvalidArgumentError('must be a cosine similarity from -1 to 1');
  return n;
}

const preview = (text: string, n = 70): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
};

function describeCollections(list: CollectionSummaryDTO[]): string {
  if (!list.length) return 'No collections. Create one: model-center collection import <name> <file|dir>… --model <model>';
  return table(
    ['NAME', 'MODEL', 'DIMS', 'SOURCES', 'CHUNKS', 'TOKENS', 'MIGRATION'],
    list.map((c) => [
      c.name,
      `${c.model}@${c.version}`,
      c.dimension,
      c.sources,
      c.chunks,
      c.tokens,
      c.migration ? `→ ${c.migration.to} ${c.migration.state} ${c.migration.progress.toFixed(0)}%${c.migration.rolloutPercent ? ` rollout ${c.migration.rolloutPercent}%` : ''}` : '',
    ]),
  );
}

function describeCollection(c: CollectionDetailDTO): string {
  return [
    `${c.name}: ${c.chunks} chunks from ${c.sources.length} source(s), served by ${c.model}@${c.version} (${c.dimension ?? '?'} dims); chunks of ${c.chunkSize} tokens, overlap ${c.chunkOverlap}`,
    table(
      ['INDEX', 'ROLE', 'DIMS', 'VECTORS', 'SIZE'],
      c.indexes.map((i) => [`${i.model}@${i.version}`, i.role, i.dimension, i.vectors, formatBytes(i.bytes)]),
    ),
    c.sources.length ? table(['SOURCE', 'FORMAT', 'DOCS', 'CHUNKS', 'IMPORTED'], c.sources.map((s) => [s.path, s.format, s.documents, s.chunks, s.importedAt.slice(0, 19).replace('T', ' ')])) : '',
  ]
    .filter(Boolean)
    .join('\n');
}

export function describeImport(r: CollectionImportReportDTO): string {
  const lines = [`${r.collection}: ${r.chunks} chunk(s), ${r.tokens} tokens imported.`];
  if (r.files.length) lines.push(table(['FILE', 'OUTCOME', 'DOCS', 'CHUNKS', 'NOTE'], r.files.map((f) => [f.path, f.outcome, f.documents, f.chunks, f.note])));
  if (r.skipped.length) {
    lines.push(`Skipped ${r.skipped.length} malformed line(s):`);
    for (const s of r.skipped.slice(0, 100)) lines.push(`  ${s.file}${s.line === null ? '' : `:${s.line}`}: ${s.message}`);
    if (r.skipped.length > 100) lines.push(`  … and ${r.skipped.length - 100} more (--json lists them all)`);
  }
  return lines.join('\n');
}

function describeSearch(r: SearchResultDTO): string {
  const head = `${r.hits.length} hit(s) from ${r.served.model}@${r.served.version} (${r.served.role}${r.served.reason === 'rollout' ? `, rollout bucket ${r.bucket}` : r.served.reason === 'forced' ? ', chosen' : r.served.reason === 'fallback' ? ', B failed: A answered' : ''}) in ${r.timings.totalMs.toFixed(1)} ms (embed ${r.timings.embedMs.toFixed(1)} ms, search ${r.timings.searchMs.toFixed(1)} ms)`;
  if (!r.hits.length) return `${head}\nNo chunk passed the threshold.`;
  return `${head}\n${table(
    ['#', 'SCORE', 'SOURCE', 'TEXT'],
    r.hits.map((h, i) => [i + 1, h.score.toFixed(4), `${path.basename(h.source)}${h.line === null ? `@${h.start}` : `:${h.line}`}`, preview(h.text)]),
  )}`;
}

interface ImportOptions {
  model?: string;
  chunkSize?: number;
  chunkOverlap?: number;
  textColumn?: string;
  jsonField?: string;
  onError: OnError;
}

export function registerCollectionCommands(program: Command, ctx: CliContext): void {
  const collection = program.command('collection').description('Document collections: import, search, list, delete (see also migrate, compare, rollout, finalize, rollback)');

  collection
    .command('import')
    .description('Import files or folders (.txt, .md, .csv, .tsv, .jsonl) into a collection, created on first import; chunk by tokens, embed, store (a job: Ctrl-C pauses)')
    .argument('<name>', 'collection name (a lowercase slug)')
    .argument('<paths...>', 'files or folders')
    .option('--model <model>', 'registry model[@version] for a new collection (default: setting defaultEmbeddingModel)')
    .option('--chunk-size <tokens>', "tokens per chunk, by the model's tokenizer (default: what the model reads, at most 256)", parseCount(8, 8192))
    .option('--chunk-overlap <tokens>', 'tokens shared by consecutive chunks, whole sentences (default: an eighth of the chunk)', parseCount(0, 4096))
    .option('--text-column <column>', 'CSV/TSV column holding the text: header name or 1-based number (default: text, content or body)')
    .option('--json-field <field>', 'JSONL field holding the text, dotted for nested objects (default: text, content or body)')
    .addOption(new Option('--on-error <mode>', 'malformed lines: refuse the whole import, or skip them and report').choices(ON_ERROR).default('refuse'))
    .option('--json', 'print JSON')
    .action(async (name: string, paths: string[], opts: ImportOptions, cmd: Command) => {
      const core = ctx.getCore();
      const job = await core.invoke('collections.import', {
        name,
        paths: paths.map((p) => path.resolve(p)),
        model: opts.model,
        chunkSize: opts.chunkSize,
        chunkOverlap: opts.chunkOverlap,
        textColumn: opts.textColumn,
        jsonField: opts.jsonField,
        onError: opts.onError,
      });
      const final = await followJob(core, job);
      jobOutcome(final);
      const report = (final.detail as { report?: CollectionImportReportDTO } | null)?.report;
      printResult(ctx.io, ctx.json(cmd), report ?? final, (r) => ('files' in r ? describeImport(r) : String((r as JobDTO).message)));
    });

  collection
    .command('search')
    .description('Top-k cosine search (routed between versions while a migration rolls out)')
    .argument('<name>', 'collection')
    .argument('<query...>', 'the query text')
    .option('-k, --limit <k>', `results (default ${DEFAULT_SEARCH_LIMIT}, seed 002's SEARCH_LIMIT)`, parseCount(1, 200))
    .option('--threshold <score>', "leave out hits below this cosine similarity (seed 002's SIMILARITY_THRESHOLD)", parseScore)
    .addOption(new Option('--route <route>', 'auto: the rollout decides; current / candidate: force A or B').choices(SEARCH_ROUTES).default('auto'))
    .option('--json', 'print JSON')
    .action(async (name: string, words: string[], opts: { limit?: number; threshold?: number; route: (typeof SEARCH_ROUTES)[number] }, cmd: Command) => {
      const r = await ctx.getCore().invoke('collections.search', { collection: name, query: words.join(' '), k: opts.limit, threshold: opts.threshold ?? null, route: opts.route });
      printResult(ctx.io, ctx.json(cmd), r, describeSearch);
    });

  collection
    .command('list')
    .description('Collections with their serving model, counts and migration')
    .option('--json', 'print JSON')
    .action(async (_o, cmd: Command) => {
      printResult(ctx.io, ctx.json(cmd), await ctx.getCore().invoke('collections.list', {}), describeCollections);
    });

  collection
    .command('show')
    .description('One collection: its sources and vector indexes')
    .argument('<name>', 'collection')
    .option('--json', 'print JSON')
    .action(async (name: string, _o, cmd: Command) => {
      printResult(ctx.io, ctx.json(cmd), await ctx.getCore().invoke('collections.get', { name }), describeCollection);
    });

  collection
    .command('delete')
    .description('Delete a collection: chunks, vectors of every version, metadata (its jobs are cancelled)')
    .argument('<name>', 'collection')
    .option('--yes', 'really delete')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { yes?: boolean }, cmd: Command) => {
      const core = ctx.getCore();
      if (!opts.yes) {
        const c = await core.invoke('collections.get', { name });
        throw new AppError('INVALID_INPUT', `Deleting "${c.name}" removes ${c.chunks} chunks and ${c.indexes.reduce((s, i) => s + i.vectors, 0)} vectors.`, { hint: 'Add --yes to delete it.' });
      }
      const r = await core.invoke('collections.delete', { name });
      printResult(ctx.io, ctx.json(cmd), r, (x) => `Deleted collection ${x.deleted} (${x.chunks} chunks).`);
    });
}
