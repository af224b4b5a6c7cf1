import fs from 'node:fs';
import path from 'node:path';
import { buildBertGraph } from './bert-graph';
import { bertWeights } from './bert-weights';
import { resolveSpec, type ModelPreset, type ModelSpec, type PoolingMode, type ResolvedSpec } from './model-spec';
import { encodeModel } from './onnx-graph-builder';
import { quantizeDynamic } from './quantize-dynamic';
import { buildVocabulary } from './vocabulary';
import { buildTokenizerFiles } from './wordpiece-tokenizer-json';

export interface GeneratedModel {
  /** The model folder (absolute). */
  dir: string;
  spec: ResolvedSpec;
  /** Output dimension (hidden size). */
  dimension: number;
  vocabSize: number;
  /** Paths written, relative to `dir`, '/'-separated, sorted. */
  files: string[];
  /** Absolute paths of the ONNX files; `int8` is null when no quantized model was asked for. */
  onnx: { fp32: string; int8: string | null };
}

/** Bump when the generator's output changes, so caches keyed on it (test temp dirs, bench folders) refresh. */
export const GENERATOR_VERSION = '1';
const PRODUCER = { name: 'model-center test-models', version: GENERATOR_VERSION };
const QUANTIZED_PATH = 'onnx/model_quantized.onnx';

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

function poolingConfig(dimension: number, mode: PoolingMode): Record<string, number | boolean> {
  return {
    word_embedding_dimension: dimension,
    pooling_mode_cls_token: mode === 'cls',
    pooling_mode_mean_tokens: mode === 'mean',
    pooling_mode_max_tokens: mode === 'max',
    pooling_mode_mean_sqrt_len_tokens: false,
    pooling_mode_weightedmean_tokens: false,
    pooling_mode_lasttoken: false,
    include_prompt: true,
  };
}

function modulesJson(normalize: boolean): Array<Record<string, string | number>> {
  const modules: Array<Record<string, string | number>> = [
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
  ];
  // Normalize has no files of its own: the Hub repos list the folder in modules.json but do not contain it.
  if (normalize) modules.push({ idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' });
  return modules;
}

function bertConfig(spec: ResolvedSpec, vocabSize: number): Record<string, unknown> {
  return {
    _name_or_path: spec.name,
    architectures: ['BertModel'],
    attention_probs_dropout_prob: 0.1,
    classifier_dropout: null,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    hidden_size: spec.hiddenSize,
    initializer_range: 0.02,
    intermediate_size: spec.intermediateSize,
    layer_norm_eps: 1e-12,
    max_position_embeddings: spec.maxPositionEmbeddings,
    model_type: 'bert',
    num_attention_heads: spec.numHeads,
    num_hidden_layers: spec.numLayers,
    pad_token_id: 0,
    position_embedding_type: 'absolute',
    torch_dtype: 'float32',
    transformers_version: '4.41.2',
    type_vocab_size: 2,
    use_cache: true,
    vocab_size: vocabSize,
  };
}

function modelCard(spec: ResolvedSpec): string {
  return `---
library_name: sentence-transformers
pipeline_tag: sentence-similarity
language:
- ru
- en
license: mit
tags:
- sentence-transformers
- feature-extraction
- sentence-similarity
- onnx
- test-model
---

# ${spec.name}

A generated, untrained BERT sentence-embedding model for Model Center's tests and benchmarks
(\`scripts/generate-test-models.ts\`). Architecture: ${spec.numLayers} layers, hidden ${spec.hiddenSize},
${spec.numHeads} heads, FFN ${spec.intermediateSize}, max ${spec.maxSeqLength} tokens; ${spec.pooling} pooling${spec.normalize ? ', normalised' : ''}.

Its word embeddings are random, except that the words of each paraphrase pair in \`resources/embedding-probes.json\`
share a concept vector, and its attention and feed-forward weights are small, so a text's embedding is close to
the average of its words. It knows a few hundred Russian and English words; other words split into pieces.

Files are laid out as a sentence-transformers ONNX export: \`onnx/model.onnx\` (inputs input_ids, attention_mask,
token_type_ids; output last_hidden_state)${spec.int8 ? ', `onnx/model_quantized.onnx` (dynamic int8)' : ''}, \`tokenizer.json\` and the
sentence-transformers module configs.
`;
}

/** Every file of the model folder, in memory: relative path → content. */
export function buildModelFiles(spec: ResolvedSpec): { files: Map<string, string | Uint8Array>; vocabSize: number } {
  const vocab = buildVocabulary({ size: spec.vocabSize });
  const weights = bertWeights(spec, vocab);
  const model = buildBertGraph(spec, weights, PRODUCER);
  const files = new Map<string, string | Uint8Array>();
  files.set('.gitattributes', '*.onnx filter=lfs diff=lfs merge=lfs -text\n*.bin filter=lfs diff=lfs merge=lfs -text\n*.safetensors filter=lfs diff=lfs merge=lfs -text\n');
  files.set('README.md', modelCard(spec));
  files.set('config.json', json(bertConfig(spec, vocab.tokens.length)));
  files.set(
    'config_sentence_transformers.json',
    json({ __version__: { sentence_transformers: '3.0.1', transformers: '4.41.2', pytorch: '2.3.0' }, prompts: {}, default_prompt_name: null, similarity_fn_name: 'cosine' }),
  );
  files.set('modules.json', json(modulesJson(spec.normalize)));
  // do_lower_case false as in the Hub's sentence-transformers repos: the tokenizer itself lower-cases.
  files.set('sentence_bert_config.json', json({ max_seq_length: spec.maxSeqLength, do_lower_case: false }));
  files.set('1_Pooling/config.json', json(poolingConfig(spec.hiddenSize, spec.pooling)));
  for (const [name, content] of Object.entries(buildTokenizerFiles(vocab.tokens, spec.maxPositionEmbeddings))) files.set(name, content);
  files.set('onnx/model.onnx', encodeModel(model));
  if (spec.int8) files.set(QUANTIZED_PATH, encodeModel(quantizeDynamic(model, { weightType: spec.weightType })));
  return { files, vocabSize: vocab.tokens.length };
}

/**
 * Writes a sentence-transformers-style BERT ONNX model folder. Deterministic: the same spec gives byte-identical
 * files. A quantized model left in `outDir` by an earlier int8 run is removed when this spec has none.
 */
export function generateEmbeddingModel(outDir: string, spec: ModelSpec | ModelPreset): GeneratedModel {
  const resolved = resolveSpec(spec);
  const dir = path.resolve(outDir);
  const { files, vocabSize } = buildModelFiles(resolved);
  for (const [rel, content] of files) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  if (!resolved.int8) fs.rmSync(path.join(dir, QUANTIZED_PATH), { force: true });
  return {
    dir,
    spec: resolved,
    dimension: resolved.hiddenSize,
    vocabSize,
    files: [...files.keys()].sort(),
    onnx: { fp32: path.join(dir, 'onnx/model.onnx'), int8: resolved.int8 ? path.join(dir, QUANTIZED_PATH) : null },
  };
}
