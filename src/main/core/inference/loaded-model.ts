import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderSetting } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { BatchEncoder } from './batch-encoder';
import { createSession } from './execution-providers';
import type { PoolingMode } from './model-config';
import { normalizeRows, poolTokens } from './pooling';

/** Everything a worker needs to load a model: resolved on the main side, plain data so it crosses threads. */
export interface ModelSpec {
  modelKey: string;
  folder: string;
  onnxFile: string;
  pooling: PoolingMode;
  normalize: boolean;
  maxSeqLength: number;
  executionProvider: ExecutionProviderSetting;
  threads: number;
}

export interface EmbedBatchResult {
  /** Row-major [texts, dimension]. */
  vectors: Float32Array;
  dimension: number;
  lengths: number[];
  truncated: boolean[];
  inferenceMs: number;
}

/** Output names exporters use for token states, and for an already pooled sentence vector. */
const TOKEN_OUTPUTS = ['last_hidden_state', 'token_embeddings', 'hidden_states'];
const SENTENCE_OUTPUTS = ['sentence_embedding', 'sentence_embeddings', 'pooler_output_sentence'];

/** One ONNX session with its tokenizer and pooling: what a worker keeps per model. */
export class LoadedModel {
  private constructor(
    readonly spec: ModelSpec,
    private readonly session: ort.InferenceSession,
    private readonly encoder: BatchEncoder,
    readonly executionProvider: string,
    readonly fallbackReason: string | null,
    readonly loadMs: number,
    private readonly feedsTokenTypes: boolean,
    private readonly output: { name: string; pooled: boolean },
  ) {}

  static async load(spec: ModelSpec): Promise<LoadedModel> {
    const t0 = performance.now();
    if (!fs.existsSync(spec.onnxFile)) {
      throw new AppError('MODEL_NOT_PRESENT', `The ONNX file ${spec.onnxFile} is missing.`, { hint: 'Download or repair the model (model-center download / verify).' });
    }
    const encoder = new BatchEncoder(spec.folder, spec.maxSeqLength);
    let created;
    try {
      created = await createSession(spec.onnxFile, spec.executionProvider, spec.threads);
    } catch (err) {
      throw new AppError('INVALID_MODEL', `onnxruntime could not load ${spec.onnxFile}: ${(err as Error).message.split('\n')[0]}`, {
        hint: 'The file may be truncated or use operators this onnxruntime does not have; verify the download, or export the model again.',
      });
    }
    const { session } = created;
    const inputs = session.inputNames;
    if (!inputs.includes('input_ids') || !inputs.includes('attention_mask')) {
      await session.release();
      throw new AppError('INVALID_MODEL', `${spec.onnxFile} has inputs [${inputs.join(', ')}]; an embedding model needs input_ids and attention_mask.`, {
        hint: 'Use a sentence-transformers / BERT-style ONNX export (for example onnx/model.onnx from the model repo).',
      });
    }
    const unknown = inputs.filter((n) => !['input_ids', 'attention_mask', 'token_type_ids'].includes(n));
    if (unknown.length) {
      await session.release();
      throw new AppError('INVALID_MODEL', `${spec.onnxFile} needs inputs we cannot feed: ${unknown.join(', ')}.`, {
        hint: 'Decoder exports with past key values are not embedding models; pick the encoder export.',
      });
    }
    const outputs = session.outputNames;
    const sentence = SENTENCE_OUTPUTS.find((n) => outputs.includes(n));
    const token = TOKEN_OUTPUTS.find((n) => outputs.includes(n));
    const output = sentence ? { name: sentence, pooled: true } : { name: token ?? outputs[0]!, pooled: false };
    return new LoadedModel(
      spec,
      session,
      encoder,
      created.executionProvider,
      created.fallbackReason,
      performance.now() - t0,
      inputs.includes('token_type_ids'),
      output,
    );
  }

  /** Token counts of texts after truncation (their encodings are kept for the embed that follows). */
  tokenLengths(texts: string[]): number[] {
    return this.encoder.measure(texts);
  }

  async embed(texts: string[]): Promise<EmbedBatchResult> {
    const batch = this.encoder.encodeBatch(texts);
    const shape = [batch.batchSize, batch.seqLen];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', batch.inputIds, shape),
      attention_mask: new ort.Tensor('int64', batch.attentionMask, shape),
    };
    if (this.feedsTokenTypes) feeds.token_type_ids = new ort.Tensor('int64', batch.tokenTypeIds, shape);
    const t0 = performance.now();
    let result: ort.InferenceSession.ReturnType;
    try {
      // Fetch only the output we pool: every fetched output is copied out of onnxruntime.
      result = await this.session.run(feeds, [this.output.name]);
    } catch (err) {
      throw new AppError('INFERENCE_FAILED', `onnxruntime failed on a batch of ${texts.length}: ${(err as Error).message.split('\n')[0]}`);
    }
    const inferenceMs = performance.now() - t0;
    const tensor = result[this.output.name]!;
    const data = tensor.data as Float32Array;
    let vectors: Float32Array;
    let dimension: number;
    if (this.output.pooled || tensor.dims.length === 2) {
      dimension = Number(tensor.dims[1]);
      vectors = new Float32Array(data);
    } else {
      dimension = Number(tensor.dims[2]);
      vectors = poolTokens(data, batch.attentionMask, batch.lengths, batch.batchSize, batch.seqLen, dimension, this.spec.pooling);
    }
    tensor.dispose();
    if (this.spec.normalize) normalizeRows(vectors, dimension);
    return { vectors, dimension, lengths: batch.lengths, truncated: batch.truncated, inferenceMs };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
