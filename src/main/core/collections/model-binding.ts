import { AppError } from '../../../shared/errors';
import { BatchEncoder } from '../inference/batch-encoder';
import type { EmbeddingService } from '../inference/embedding-service';
import type { ResolvedModel } from '../inference/model-resolver';

/** A registry model version as a collection is bound to it, with its files resolved. */
export interface Binding {
  model: string;
  version: string;
  resolved: ResolvedModel;
}

export const refOf = (b: { model: string; version: string }): string => `${b.model}@${b.version}`;

/**
 * Resolves `name[@version]` to a registry model version with files on disk. Collections are bound to registry
 * versions (their chunks' metadata names them, and migrations move between them), so folders and hub repos
 * are refused here with the command that registers them.
 */
export async function resolveBinding(embeddings: EmbeddingService, ref: string): Promise<Binding> {
  const resolved = await embeddings.resolve(ref);
  if (!resolved.registryModel || !resolved.version) {
    throw new AppError('INVALID_INPUT', `"${ref}" is not a registered model version; collections are bound to a registry model and version.`, {
      hint: resolved.registryModel
        ? `Register a version first: model-center register ${resolved.registryModel} 1.0.0`
        : `Register it first, e.g. model-center register my-model 1.0.0 --type embedding --provider local --path ${resolved.folder}`,
    });
  }
  return { model: resolved.registryModel, version: resolved.version, resolved };
}

const tokenizers = new Map<string, BatchEncoder>();

/** The model's own tokenizer (cached per model files), for chunking and token counts. */
export function tokenizerOf(model: ResolvedModel): BatchEncoder {
  let t = tokenizers.get(model.modelKey);
  if (!t) {
    t = new BatchEncoder(model.folder, model.config.maxSeqLength);
    if (tokenizers.size >= 8) tokenizers.delete(tokenizers.keys().next().value!);
    tokenizers.set(model.modelKey, t);
  }
  return t;
}

/** Tokens a chunk may have so the model reads all of it (its max length less its special tokens). */
export function chunkBudget(model: ResolvedModel): number {
  return model.config.maxSeqLength - tokenizerOf(model).specialTokens;
}
