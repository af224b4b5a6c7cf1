import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { AppError } from '../../../shared/errors';

/** One padded batch as the ONNX inputs want it, plus what the caller must be told. */
export interface EncodedBatch {
  batchSize: number;
  seqLen: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
  /** Token count of each text (special tokens included, after truncation). */
  lengths: number[];
  truncated: boolean[];
}

/**
 * Characters tokenised per allowed token before the whole text is: a token covers at least one character, so a
 * prefix this long almost always yields more tokens than the model reads, and a 1 MB text costs no more than a
 * page. When it does not, the whole text is tokenised and nothing is lost.
 */
const PREFIX_CHARS_PER_TOKEN = 24;

/** Encodings kept between `measure` and the embed of the same texts (the scheduler measures 256–4096 at a time). */
const MEASURED_CAP = 8192;

/** Turns texts into padded id tensors with the model's own tokenizer.json, truncating to max_seq_length. */
export class BatchEncoder {
  private readonly tokenizer: Tokenizer;
  private readonly padId: number;
  private readonly measured = new Map<string, { ids: number[]; truncated: boolean }>();

  constructor(
    folder: string,
    readonly maxSeqLength: number,
  ) {
    const file = path.join(folder, 'tokenizer.json');
    if (!fs.existsSync(file)) {
      throw new AppError('INVALID_MODEL', `No tokenizer.json in ${folder}.`, {
        hint: 'Embedding models need the fast-tokenizer file tokenizer.json; download it with the model (it is always included by model-center download).',
      });
    }
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { padding?: { pad_id?: number } | null };
    const configFile = path.join(folder, 'tokenizer_config.json');
    const config = fs.existsSync(configFile) ? (JSON.parse(fs.readFileSync(configFile, 'utf8')) as { pad_token?: unknown }) : {};
    try {
      this.tokenizer = new Tokenizer(json, config);
    } catch (err) {
      throw new AppError('INVALID_MODEL', `tokenizer.json in ${folder} could not be loaded: ${(err as Error).message}`);
    }
    const padToken = typeof config.pad_token === 'string' ? config.pad_token : undefined;
    this.padId = json.padding?.pad_id ?? (padToken ? this.tokenizer.token_to_id(padToken) : undefined) ?? this.tokenizer.token_to_id('[PAD]') ?? this.tokenizer.token_to_id('<pad>') ?? 0;
  }

  /** Tokens of a text without the special ones ([CLS], [SEP]…): what chunking budgets with. */
  countTokens(text: string): number {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids.length;
  }

  /** Special tokens the model adds around every text (2 for BERT's [CLS] … [SEP]). */
  get specialTokens(): number {
    return this.tokenizer.encode('').ids.length;
  }

  /**
   * Token counts (after truncation) of texts the scheduler is about to batch by length. Their encodings are kept
   * for the embed that follows, so each text is tokenised once; bounded, oldest first out.
   */
  measure(texts: string[]): number[] {
    return texts.map((t) => {
      const e = this.encodeOne(t);
      this.measured.delete(t);
      this.measured.set(t, e);
      if (this.measured.size > MEASURED_CAP) this.measured.delete(this.measured.keys().next().value!);
      return e.ids.length;
    });
  }

  /** Ids of one text with special tokens, cut to max_seq_length (keeping the closing special token). */
  encodeOne(text: string): { ids: number[]; truncated: boolean } {
    const cached = this.measured.get(text);
    if (cached) {
      this.measured.delete(text);
      return cached;
    }
    const budget = this.maxSeqLength * PREFIX_CHARS_PER_TOKEN;
    let ids: number[];
    if (text.length > budget) {
      const cut = text.lastIndexOf(' ', budget);
      ids = this.tokenizer.encode(text.slice(0, cut > budget / 2 ? cut : budget)).ids;
      if (ids.length <= this.maxSeqLength) ids = this.tokenizer.encode(text).ids;
    } else ids = this.tokenizer.encode(text).ids;
    if (ids.length <= this.maxSeqLength) return { ids, truncated: false };
    const last = ids[ids.length - 1]!;
    const kept = ids.slice(0, this.maxSeqLength - 1);
    kept.push(last);
    return { ids: kept, truncated: true };
  }

  /** Pads to the longest text of this batch (never to max length: padding is wasted compute). */
  encodeBatch(texts: string[]): EncodedBatch {
    const encoded = texts.map((t) => this.encodeOne(t));
    const seqLen = Math.max(1, ...encoded.map((e) => e.ids.length));
    const n = texts.length;
    const inputIds = new BigInt64Array(n * seqLen).fill(BigInt(this.padId));
    const attentionMask = new BigInt64Array(n * seqLen);
    encoded.forEach((e, row) => {
      const base = row * seqLen;
      for (let i = 0; i < e.ids.length; i++) {
        inputIds[base + i] = BigInt(e.ids[i]!);
        attentionMask[base + i] = 1n;
      }
    });
    return {
      batchSize: n,
      seqLen,
      inputIds,
      attentionMask,
      tokenTypeIds: new BigInt64Array(n * seqLen),
      lengths: encoded.map((e) => e.ids.length),
      truncated: encoded.map((e) => e.truncated),
    };
  }
}
