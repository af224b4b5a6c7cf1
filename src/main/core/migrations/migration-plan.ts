import fs from 'node:fs';
import type { MigrationPlanDTO, MetricsRow } from '../../../shared/contract';
import { toErrorDTO } from '../../../shared/errors';
import { currentIndex, readyChunkCount, type CollectionRow } from '../collections/collection-store';
import { refOf, tokenizerOf } from '../collections/model-binding';
import { vectorBytes } from '../collections/vector-store';
import type { CoreServices } from '../core-services';
import type { EmbeddingService } from '../inference/embedding-service';
import type { ResolvedModel } from '../inference/model-resolver';
import { ValidationStore } from '../inference/validate-model';
import { requireModel } from '../registry/model-store';
import { metricsHistory, requireVersion } from '../registry/version-store';
import { openMigration, reconcile } from './migration-store';

/** Chunks tokenized exactly by a dry-run; larger collections are sampled evenly and scaled up. */
const TOKEN_SAMPLE = 2000;

export interface Target {
  model: string;
  version: string;
  status: string;
  registryDimension: number | null;
}

/** `name@version` → the registry's model and version (unknown ones are refused with the known ones listed). */
export function parseTarget(services: CoreServices, to: string): Target {
  const at = to.lastIndexOf('@');
  const model = requireModel(services.db, to.slice(0, at));
  const version = requireVersion(services.db, model, to.slice(at + 1));
  return { model: model.name, version: version.version, status: version.status, registryDimension: model.dimension };
}

/** B's stored throughput: the latest throughput_b32, else the latest throughput_b* of any batch size. */
function benchmarkRate(history: MetricsRow[]): { rate: number; basis: string } | null {
  const newest = [...history].reverse();
  for (const pick of [(k: string) => k === 'throughput_b32', (k: string) => /^throughput_b\d+$/.test(k)]) {
    for (const row of newest) {
      const key = Object.keys(row.metrics).find(pick);
      if (key && row.metrics[key]! > 0) {
        return { rate: row.metrics[key]!, basis: `${key} = ${row.metrics[key]!.toFixed(1)} texts/s, recorded ${row.recordedAt.slice(0, 19).replace('T', ' ')}${row.source ? ` (${row.source})` : ''}` };
      }
    }
  }
  return null;
}

function tokenCounts(services: CoreServices, c: CollectionRow, model: ResolvedModel, chunks: number) {
  const tokenizer = tokenizerOf(model);
  const step = Math.max(1, Math.ceil(chunks / TOKEN_SAMPLE));
  const rows = services.db
    .prepare(
      `SELECT c.text FROM collection_chunks c JOIN collection_sources s ON s.id = c.source_id
        WHERE c.collection_id = ? AND s.state = 'ready' AND (c.id % ?) = 0 ORDER BY c.id`,
    )
    .pluck()
    .all(c.id, step) as string[];
  let tokens = 0;
  let over = 0;
  for (const text of rows) {
    const n = tokenizer.countTokens(text) + tokenizer.specialTokens;
    tokens += n;
    if (n > model.config.maxSeqLength) over++;
  }
  const scale = rows.length ? chunks / rows.length : 0;
  return { tokens: Math.round(tokens * scale), overLength: Math.round(over * scale), sample: rows.length };
}

/**
 * The dry-run of seed 003, for a re-embedding: what B is, how much work and disk the migration takes, and the
 * checks that must pass before it may start (B downloaded and validated, nothing else migrating, room on disk).
 */
