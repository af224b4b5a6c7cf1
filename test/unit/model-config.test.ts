import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readModelConfig } from '../../src/main/core/inference/model-config';
import { AppError } from '../../src/shared/errors';

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A model folder with only the config files readModelConfig reads (no weights needed). */
function folder(files: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-config-'));
  made.push(dir);
  const modules = [
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
  ];
  for (const [name, value] of Object.entries({ 'modules.json': modules, 'config.json': { hidden_size: 32, max_position_embeddings: 512 }, ...files })) {
    if (value === undefined) continue;
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), JSON.stringify(value));
  }
  return dir;
}

const flags = (on: string[]) => Object.fromEntries(['cls_token', 'mean_tokens', 'max_tokens', 'mean_sqrt_len_tokens', 'weightedmean_tokens', 'lasttoken'].map((f) => [`pooling_mode_${f}`, on.includes(f)]));

function refusal(f: () => unknown): AppError {
  try {
    f();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected readModelConfig to refuse');
}

describe('model config', () => {
  it('refuses combined pooling flags, naming the file and the flags (sentence-transformers would concatenate them)', () => {
    const f = folder({ '1_Pooling/config.json': { word_embedding_dimension: 32, ...flags(['cls_token', 'mean_tokens']) }, 'sentence_bert_config.json': { max_seq_length: 128 } });
    const err = refusal(() => readModelConfig(f));
    expect(err.code).toBe('INVALID_MODEL');
    expect(err.message).toContain(path.join(f, '1_Pooling', 'config.json'));
    expect(err.message).toContain('pooling_mode_cls_token and pooling_mode_mean_tokens');
    expect(refusal(() => readModelConfig(folder({ '1_Pooling/config.json': flags(['weightedmean_tokens']) }))).message).toContain('weightedmean');
  });

  it('reads one flag as its mode, and says where values were assumed or came from', () => {
    const cls = readModelConfig(folder({ '1_Pooling/config.json': flags(['cls_token']), 'sentence_bert_config.json': { max_seq_length: 128 } }));
    expect([cls.pooling, cls.maxSeqLength, cls.notes]).toEqual(['cls', 128, []]);

    const sqrt = readModelConfig(folder({ '1_Pooling/config.json': flags(['mean_sqrt_len_tokens']), 'tokenizer_config.json': { model_max_length: 256 } }));
    expect(sqrt.pooling).toBe('mean');
    expect(sqrt.maxSeqLength).toBe(256);
    expect(sqrt.notes).toEqual([expect.stringContaining('mean_sqrt_len pooling is run as mean'), 'max length 256 from tokenizer_config.json']);

    const bare = readModelConfig(folder({ '1_Pooling/config.json': undefined }));
    expect(bare.notes).toEqual([expect.stringContaining('no pooling config: mean pooling'), 'max length 512 from config.json']);
  });
});
