import type { ResolvedSpec } from './model-spec';
import { Prng } from './prng';
import type { Vocabulary } from './vocabulary';

export interface WeightTensor {
  data: Float32Array;
  dims: number[];
}

/**
 * The weights of a BertModel under the names of its PyTorch state dict, as a Hub export's initializers are named.
 * Linear weights are stored as [in, out], ready for MatMul (torch keeps [out, in] and the exporter transposes).
 *
 * Scales are chosen so that the residual path dominates: every token leaves the encoder close to its (layer-
 * normalised) word embedding, slightly mixed with its context. Mean pooling then gives about the bag of words,
 * which is what similarity tests can reason about, while attention, masking and GELU still change the numbers
 * enough that a broken mask or op shows up.
 */
export type BertWeights = Map<string, WeightTensor>;

/** Within a concept, a word is the concept vector plus this much independent noise (cosine ≈ 1/(1+σ²) ≈ 0.89). */
const CONCEPT_NOISE = 0.35;
/** Token-type embeddings, relative to a word embedding: small, so texts differ by their words (positions: spec.positionScale). */
const TOKEN_TYPE_SCALE = 0.05;
/** Query/key weights (× 1/√hidden): attention scores of about ±0.25, so attention is spread over the context. */
const QK_SCALE = 0.5;
/** Value/output weights (× 1/√in): the attention block adds roughly a fifth of a token's norm. */
const VO_SCALE = 0.6;
/** First FFN matrix at unit gain so GELU sees values around ±1; the second one small (residual dominates). */
const FFN_IN_SCALE = 1;
const FFN_OUT_SCALE = 0.2;
const BIAS_STD = 0.02;
const LAYER_NORM_GAIN_STD = 0.02;

export function bertWeights(spec: ResolvedSpec, vocab: Vocabulary): BertWeights {
  const root = new Prng(spec.seed);
  const H = spec.hiddenSize;
  const F = spec.intermediateSize;
  const weights: BertWeights = new Map();
  const put = (name: string, dims: number[], fill: (out: Float32Array, rng: Prng) => void): void => {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    fill(data, root.fork(name));
    weights.set(name, { data, dims });
  };
  const gaussian = (std: number) => (out: Float32Array, rng: Prng): void => void rng.fillGaussian(out, std);
  const layerNorm = (prefix: string): void => {
    put(`${prefix}.weight`, [H], (out, rng) => {
      for (let i = 0; i < H; i++) out[i] = 1 + rng.gaussian() * LAYER_NORM_GAIN_STD;
    });
    put(`${prefix}.bias`, [H], gaussian(BIAS_STD));
  };
  const linear = (prefix: string, inDim: number, outDim: number, scale: number): void => {
    put(`${prefix}.weight`, [inDim, outDim], gaussian(scale / Math.sqrt(inDim)));
    put(`${prefix}.bias`, [outDim], gaussian(BIAS_STD));
  };

  const unit = 1 / Math.sqrt(H); // element std of a vector of norm ≈ 1
  const concepts = new Float32Array(vocab.conceptCount * H);
  root.fork('concepts').fillGaussian(concepts, unit);
  put('embeddings.word_embeddings.weight', [vocab.tokens.length, H], (out, rng) => {
    const mix = 1 / Math.sqrt(1 + CONCEPT_NOISE * CONCEPT_NOISE);
    vocab.meanings.forEach((meaning, id) => {
      const row = out.subarray(id * H, (id + 1) * H);
      if (meaning.kind === 'own') {
        rng.fillGaussian(row, unit);
        return;
      }
      const base = meaning.concept * H;
      for (let j = 0; j < H; j++) row[j] = ((concepts[base + j] ?? 0) + rng.gaussian() * unit * CONCEPT_NOISE) * mix;
    });
  });
  put('embeddings.position_embeddings.weight', [spec.maxPositionEmbeddings, H], gaussian(unit * spec.positionScale));
  put('embeddings.token_type_embeddings.weight', [2, H], gaussian(unit * TOKEN_TYPE_SCALE));
  layerNorm('embeddings.LayerNorm');

  for (let l = 0; l < spec.numLayers; l++) {
    const p = `encoder.layer.${l}`;
    linear(`${p}.attention.self.query`, H, H, QK_SCALE);
    linear(`${p}.attention.self.key`, H, H, QK_SCALE);
    linear(`${p}.attention.self.value`, H, H, VO_SCALE);
    linear(`${p}.attention.output.dense`, H, H, VO_SCALE);
    layerNorm(`${p}.attention.output.LayerNorm`);
    linear(`${p}.intermediate.dense`, H, F, FFN_IN_SCALE);
    linear(`${p}.output.dense`, F, H, FFN_OUT_SCALE);
    layerNorm(`${p}.output.LayerNorm`);
  }
  return weights;
}
