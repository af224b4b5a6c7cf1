import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { generateEmbeddingModel, resolveSpec, type GeneratedModel, type ModelPreset, type ModelSpec } from '../../scripts/test-models/index';
import { buildRepo } from './hub-server/hub-repo';
import { hubFilesFromFolder } from './hub-server/fixtures';
import { makeHfRepo } from './model-trees';

interface Generated {
  root: string | null;
  models: Map<string, GeneratedModel>;
}

// Kept on globalThis so that test files sharing a worker process (whose modules are re-evaluated per file) share
// the generated folders and register one exit handler, not one per file.
const REGISTRY = Symbol.for('model-center.test-models');
const store = globalThis as unknown as Record<symbol, Generated | undefined>;
const generated: Generated = (store[REGISTRY] ??= { root: null, models: new Map() });

function testModelsRoot(): string {
  if (!generated.root) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-test-models-'));
    generated.root = dir;
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return generated.root;
}

/** A generated model, made once per process into a temp dir that is removed at exit. */
export function generatedTestModel(spec: ModelSpec | ModelPreset = 'tiny-32'): GeneratedModel {
  const key = typeof spec === 'string' ? spec : createHash('sha256').update(JSON.stringify(resolveSpec(spec))).digest('hex').slice(0, 16);
  let model = generated.models.get(key);
  if (!model) {
    model = generateEmbeddingModel(path.join(testModelsRoot(), key), spec);
    generated.models.set(key, model);
  }
  return model;
}

/** The folder of a generated model (see generatedTestModel). Treat it as read-only: other tests share it. */
export function testModel(spec: ModelSpec | ModelPreset = 'tiny-32'): string {
  return generatedTestModel(spec).dir;
}

export interface PlacedModel {
  /** `<cache>/models--org--name` */
  repoDir: string;
  /** `<repoDir>/snapshots/<commit>` */
  snapshotDir: string;
  commit: string;
}

/**
 * Puts a model folder into a Hugging Face hub cache as `huggingface_hub` leaves a download: blobs named by
 * sha256, snapshot files as relative symlinks into them, `refs/<ref>` holding the commit. The commit defaults to
 * the one the loopback hub server reports for the same files, so a test can serve and cache the same model.
 */
export function placeInHfCache(cacheDir: string, repoId: string, folder: string, options: { revision?: string; ref?: string } = {}): PlacedModel {
  const hubFiles = hubFilesFromFolder(folder);
  const ref = options.ref ?? 'main';
  const commit = options.revision ?? buildRepo({ id: repoId, files: hubFiles }).branches.get('main')?.commit;
  if (!commit || !/^[0-9a-f]{40}$/.test(commit)) throw new Error(`placeInHfCache: revision must be a 40-hex commit, got ${String(commit)}`);
  const files = Object.fromEntries(hubFiles.map((f) => [f.path, typeof f.content === 'string' ? Buffer.from(f.content) : f.content]));
  const repoDir = makeHfRepo(cacheDir, repoId, [{ commit, ref, files }]);
  return { repoDir, snapshotDir: path.join(repoDir, 'snapshots', commit), commit };
}

export interface ReferenceEmbedder {
  tokenizer: Tokenizer;
  session: ort.InferenceSession;
  /** Pooled (and, when modules.json has Normalize, L2-normalised) vectors, one per text; padding to the longest. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /** last_hidden_state for a padded batch, with the mask used. */
  hidden(texts: readonly string[]): Promise<{ data: Float32Array; dims: number[]; mask: number[][] }>;
  release(): Promise<void>;
}

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));

/**
 * A deliberately plain sentence-transformers forward pass (tokenizer.json → ONNX → pooling per 1_Pooling → optional
 * Normalize), to check generated models and, later, the app's pipeline against. No truncation: tests keep texts short.
 */
export async function referenceEmbedder(folder: string, options: { quantized?: boolean; threads?: number } = {}): Promise<ReferenceEmbedder> {
  const tokenizer = new Tokenizer(readJson(path.join(folder, 'tokenizer.json')) as object, readJson(path.join(folder, 'tokenizer_config.json')) as object);
  const pooling = readJson(path.join(folder, '1_Pooling/config.json')) as Record<string, unknown>;
  const modules = readJson(path.join(folder, 'modules.json')) as Array<{ type: string }>;
  const normalize = modules.some((m) => m.type.endsWith('.Normalize'));
  const mode = pooling.pooling_mode_cls_token ? 'cls' : pooling.pooling_mode_max_tokens ? 'max' : 'mean';
  const file = path.join(folder, 'onnx', options.quantized ? 'model_quantized.onnx' : 'model.onnx');
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: options.threads ?? 1 });

  const hidden = async (texts: readonly string[]): Promise<{ data: Float32Array; dims: number[]; mask: number[][] }> => {
    const encoded = texts.map((t) => tokenizer.encode(t));
    const seq = Math.max(...encoded.map((e) => e.ids.length));
    const n = texts.length * seq;
    const ids = new BigInt64Array(n);
    const mask = new BigInt64Array(n);
    const masks = encoded.map((e, b) => {
      e.ids.forEach((id, i) => {
        ids[b * seq + i] = BigInt(id);
        mask[b * seq + i] = 1n;
      });
      return Array.from({ length: seq }, (_, i) => (i < e.ids.length ? 1 : 0));
    });
    const dims = [texts.length, seq];
    const out = await session.run({
      input_ids: new ort.Tensor('int64', ids, dims),
      attention_mask: new ort.Tensor('int64', mask, dims),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(n), dims),
    });
    const t = out.last_hidden_state;
    if (!t || !(t.data instanceof Float32Array)) throw new Error('model returned no float last_hidden_state');
    return { data: t.data, dims: [...t.dims], mask: masks };
  };

  const embed = async (texts: readonly string[]): Promise<Float32Array[]> => {
    const { data, dims, mask } = await hidden(texts);
    const [, seq = 0, dim = 0] = dims;
    return mask.map((m, b) => {
      const v = new Float32Array(dim);
      const row = (i: number): Float32Array => data.subarray((b * seq + i) * dim, (b * seq + i + 1) * dim);
      const used = m.flatMap((on, i) => (on ? [i] : []));
      if (mode === 'cls') v.set(row(0));
      else if (mode === 'max') {
        v.fill(-Infinity);
        for (const i of used) row(i).forEach((x, j) => (v[j] = Math.max(v[j] ?? -Infinity, x)));
      } else {
        for (const i of used) row(i).forEach((x, j) => (v[j] = (v[j] ?? 0) + x / used.length));
      }
      return normalize ? l2Normalize(v) : v;
    });
  };

  return { tokenizer, session, embed, hidden, release: () => session.release() };
}

export function l2Normalize(v: Float32Array): Float32Array {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm > 0 ? v.map((x) => x / norm) : v;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / Math.sqrt(na * nb);
}
