// The public API of the test-model generator: tests, benches and the CLI import from here.
export { generateEmbeddingModel, buildModelFiles, GENERATOR_VERSION, type GeneratedModel } from './model-folder';
export { MODEL_PRESETS, resolveSpec, isModelPreset, type ModelSpec, type ModelPreset, type PoolingMode, type ResolvedSpec, type WeightType } from './model-spec';
export { BERT_INPUTS, BERT_OUTPUT } from './bert-graph';
export { readProbePairs, SPECIAL_TOKENS, type ProbePair } from './vocabulary';
export { quantizeDynamic, quantizeTensor, type QuantizeDynamicOptions } from './quantize-dynamic';
