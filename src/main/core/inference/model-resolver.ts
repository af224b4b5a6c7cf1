import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ModelSourceSchema, type ModelSource, type Variant } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { Db } from '../db/open-database';
import { isCommitSha, listSnapshotFiles, readRef, repoCache, snapshotDir } from '../hub/hf-cache';
import type { HubStore } from '../hub/hub-store';
import { JobStore } from '../jobs/job-store';
import { firstFew, snapshotAt, snapshotHealth } from '../hub/model-state';
import { variantModel } from '../hub/select-files';
import { findModel } from '../registry/model-store';
import { findVersion, listVersionRows } from '../registry/version-store';
import { readModelConfig, type EmbeddingModelConfig } from './model-config';

/** A model reference turned into files on disk, with what the registry says about it. */
export interface ResolvedModel {
  ref: string;
  /** Identity of the exact files: session and cache key. */
  modelKey: string;
  registryModel: string | null;
  version: string | null;
  folder: string;
  onnxFile: string;
  /** The ONNX file relative to the folder, e.g. onnx/model_quantized.onnx. */
  onnxPath: string;
  variant: string;
  /** Dimension the registry expects (null: not recorded). */
  registryDimension: number | null;
  /** Max sequence length the registry records for the model (per model, not per version; null: not recorded). */
  registryMaxSeqLength: number | null;
  config: EmbeddingModelConfig;
}

export interface ResolveContext {
  db: Db;
  hubCacheDir: string;
  hubStore: HubStore;
}

/** A folder path rather than a model name: absolute, `./`, `../`, `~/` or a drive letter. */
export const isPathRef = (ref: string): boolean => /^(\/|\.{1,2}([\\/]|$)|~([\\/]|$)|[A-Za-z]:[\\/])/.test(ref);

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') || p.startsWith('~\\') ? path.join(os.homedir(), p.slice(1)) : p;
}

/** The ONNX file to run: the variant asked for, else fp32, int8, fp16, else the only .onnx there is. */
async function pickOnnx(folder: string, variant: Variant | undefined, label: string): Promise<{ onnxPath: string; variant: string }> {
  const files = (await listSnapshotFiles(folder)).filter((f) => f.endsWith('.onnx')).map((p) => ({ path: p }));
  if (variant) {
    const f = variantModel(files, variant);
    if (f) return { onnxPath: f.path, variant };
    throw new AppError('MODEL_NOT_PRESENT', `${label} has no ${variant} ONNX file.`, {
      hint: files.length
        ? `ONNX files there: ${files.map((x) => x.path).join(', ')}. Pick another variant, or download it (model-center download <repo> --variant ${variant}).`
        : 'Download the model with its ONNX files first (model-center download <repo>).',
    });
  }
  for (const v of ['fp32', 'int8', 'fp16'] as const) {
    const f = variantModel(files, v);
    if (f) return { onnxPath: f.path, variant: v };
  }
  const any = files.sort((a, b) => a.path.localeCompare(b.path))[0];
  if (any) return { onnxPath: any.path, variant: path.basename(any.path, '.onnx') };
  throw new AppError('MODEL_NOT_PRESENT', `${label} has no ONNX model file.`, {
    hint: 'Model Center runs ONNX exports (onnx/model.onnx in sentence-transformers repos). Download one, or export the model to ONNX.',
  });
}

async function fromFolder(folder: string, variant: Variant | undefined, label: string, keyBase: string | null) {
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new AppError('MODEL_NOT_PRESENT', `${label}: no model folder at ${folder}.`, { hint: 'Check the path, or download the model first.' });
  }
  if (!fs.existsSync(path.join(folder, 'tokenizer.json'))) {
    throw new AppError('MODEL_NOT_PRESENT', `${label} has no tokenizer.json in ${folder}.`, {
      hint: 'Embedding needs the tokenizer files next to the ONNX model; download the model again with model-center download (they are always included).',
    });
  }
  const { onnxPath, variant: v } = await pickOnnx(folder, variant, label);
  const onnxFile = path.join(folder, onnxPath);
  let modelKey: string;
  if (keyBase) modelKey = `${keyBase}:${onnxPath}`;
  else {
    // Files in a plain folder can change in place: their size and time are part of the identity.
    const st = fs.statSync(onnxFile);
    modelKey = `path:${fs.realpathSync(folder)}:${onnxPath}:${st.size}-${Math.trunc(st.mtimeMs)}`;
  }
  return { folder, onnxFile, onnxPath, variant: v, modelKey, config: readModelConfig(folder) };
}

