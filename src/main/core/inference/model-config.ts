import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../../shared/errors';

export type PoolingMode = 'mean' | 'cls' | 'max' | 'lasttoken';

/** How sentence-transformers would run this folder, read from its own config files. */
export interface EmbeddingModelConfig {
  pooling: PoolingMode;
  normalize: boolean;
  maxSeqLength: number;
  /** Hidden size from config.json / 1_Pooling (null when neither says). */
  hiddenSize: number | null;
  doLowerCase: boolean | null;
  /** Modules after pooling that an ONNX export of the transformer alone does not contain (e.g. 2_Dense). */
  unsupportedModules: string[];
  /** Where each value came from, for `validate` and the logs. */
  notes: string[];
}

const ModulesSchema = z.array(z.object({ idx: z.number().optional(), name: z.string().optional(), path: z.string(), type: z.string() }));

const POOLING_FLAGS = {
  pooling_mode_cls_token: 'cls',
  pooling_mode_mean_tokens: 'mean',
  pooling_mode_max_tokens: 'max',
  pooling_mode_mean_sqrt_len_tokens: 'mean_sqrt_len',
  pooling_mode_weightedmean_tokens: 'weightedmean',
  pooling_mode_lasttoken: 'lasttoken',
} as const;
type PoolingFlag = keyof typeof POOLING_FLAGS;
const SQRT_LEN_AS_MEAN = 'mean_sqrt_len pooling is run as mean pooling (same direction; the norm differs unless normalised)';

const PoolingConfigSchema = z
  .object({
    word_embedding_dimension: z.number().int().optional(),
    pooling_mode: z.string().optional(),
    pooling_mode_cls_token: z.boolean().optional(),
    pooling_mode_mean_tokens: z.boolean().optional(),
    pooling_mode_max_tokens: z.boolean().optional(),
    pooling_mode_mean_sqrt_len_tokens: z.boolean().optional(),
    pooling_mode_weightedmean_tokens: z.boolean().optional(),
    pooling_mode_lasttoken: z.boolean().optional(),
  })
  .passthrough();

function readJson(file: string): unknown {
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AppError('INVALID_MODEL', `${path.basename(file)} in ${path.dirname(file)} is not valid JSON: ${(err as Error).message}`, {
      hint: 'The file is damaged: verify or re-download the model (model-center verify / download).',
    });
  }
}

function poolingFrom(cfg: z.infer<typeof PoolingConfigSchema>, file: string, notes: string[]): PoolingMode {
  // Newer sentence-transformers may write `pooling_mode`; older ones a flag per mode. Both are honoured.
  const named = cfg.pooling_mode?.toLowerCase();
  if (named) {
    if (named === 'mean' || named === 'cls' || named === 'max' || named === 'lasttoken') return named;
    if (named === 'mean_sqrt_len_tokens') {
      notes.push(SQRT_LEN_AS_MEAN);
      return 'mean';
    }
    throw new AppError('INVALID_MODEL', `Pooling mode "${cfg.pooling_mode}" in ${file} is not supported.`, { hint: 'Supported: mean, cls, max, lasttoken.' });
  }
  const on = (Object.keys(POOLING_FLAGS) as PoolingFlag[]).filter((k) => cfg[k] === true);
  if (on.length > 1) {
    throw new AppError('INVALID_MODEL', `${file} sets ${on.join(' and ')}: sentence-transformers concatenates those poolings into one longer vector, which Model Center does not compute.`, {
      hint: 'Use a model with a single pooling mode; picking one of them would give vectors that match neither the model nor its registered dimension.',
    });
  }
  const mode = on[0] ? POOLING_FLAGS[on[0]] : 'mean';
  if (mode === 'weightedmean') {
    throw new AppError('INVALID_MODEL', `${file} asks for weightedmean pooling, which Model Center does not compute.`, { hint: 'Supported: mean, cls, max, lasttoken.' });
  }
  if (mode === 'mean_sqrt_len') {
    notes.push(SQRT_LEN_AS_MEAN);
    return 'mean';
  }
  if (!on.length) notes.push(`${path.basename(path.dirname(file))}/config.json sets no pooling mode: mean pooling assumed`);
  return mode;
}

