import type { ValidationReportDTO, Variant } from '../../../shared/contract';
import { toErrorDTO } from '../../../shared/errors';
import probesJson from '../../../../resources/embedding-probes.json';
import type { Db } from '../db/open-database';
import type { EmbeddingService } from './embedding-service';
import type { ResolvedModel } from './model-resolver';

interface ProbePair {
  lang: string;
  a: string;
  b: string;
  unrelated: string;
}

const PROBES: ProbePair[] = probesJson.pairs;

function cosine(v: Float32Array, i: number, j: number, dim: number): number {
  let dot = 0;
  let ni = 0;
  let nj = 0;
  for (let d = 0; d < dim; d++) {
    const x = v[i * dim + d]!;
    const y = v[j * dim + d]!;
    dot += x * y;
    ni += x * x;
    nj += y * y;
  }
  return ni > 0 && nj > 0 ? dot / Math.sqrt(ni * nj) : 0;
}

type Check = ValidationReportDTO['checks'][number];

/**
 * Seed 004's validate and seed 002's model tests in one pass: load, embed the probe texts, and check the
 * dimension, finiteness, norms, determinism and that paraphrases land closer than unrelated texts.
 */
export async function validateModel(service: EmbeddingService, ref: string, variant?: Variant): Promise<ValidationReportDTO> {
  const checks: Check[] = [];
  const model: ResolvedModel = await service.resolve(ref, variant);
  const base = { model: ref, registryModel: model.registryModel, version: model.version, modelKey: model.modelKey };
  const texts = PROBES.flatMap((p) => [p.a, p.b, p.unrelated]);
  let first;
  try {
    first = await service.embedWith(model, texts, { lane: 'rt', cache: false });
    checks.push({
      name: 'load',
      ok: true,
      detail: `ran ${model.onnxPath} on ${first.executionProvider}${first.fallbackReason ? ` (fallback: ${first.fallbackReason})` : ''}; ${model.config.pooling} pooling${model.config.normalize ? ', normalised' : ''}, max ${model.config.maxSeqLength} tokens${model.config.notes.map((n) => `; note: ${n}`).join('')}`,
    });
  } catch (err) {
    const e = toErrorDTO(err);
    checks.push({ name: 'load', ok: false, detail: `${e.message}${e.hint ? ` ${e.hint}` : ''}` });
    return { ...base, ok: false, dimension: null, executionProvider: null, checks, checkedAt: new Date().toISOString() };
  }
  const { vectors, dimension } = first;
  checks.push(
    model.registryDimension === null
      ? { name: 'dimension', ok: true, detail: `${dimension} (the registry records none)` }
      : { name: 'dimension', ok: model.registryDimension === dimension, detail: `${dimension}, registry says ${model.registryDimension}` },
  );
  // Only where the registry records one (per model): a differing length is a warning, the model's own config wins.
  const registryMax = model.registryMaxSeqLength;
  if (registryMax !== null) {
    const same = registryMax === model.config.maxSeqLength;
    checks.push({
      name: 'max length',
      ok: true,
      ...(same ? {} : { warning: true }),
      detail: same
        ? `${registryMax} tokens, as the registry records`
        : `the model reads ${model.config.maxSeqLength} tokens, the registry records ${registryMax}; texts are cut at ${model.config.maxSeqLength}. Correct the registry entry, or the model's sentence_bert_config.json`,
    });
  }
  const bad = vectors.findIndex((x) => !Number.isFinite(x));
  checks.push({ name: 'finite', ok: bad < 0, detail: bad < 0 ? `all ${vectors.length} values finite` : `text ${Math.floor(bad / dimension)} has a non-finite value` });
  const norms = Array.from({ length: texts.length }, (_, i) => Math.hypot(...vectors.subarray(i * dimension, (i + 1) * dimension)));
  const minN = Math.min(...norms);
  const maxN = Math.max(...norms);
  checks.push(
    model.config.normalize
      ? { name: 'unit norm', ok: maxN - 1 < 1e-3 && 1 - minN < 1e-3, detail: `norms ${minN.toFixed(5)}–${maxN.toFixed(5)}` }
      : { name: 'norm', ok: minN > 0, detail: `not normalised by the model; norms ${minN.toFixed(3)}–${maxN.toFixed(3)}` },
  );
  const again = await service.embedWith(model, texts, { lane: 'rt', cache: false });
  let maxDiff = 0;
  for (let i = 0; i < vectors.length; i++) maxDiff = Math.max(maxDiff, Math.abs(vectors[i]! - again.vectors[i]!));
  checks.push({ name: 'deterministic', ok: maxDiff < 1e-5, detail: `largest difference between two runs ${maxDiff.toExponential(2)}` });
  const pairs = PROBES.map((p, k) => {
    const para = cosine(vectors, 3 * k, 3 * k + 1, dimension);
    const other = cosine(vectors, 3 * k, 3 * k + 2, dimension);
    return { p, para, other, ok: para > other };
  });
  const failed = pairs.filter((x) => !x.ok);
  checks.push({
    name: 'similarity',
    ok: failed.length === 0,
    detail: pairs.map((x) => `${x.ok ? 'ok' : 'FAIL'} ${x.p.lang} "${x.p.a}"~"${x.p.b}" ${x.para.toFixed(3)} vs "${x.p.unrelated}" ${x.other.toFixed(3)}`).join('; '),
  });
  return {
    ...base,
    ok: checks.every((c) => c.ok),
    dimension,
    executionProvider: first.executionProvider,
    checks,
    checkedAt: new Date().toISOString(),
  };
}

/** Validation results, newest first, kept with the registry model and version they were made for. */
export class ValidationStore {
  constructor(private readonly db: Db) {}

  save(r: ValidationReportDTO): void {
    this.db
      .prepare('INSERT INTO inference_validations (model_key, model_ref, registry_model, version, ok, report, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(r.modelKey, r.model, r.registryModel, r.version, r.ok ? 1 : 0, JSON.stringify(r), r.checkedAt);
  }

  /** The latest result per (model reference or registry version); one model's when named. */
  latest(model?: string): ValidationReportDTO[] {
    const rows = this.db
      .prepare(
        `SELECT report FROM inference_validations v WHERE id IN (
           SELECT MAX(id) FROM inference_validations GROUP BY COALESCE(registry_model || '@' || COALESCE(version, ''), model_ref)
         ) ${model ? 'AND (registry_model = ? OR model_ref = ?)' : ''} ORDER BY checked_at DESC`,
      )
      .all(...(model ? [model, model] : [])) as { report: string }[];
    return rows.map((r) => JSON.parse(r.report) as ValidationReportDTO);
  }
}