async function hubFolder(ctx: ResolveContext, repo: string, revision: string | null, label: string): Promise<{ folder: string; keyBase: string }> {
  const cache = repoCache(ctx.hubCacheDir, repo);
  const rev = revision ?? 'main';
  const commit = isCommitSha(rev) ? rev : await readRef(cache, rev);
  const download = `model-center download ${repo}${revision ? ` --revision ${revision}` : ''}`;
  if (!commit || !fs.existsSync(snapshotDir(cache, commit))) {
    throw new AppError('MODEL_NOT_PRESENT', `${label} is not downloaded: ${repo}${revision ? `@${revision}` : ''} is not in the Hugging Face cache at ${ctx.hubCacheDir}.`, {
      hint: `Download it first: ${download} (or the Downloads page).`,
    });
  }
  const folder = snapshotDir(cache, commit);
  // Files missing, cut short, or failing their last verification give wrong vectors or none: refuse them here,
  // whoever downloaded the snapshot, before anything is embedded.
  const snapshot = await snapshotAt(ctx.hubStore, ctx.hubCacheDir, repo, commit, rev);
  const health = snapshot ? await snapshotHealth(ctx.hubStore, new JobStore(ctx.db), snapshot) : null;
  const who = label.replace(/^hf:/, '').startsWith(repo) ? label : `${label} (${repo})`;
  const repair = `Repair it: ${download}, then check it with model-center verify ${repo}${revision ? ` --revision ${revision}` : ''}.`;
  if (health && health.problems.length) {
    const what = health.problems.map((p) => (p.problem === 'missing' ? `${p.path} missing` : `${p.path} has ${p.problem}`));
    throw new AppError('MODEL_NOT_PRESENT', `${who} is incomplete: ${firstFew(what, 5)} in ${folder}.`, { hint: repair });
  }
  const unfinished = health?.unfinished;
  if (unfinished) {
    throw new AppError('MODEL_NOT_PRESENT', `${who} is not fully downloaded: download job ${unfinished.id} (${unfinished.state}) has not finished; ${folder} holds only part of the files.`, {
      hint: `Finish it: ${download}.`,
    });
  }
  const v = health?.verification;
  if (v && !v.ok) {
    // The download must take the damaged files whatever variant they belong to: it re-hashes exactly what it plans.
    const damaged = (snapshot?.files ?? []).filter((f) => v.problems.some((p) => p.startsWith(`${f.path}: `))).map((f) => ` --include ${f.path}`);
    const fix = `Repair it: ${download}${damaged.join('')}, then check it with model-center verify ${repo}${revision ? ` --revision ${revision}` : ''}.`;
    throw new AppError('MODEL_NOT_PRESENT', `${who} failed verification at ${v.at.replace('T', ' ').slice(0, 19)} UTC: ${firstFew(v.problems, 5)}.`, { hint: fix });
  }
  return { folder, keyBase: `hf:${repo}@${commit}` };
}

async function fromSource(ctx: ResolveContext, source: ModelSource, variant: Variant | undefined, label: string) {
  if (source.kind === 'hub') {
    const { folder, keyBase } = await hubFolder(ctx, source.repoId, source.revision, label);
    return fromFolder(folder, variant, label, keyBase);
  }
  if (source.kind === 'path') return fromFolder(path.resolve(expandHome(source.path)), variant, label, null);
  throw new AppError('INVALID_MODEL', `${label} is an Ollama model (${source.tag}); Ollama serves it, Model Center embeds with ONNX models.`, {
    hint: 'Register a sentence-transformers ONNX model (a Hub repo or a folder) for embeddings.',
  });
}

/**
 * Resolves what a caller named: a folder path, `hf:org/name[@rev]` / `org/name[@rev]` in the cache, or a registry
 * model or alias with an optional `@version` (default: its current version, else its newest).
 */
export async function resolveModel(ctx: ResolveContext, ref: string, variant?: Variant): Promise<ResolvedModel> {
  const raw = ref.trim();
  const base = { ref: raw, registryModel: null, version: null, registryDimension: null, registryMaxSeqLength: null };
  if (isPathRef(raw)) {
    const folder = path.resolve(expandHome(raw));
    return { ...base, ...(await fromFolder(folder, variant, raw, null)) };
  }
  const at = raw.lastIndexOf('@');
  const name = at > 0 ? raw.slice(0, at) : raw;
  const rev = at > 0 ? raw.slice(at + 1) : null;
  if (name.startsWith('hf:') || name.includes('/')) {
    const repo = name.replace(/^hf:/, '');
    const { folder, keyBase } = await hubFolder(ctx, repo, rev, raw);
    return { ...base, ...(await fromFolder(folder, variant, raw, keyBase)) };
  }
  const model = findModel(ctx.db, name);
  if (!model) {
    throw new AppError('MODEL_NOT_FOUND', `No model or alias "${name}" in the registry.`, {
      hint: 'Name a registered model (model-center models), a Hub repo in the cache as hf:org/name, or a model folder path (./folder).',
    });
  }
  if (model.type !== 'embedding') {
    throw new AppError('INVALID_INPUT', `"${model.name}" is registered as a ${model.type} model; only embedding models produce embeddings.`);
  }
  const versionRow = rev ? findVersion(ctx.db, model, rev) : model.current_version ? findVersion(ctx.db, model, model.current_version) : listVersionRows(ctx.db, model.id)[0];
  if (rev && !versionRow) {
    throw new AppError('VERSION_NOT_FOUND', `Model "${model.name}" has no version ${rev}.`, { hint: `List its versions: model-center versions ${model.name}` });
  }
  const sourceJson = versionRow?.source ?? model.source;
  if (!sourceJson) {
    throw new AppError('INVALID_MODEL', `Model "${model.name}" has no source: the registry does not say where its files are.`, {
      hint: 'Register it with a Hub repo (provider huggingface) or a folder path (provider local).',
    });
  }
  const label = `${model.name}${versionRow ? `@${versionRow.version}` : ''}`;
  const files = await fromSource(ctx, ModelSourceSchema.parse(JSON.parse(sourceJson)), variant, label);
  return { ...files, ref: raw, registryModel: model.name, version: versionRow?.version ?? null, registryDimension: model.dimension, registryMaxSeqLength: model.max_seq_length };
}
