import type { onnx } from 'onnx-proto';
import type { BertWeights } from './bert-weights';
import type { ResolvedSpec } from './model-spec';
import { float, GraphBuilder } from './onnx-graph-builder';

export const BERT_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'] as const;
export const BERT_OUTPUT = 'last_hidden_state';
const LAYER_NORM_EPS = 1e-12;
/** Added to the scores of padding positions, as BERT's original extended attention mask. */
const MASK_VALUE = -10000;

/**
 * The graph of a BertModel's forward pass in plain opset-17 ops, shaped like what `optimum` exports for
 * feature-extraction: int64 inputs [batch_size, sequence_length], one float output [batch_size, sequence_length,
 * hidden]. GELU is the exact Erf form (Div, Erf, Add, Mul, Mul), which onnxruntime fuses into its Gelu kernel.
 */
export function buildBertGraph(spec: ResolvedSpec, weights: BertWeights, producer: { name: string; version: string }): onnx.IModelProto {
  const b = new GraphBuilder();
  const H = spec.hiddenSize;
  const heads = spec.numHeads;
  const headDim = H / heads;
  const w = (name: string): string => {
    const t = weights.get(name);
    if (!t) throw new Error(`missing weight ${name}`);
    return b.initializer(name, t.data, t.dims);
  };
  const dims = ['batch_size', 'sequence_length'];
  const [inputIds, attentionMask, tokenTypeIds] = BERT_INPUTS.map((name) => b.input(name, 'int64', dims));
  if (!inputIds || !attentionMask || !tokenTypeIds) throw new Error('unreachable: three inputs');

  const linear = (scope: string, x: string, prefix: string): string =>
    b.scope(scope, () => b.op('Add', [w(`${prefix}.bias`), b.op('MatMul', [x, w(`${prefix}.weight`)])]));
  const layerNorm = (scope: string, x: string, prefix: string, outputNames?: string[]): string =>
    b.scope(scope, () => b.op('LayerNormalization', [x, w(`${prefix}.weight`), w(`${prefix}.bias`)], { axis: -1, epsilon: float(LAYER_NORM_EPS) }, { outputNames }));

  const hidden0 = b.scope('embeddings', () => {
    const words = b.scope('word_embeddings', () => b.op('Gather', [w('embeddings.word_embeddings.weight'), inputIds]));
    const types = b.scope('token_type_embeddings', () => b.op('Gather', [w('embeddings.token_type_embeddings.weight'), tokenTypeIds]));
    // position_ids = arange(sequence_length), broadcast over the batch.
    const positions = b.scope('position_embeddings', () => {
      const seqLen = b.op('Gather', [b.op('Shape', [inputIds]), b.int64s([1], [])], { axis: 0 });
      const ids = b.op('Range', [b.int64s([0], []), seqLen, b.int64s([1], [])]);
      return b.op('Gather', [w('embeddings.position_embeddings.weight'), ids]);
    });
    const sum = b.op('Add', [b.op('Add', [words, types]), positions]);
    return layerNorm('LayerNorm', sum, 'embeddings.LayerNorm');
  });

  // (1 − mask) · −10000 as [batch, 1, 1, seq]: added to every head's scores, so padding gets no attention.
  const additiveMask = b.scope('extended_attention_mask', () => {
    const m = b.op('Cast', [b.op('Unsqueeze', [attentionMask, b.int64s([1, 2])])], { to: 1 });
    return b.op('Mul', [b.op('Sub', [b.scalarFloat(1), m]), b.scalarFloat(MASK_VALUE)]);
  });

  let hidden = hidden0;
  for (let l = 0; l < spec.numLayers; l++) {
    const p = `encoder.layer.${l}`;
    hidden = b.scope(`encoder/layer.${l}`, () => {
      const attended = b.scope('attention', () => {
        const context = b.scope('self', () => {
          // [batch, seq, hidden] → [batch, heads, seq, headDim] (keys: [batch, heads, headDim, seq]).
          const split = (name: string, perm: number[]): string =>
            b.scope(name, () => b.op('Transpose', [b.op('Reshape', [linear('', hidden, `${p}.attention.self.${name}`), b.int64s([0, 0, heads, headDim])])], { perm }));
          const q = split('query', [0, 2, 1, 3]);
          const k = split('key', [0, 2, 3, 1]);
          const v = split('value', [0, 2, 1, 3]);
          const scores = b.op('Div', [b.op('MatMul', [q, k]), b.scalarFloat(Math.sqrt(headDim))]);
          const probs = b.op('Softmax', [b.op('Add', [scores, additiveMask])], { axis: -1 });
          const ctx = b.op('Transpose', [b.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] });
          return b.op('Reshape', [ctx, b.int64s([0, 0, H])]);
        });
        return b.scope('output', () => {
          const projected = linear('dense', context, `${p}.attention.output.dense`);
          return layerNorm('LayerNorm', b.op('Add', [projected, hidden]), `${p}.attention.output.LayerNorm`);
        });
      });
      const intermediate = b.scope('intermediate', () => {
        const x = linear('dense', attended, `${p}.intermediate.dense`);
        // GELU(x) = x · ½ · (1 + erf(x / √2)), in the order torch.onnx writes it.
        return b.scope('intermediate_act_fn', () => {
          const erf = b.op('Erf', [b.op('Div', [x, b.scalarFloat(Math.SQRT2)])]);
          return b.op('Mul', [b.op('Mul', [x, b.op('Add', [erf, b.scalarFloat(1)])]), b.scalarFloat(0.5)]);
        });
      });
      return b.scope('output', () => {
        const projected = linear('dense', intermediate, `${p}.output.dense`);
        const last = l === spec.numLayers - 1;
        return layerNorm('LayerNorm', b.op('Add', [projected, attended]), `${p}.output.LayerNorm`, last ? [BERT_OUTPUT] : undefined);
      });
    });
  }
  if (hidden !== BERT_OUTPUT) throw new Error('unreachable: the last LayerNorm writes last_hidden_state');
  b.output(BERT_OUTPUT, 'float', ['batch_size', 'sequence_length', H]);
  return b.toModel({ producerName: producer.name, producerVersion: producer.version, docString: `BertModel ${spec.name} (generated test model)` });
}