export async function planMigration(services: CoreServices, embeddings: EmbeddingService, c: CollectionRow, to: string): Promise<MigrationPlanDTO> {
  const { db } = services;
  const target = parseTarget(services, to);
  const checks: MigrationPlanDTO['checks'] = [];
  const chunks = readyChunkCount(db, c.id);
  const same = target.model === c.model && target.version === c.version;
  checks.push({ name: 'different version', ok: !same, blocking: true, detail: same ? `${refOf(c)} already serves "${c.name}"` : `${refOf(c)} → ${refOf(target)}` });
  const open = reconcile(services, openMigration(db, c.id));
  checks.push({
    name: 'no other migration',
    ok: !open,
    blocking: true,
    detail: open ? `a migration to ${open.to_model}@${open.to_version} is ${open.state === 'ready' ? 'waiting for finalize or rollback' : 'running'}` : 'none open',
  });
  let resolved: ResolvedModel | null = null;
  try {
    resolved = await embeddings.resolve(refOf(target));
    checks.push({ name: 'downloaded', ok: true, blocking: true, detail: `${resolved.folder} (${resolved.onnxPath})` });
  } catch (err) {
    const e = toErrorDTO(err);
    checks.push({ name: 'downloaded', ok: false, blocking: true, detail: `${e.message}${e.hint ? ` ${e.hint}` : ''}` });
  }
  const validation = new ValidationStore(db).latest(target.model).find((v) => v.registryModel === target.model && v.version === target.version);
  let validated = false;
  if (!validation) checks.push({ name: 'validated', ok: false, blocking: true, detail: `never validated: run model-center validate ${refOf(target)}` });
  else if (!validation.ok) {
    const failed = validation.checks.filter((x) => !x.ok).map((x) => x.name);
    checks.push({ name: 'validated', ok: false, blocking: true, detail: `validation of ${validation.checkedAt.slice(0, 19)} failed (${failed.join(', ')}): fix the model, then model-center validate ${refOf(target)}` });
  } else if (resolved && validation.modelKey !== resolved.modelKey) {
    checks.push({ name: 'validated', ok: false, blocking: true, detail: `the files changed since the validation of ${validation.checkedAt.slice(0, 19)}: run model-center validate ${refOf(target)} again` });
  } else {
    validated = true;
    checks.push({ name: 'validated', ok: true, blocking: true, detail: `ok at ${validation.checkedAt.slice(0, 19).replace('T', ' ')}: ${validation.dimension} dims on ${validation.executionProvider}` });
  }
  const dimension = validation?.dimension ?? target.registryDimension ?? resolved?.config.hiddenSize ?? null;
  const bench = benchmarkRate(metricsHistory(db, requireVersion(db, requireModel(db, target.model), target.version).id));
  checks.push({ name: 'benchmark', ok: bench !== null, blocking: false, detail: bench ? bench.basis : `no benchmark yet: model-center bench ${refOf(target)} gives an estimate` });
  const lifecycleOk = target.status === 'production' || target.status === 'staging';
  checks.push({ name: 'status', ok: lifecycleOk, blocking: target.status === 'archived', detail: `${refOf(target)} is ${target.status}${lifecycleOk ? '' : target.status === 'archived' ? ': restore it first' : '; promote it before finalizing'}` });
  const extraBytes = vectorBytes(chunks, dimension);
  const st = await fs.promises.statfs(services.dataDir).catch(() => null);
  const freeBytes = st ? st.bavail * st.bsize : null;
  const roomy = freeBytes === null || freeBytes > extraBytes * 1.2;
  checks.push({ name: 'disk', ok: roomy, blocking: true, detail: `${(extraBytes / 1e6).toFixed(1)} MB more for B's vectors${freeBytes === null ? '' : `, ${(freeBytes / 1e9).toFixed(1)} GB free`}` });
  const counts = resolved ? tokenCounts(services, c, resolved, chunks) : null;
  if (counts && counts.overLength) {
    checks.push({ name: 'length', ok: false, blocking: false, detail: `${counts.overLength} chunk(s) are longer than the ${resolved!.config.maxSeqLength} tokens B reads; B will see them cut` });
  }
  return {
    collection: c.name,
    from: { model: c.model, version: c.version, dimension: currentIndex(db, c).dimension },
    to: { model: target.model, version: target.version, dimension, status: target.status, maxSeqLength: resolved?.config.maxSeqLength ?? null },
    chunks,
    tokens: counts?.tokens ?? null,
    overLength: counts?.overLength ?? null,
    tokenSample: counts?.sample ?? 0,
    estimate: {
      chunksPerSecond: bench?.rate ?? null,
      seconds: bench ? chunks / bench.rate : null,
      basis: bench ? bench.basis : `no benchmark yet: model-center bench ${refOf(target)}`,
    },
    disk: { extraBytes, freeBytes },
    downloaded: resolved !== null,
    validated,
    checks,
    ok: checks.every((x) => x.ok || !x.blocking),
  };
}