/** Reads modules.json, the pooling config, sentence_bert_config.json, tokenizer_config.json and config.json. */
export function readModelConfig(folder: string): EmbeddingModelConfig {
  const notes: string[] = [];
  const modulesRaw = readJson(path.join(folder, 'modules.json'));
  const modules = modulesRaw === undefined ? undefined : ModulesSchema.safeParse(modulesRaw);
  if (modules && !modules.success) throw new AppError('INVALID_MODEL', `modules.json in ${folder} does not list modules as sentence-transformers writes them.`);
  const list = modules?.data ?? [];

  let pooling: PoolingMode = 'mean';
  let poolingDim: number | undefined;
  const poolingModule = list.find((m) => m.type.endsWith('.Pooling'));
  const poolingFile = path.join(folder, poolingModule?.path ?? '1_Pooling', 'config.json');
  const poolingRaw = readJson(poolingFile);
  if (poolingRaw !== undefined) {
    const cfg = PoolingConfigSchema.parse(poolingRaw);
    pooling = poolingFrom(cfg, poolingFile, notes);
    poolingDim = cfg.word_embedding_dimension;
  } else notes.push('no pooling config: mean pooling, as sentence-transformers defaults to');

  const normalize = list.some((m) => m.type.endsWith('.Normalize'));
  const unsupportedModules = list
    .filter((m) => !/\.(Transformer|Pooling|Normalize)$/.test(m.type) && !m.type.endsWith('models.Transformer'))
    .map((m) => `${m.path || m.name || m.type} (${m.type})`);

  const st = readJson(path.join(folder, 'sentence_bert_config.json')) as { max_seq_length?: unknown; do_lower_case?: unknown } | undefined;
  const tok = readJson(path.join(folder, 'tokenizer_config.json')) as { model_max_length?: unknown; do_lower_case?: unknown } | undefined;
  const config = readJson(path.join(folder, 'config.json')) as { hidden_size?: unknown; max_position_embeddings?: unknown; d_model?: unknown } | undefined;

  const positions = typeof config?.max_position_embeddings === 'number' ? config.max_position_embeddings : undefined;
  // tokenizer_config's model_max_length is 1e30 when unset; only a realistic value means something.
  const tokMax = typeof tok?.model_max_length === 'number' && tok.model_max_length < 1_000_000 ? tok.model_max_length : undefined;
  let maxSeqLength: number;
  if (typeof st?.max_seq_length === 'number' && st.max_seq_length > 0) maxSeqLength = st.max_seq_length;
  else if (tokMax !== undefined) {
    maxSeqLength = positions !== undefined ? Math.min(tokMax, positions) : tokMax;
    notes.push(`max length ${maxSeqLength} from tokenizer_config.json`);
  } else if (positions !== undefined) {
    // XLM-R style models reserve 2 positions for the padding offset.
    maxSeqLength = positions > 512 && positions % 2 === 0 && positions - 2 <= 512 ? positions - 2 : positions;
    notes.push(`max length ${maxSeqLength} from config.json`);
  } else {
    maxSeqLength = 512;
    notes.push('no max length in the config files: 512 assumed');
  }
  if (positions !== undefined && maxSeqLength > positions) maxSeqLength = positions;

  const hidden = typeof config?.hidden_size === 'number' ? config.hidden_size : typeof config?.d_model === 'number' ? config.d_model : null;
  const doLower = typeof st?.do_lower_case === 'boolean' ? st.do_lower_case : typeof tok?.do_lower_case === 'boolean' ? tok.do_lower_case : null;
  return { pooling, normalize, maxSeqLength, hiddenSize: poolingDim ?? hidden, doLowerCase: doLower, unsupportedModules, notes };
}
