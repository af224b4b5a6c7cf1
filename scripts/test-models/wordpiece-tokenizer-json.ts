import { SPECIAL_TOKENS } from './vocabulary';

/** The tokenizer files of a BERT export, as text, keyed by their path in the model folder. */
export interface TokenizerFiles {
  'tokenizer.json': string;
  'tokenizer_config.json': string;
  'special_tokens_map.json': string;
  'vocab.txt': string;
}

/**
 * Lower-casing without accent stripping. BERT's default (`strip_accents: null`) follows `lowercase` and would
 * NFD-decompose and drop combining marks, turning Russian й into и and ё into е; words of the vocabulary that
 * contain them could then never match. Multilingual BERT exports set it the same way for that reason.
 */
const NORMALIZER = { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: false, lowercase: true } as const;

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

function idOf(tokens: readonly string[], token: string): number {
  const id = tokens.indexOf(token);
  if (id < 0) throw new Error(`vocabulary has no ${token}`);
  return id;
}

export function buildTokenizerFiles(tokens: readonly string[], modelMaxLength: number): TokenizerFiles {
  const specials = Object.values(SPECIAL_TOKENS).map((content) => ({ id: idOf(tokens, content), content }));
  specials.sort((a, b) => a.id - b.id);
  const cls = idOf(tokens, SPECIAL_TOKENS.cls);
  const sep = idOf(tokens, SPECIAL_TOKENS.sep);
  const special = (id: string, typeId: number): { SpecialToken: { id: string; type_id: number } } => ({ SpecialToken: { id, type_id: typeId } });
  const sequence = (id: 'A' | 'B', typeId: number): { Sequence: { id: string; type_id: number } } => ({ Sequence: { id, type_id: typeId } });

  const VOCAB_PLACEHOLDER = '__vocab__';
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map(({ id, content }) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: NORMALIZER,
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special(SPECIAL_TOKENS.cls, 0), sequence('A', 0), special(SPECIAL_TOKENS.sep, 0)],
      pair: [special(SPECIAL_TOKENS.cls, 0), sequence('A', 0), special(SPECIAL_TOKENS.sep, 0), sequence('B', 1), special(SPECIAL_TOKENS.sep, 1)],
      special_tokens: {
        [SPECIAL_TOKENS.cls]: { id: SPECIAL_TOKENS.cls, ids: [cls], tokens: [SPECIAL_TOKENS.cls] },
        [SPECIAL_TOKENS.sep]: { id: SPECIAL_TOKENS.sep, ids: [sep], tokens: [SPECIAL_TOKENS.sep] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: SPECIAL_TOKENS.unk,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: VOCAB_PLACEHOLDER,
    },
  };
  // Written by hand because JSON.stringify puts integer-like keys ("0"…"9") first; the Hub's files list the vocab in
  // id order, one entry a line.
  const vocab = `{\n${tokens.map((t, i) => `      ${JSON.stringify(t)}: ${i}`).join(',\n')}\n    }`;
  const tokenizerJson = json(tokenizer).replace(JSON.stringify(VOCAB_PLACEHOLDER), vocab);

  const addedTokensDecoder = Object.fromEntries(
    specials.map(({ id, content }) => [String(id), { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true }]),
  );
  const tokenizerConfig = {
    added_tokens_decoder: addedTokensDecoder,
    clean_up_tokenization_spaces: true,
    cls_token: SPECIAL_TOKENS.cls,
    do_basic_tokenize: true,
    do_lower_case: true,
    mask_token: SPECIAL_TOKENS.mask,
    model_max_length: modelMaxLength,
    never_split: null,
    pad_token: SPECIAL_TOKENS.pad,
    sep_token: SPECIAL_TOKENS.sep,
    strip_accents: NORMALIZER.strip_accents,
    tokenize_chinese_chars: true,
    tokenizer_class: 'BertTokenizer',
    unk_token: SPECIAL_TOKENS.unk,
  };
  const specialTokensMap = {
    cls_token: SPECIAL_TOKENS.cls,
    mask_token: SPECIAL_TOKENS.mask,
    pad_token: SPECIAL_TOKENS.pad,
    sep_token: SPECIAL_TOKENS.sep,
    unk_token: SPECIAL_TOKENS.unk,
  };
  return {
    'tokenizer.json': tokenizerJson,
    'tokenizer_config.json': json(tokenizerConfig),
    'special_tokens_map.json': json(specialTokensMap),
    'vocab.txt': `${tokens.join('\n')}\n`,
  };
}
