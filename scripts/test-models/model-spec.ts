/** How sentence-transformers' Pooling module turns token vectors into one text vector. */
export type PoolingMode = 'mean' | 'cls' | 'max';

/** Storage of the int8 model's MatMul weights (activations are always uint8 through DynamicQuantizeLinear). */
export type WeightType = 'int8' | 'uint8';

export interface ModelSpec {
  /** Shown in the model card and config `_name_or_path`. */
  name: string;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  maxPositionEmbeddings: number;
  /** sentence-transformers' max_seq_length (≤ maxPositionEmbeddings). */
  maxSeqLength: number;
  /** Pad the vocabulary with unreachable `[unusedN]` tokens up to this size; default: the built vocabulary's size. */
  vocabSize?: number;
  /** Seed of every weight; the same spec and seed give byte-identical files. */
  seed: number;
  /** Default 'mean'. */
  pooling?: PoolingMode;
  /** Whether modules.json lists a Normalize module (default true). */
  normalize?: boolean;
  /** Also write onnx/model_quantized.onnx (dynamic int8). */
  int8?: boolean;
  /** Weight storage in the quantized model (default int8, as onnxruntime's quantize_dynamic). */
  weightType?: WeightType;
  /**
   * Weight of position embeddings against word embeddings (default 0.1). Around 10 and above the vectors say more
   * about a text's length than its words: a deliberately poor model, for tests of quality gates.
   */
  positionScale?: number;
}

export type ModelPreset = 'tiny-32' | 'tiny-64' | 'minilm-l6';

const SEED = 20240601;
const DEFAULT_POSITION_SCALE = 0.1;

export const MODEL_PRESETS: Readonly<Record<ModelPreset, ModelSpec>> = {
  'tiny-32': {
    name: 'model-center/test-bert-tiny-32',
    hiddenSize: 32,
    numLayers: 2,
    numHeads: 2,
    intermediateSize: 64,
    maxPositionEmbeddings: 128,
    maxSeqLength: 128,
    seed: SEED,
    int8: true,
  },
  'tiny-64': {
    name: 'model-center/test-bert-tiny-64',
    hiddenSize: 64,
    numLayers: 2,
    numHeads: 4,
    intermediateSize: 128,
    maxPositionEmbeddings: 128,
    maxSeqLength: 128,
    seed: SEED,
    int8: true,
  },
  // The shape of sentence-transformers/all-MiniLM-L6-v2, so a benchmark on it costs what the real model costs.
  'minilm-l6': {
    name: 'model-center/test-minilm-l6',
    hiddenSize: 384,
    numLayers: 6,
    numHeads: 12,
    intermediateSize: 1536,
    maxPositionEmbeddings: 512,
    maxSeqLength: 256,
    vocabSize: 30522,
    seed: SEED,
  },
};

export function isModelPreset(value: string): value is ModelPreset {
  return Object.hasOwn(MODEL_PRESETS, value);
}

/** A spec with its defaults filled in, checked for shapes a BERT cannot have. */
export type ResolvedSpec = Required<Omit<ModelSpec, 'vocabSize'>> & Pick<ModelSpec, 'vocabSize'>;

export function resolveSpec(spec: ModelSpec | ModelPreset): ResolvedSpec {
  const s = typeof spec === 'string' ? MODEL_PRESETS[spec] : spec;
  if (!s) throw new Error(`unknown model preset ${String(spec)}`);
  const resolved: ResolvedSpec = {
    ...s,
    pooling: s.pooling ?? 'mean',
    normalize: s.normalize ?? true,
    int8: s.int8 ?? false,
    weightType: s.weightType ?? 'int8',
    positionScale: s.positionScale ?? DEFAULT_POSITION_SCALE,
  };
  const positive = ['hiddenSize', 'numLayers', 'numHeads', 'intermediateSize', 'maxPositionEmbeddings', 'maxSeqLength'] as const;
  for (const key of positive) {
    if (!Number.isInteger(resolved[key]) || resolved[key] <= 0) throw new Error(`spec ${s.name}: ${key} must be a positive integer`);
  }
  if (!(resolved.positionScale >= 0)) throw new Error(`spec ${s.name}: positionScale must be ≥ 0`);
  if (resolved.hiddenSize % resolved.numHeads !== 0) throw new Error(`spec ${s.name}: hiddenSize must be divisible by numHeads`);
  if (resolved.maxSeqLength > resolved.maxPositionEmbeddings) throw new Error(`spec ${s.name}: maxSeqLength exceeds maxPositionEmbeddings`);
  return resolved;
}
