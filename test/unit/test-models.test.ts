import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { BERT_INPUTS, BERT_OUTPUT, generateEmbeddingModel, MODEL_PRESETS, readProbePairs, resolveSpec } from '../../scripts/test-models/index';
import { buildVocabulary, probeConcepts } from '../../scripts/test-models/vocabulary';
import { cosine, generatedTestModel, placeInHfCache, referenceEmbedder, testModel, type ReferenceEmbedder } from '../support/embedding-models';
import { buildRepo } from '../support/hub-server/hub-repo';
import { hubFilesFromFolder } from '../support/hub-server/fixtures';
import { makeTempDir, removeDir } from '../support/temp-home';

const temps: string[] = [];
const tempDir = (): string => {
  const dir = makeTempDir('mc-test-models-');
  temps.push(dir);
  return dir;
};
const embedders: ReferenceEmbedder[] = [];
const embedder = async (folder: string, quantized = false): Promise<ReferenceEmbedder> => {
  const e = await referenceEmbedder(folder, { quantized });
  embedders.push(e);
  return e;
};
afterAll(async () => {
  await Promise.all(embedders.map((e) => e.release()));
  temps.forEach(removeDir);
});

const readJson = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
const sha256Of = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const EXPECTED_FILES = [
  '.gitattributes',
  '1_Pooling/config.json',
  'README.md',
  'config.json',
  'config_sentence_transformers.json',
  'modules.json',
  'onnx/model.onnx',
  'onnx/model_quantized.onnx',
  'sentence_bert_config.json',
  'special_tokens_map.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'vocab.txt',
];

describe('generated test models: files', () => {
  it('writes a sentence-transformers ONNX export, byte-identical for the same spec', () => {
    const t0 = performance.now();
    const first = generateEmbeddingModel(tempDir(), 'tiny-32');
    const ms = performance.now() - t0;
    const second = generateEmbeddingModel(tempDir(), 'tiny-32');
    expect(first.files).toEqual(EXPECTED_FILES);
    for (const rel of first.files) expect(sha256Of(path.join(second.dir, rel)), rel).toBe(sha256Of(path.join(first.dir, rel)));
    expect(ms).toBeLessThan(1000);

    const reseeded = generateEmbeddingModel(tempDir(), { ...MODEL_PRESETS['tiny-32'], seed: 7 });
    expect(sha256Of(reseeded.onnx.fp32)).not.toBe(sha256Of(first.onnx.fp32));
  });

  it('describes the architecture in config.json and the modules in the sentence-transformers files', () => {
    const model = generatedTestModel('tiny-64');
    const config = readJson(path.join(model.dir, 'config.json'));
    expect(config).toMatchObject({
      architectures: ['BertModel'],
      model_type: 'bert',
      hidden_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      intermediate_size: 128,
      max_position_embeddings: 128,
      vocab_size: model.vocabSize,
    });
    expect(readJson(path.join(model.dir, '1_Pooling/config.json'))).toMatchObject({ word_embedding_dimension: 64, pooling_mode_mean_tokens: true, pooling_mode_cls_token: false });
    const modules = JSON.parse(fs.readFileSync(path.join(model.dir, 'modules.json'), 'utf8')) as Array<{ path: string; type: string }>;
    expect(modules.map((m) => [m.path, m.type.split('.').pop()])).toEqual([
      ['', 'Transformer'],
      ['1_Pooling', 'Pooling'],
      ['2_Normalize', 'Normalize'],
    ]);
    expect(readJson(path.join(model.dir, 'sentence_bert_config.json'))).toEqual({ max_seq_length: 128, do_lower_case: false });
    expect(readJson(path.join(model.dir, 'tokenizer_config.json'))).toMatchObject({ tokenizer_class: 'BertTokenizer', do_lower_case: true, cls_token: '[CLS]', pad_token: '[PAD]' });
    expect(fs.readFileSync(path.join(model.dir, 'vocab.txt'), 'utf8').split('\n').slice(0, 1)).toEqual(['[PAD]']);
  });

  it('takes pooling and normalize options', () => {
    const cls = generatedTestModel({ ...MODEL_PRESETS['tiny-32'], pooling: 'cls', normalize: false });
    expect(readJson(path.join(cls.dir, '1_Pooling/config.json'))).toMatchObject({ pooling_mode_cls_token: true, pooling_mode_mean_tokens: false });
    expect(fs.readFileSync(path.join(cls.dir, 'modules.json'), 'utf8')).not.toContain('Normalize');
    const max = generatedTestModel({ ...MODEL_PRESETS['tiny-32'], pooling: 'max' });
    expect(readJson(path.join(max.dir, '1_Pooling/config.json'))).toMatchObject({ pooling_mode_max_tokens: true });
    expect(() => resolveSpec({ ...MODEL_PRESETS['tiny-32'], numHeads: 3 })).toThrow(/divisible/);
  });

  it('gives the MiniLM preset exactly the shape of all-MiniLM-L6-v2 and a 30522-token vocabulary', () => {
    expect(resolveSpec('minilm-l6')).toMatchObject({ numLayers: 6, hiddenSize: 384, numHeads: 12, intermediateSize: 1536, maxPositionEmbeddings: 512, maxSeqLength: 256 });
    const vocab = buildVocabulary({ size: 30522 });
    expect(vocab.tokens).toHaveLength(30522);
    expect(new Set(vocab.tokens).size).toBe(30522);
  });
});

describe('generated test models: tokenizer', () => {
  it('encodes Russian and English probe words as whole vocabulary words through @huggingface/tokenizers', async () => {
    const { tokenizer } = await embedder(testModel('tiny-32'));
    expect(tokenizer.encode('Заработная плата').tokens).toEqual(['[CLS]', 'заработная', 'плата', '[SEP]']);
    expect(tokenizer.encode('recover a forgotten password').tokens).toEqual(['[CLS]', 'recover', 'a', 'forgotten', 'password', '[SEP]']);
    // й and ё survive normalisation (strip_accents: false), so these stay whole too.
    expect(tokenizer.encode('Рецепт борща со свёклой, забытый!').tokens).toEqual(['[CLS]', 'рецепт', 'борща', 'со', 'свёклой', ',', 'забытый', '!', '[SEP]']);
    expect(tokenizer.encode('Заработная').ids.slice(0, 1)).toEqual([101]);
    for (const pair of readProbePairs()) {
      for (const text of [pair.a, pair.b, pair.unrelated]) expect(tokenizer.encode(text).tokens, text).not.toContain('[UNK]');
    }
  });

  it('splits unknown words into pieces instead of [UNK]', async () => {
    const { tokenizer } = await embedder(testModel('tiny-32'));
    const tokens = tokenizer.encode('переподключение unsubscribing').tokens;
    expect(tokens).not.toContain('[UNK]');
    expect(tokens.filter((t) => t.startsWith('##')).length).toBeGreaterThan(1);
    expect(tokenizer.decode(tokenizer.encode('переподключение unsubscribing').ids, { skip_special_tokens: true })).toBe('переподключение unsubscribing');
  });

  it('shares a concept only among the words of one pair that occur nowhere else', () => {
    const concepts = probeConcepts(readProbePairs());
    expect(concepts.get('зарплата')).toBe(concepts.get('плата'));
    expect(concepts.get('зарплата')).not.toBe(concepts.get('пароль'));
    expect(concepts.has('a')).toBe(false); // also in "a recipe for tomato soup"
  });
});

describe('generated test models: inference', () => {
  it.each(['tiny-32', 'tiny-64'] as const)('%s: onnxruntime-node runs model.onnx and model_quantized.onnx on a padded batch', async (spec) => {
    const model = generatedTestModel(spec);
    for (const quantized of [false, true]) {
      const e = await embedder(model.dir, quantized);
      expect(e.session.inputNames).toEqual([...BERT_INPUTS]);
      expect(e.session.outputNames).toEqual([BERT_OUTPUT]);
      const { data, dims, mask } = await e.hidden(['зарплата', 'how to reset my password today']);
      expect(dims).toEqual([2, mask[0]?.length, model.dimension]);
      expect(mask[0]?.filter(Boolean)).toHaveLength(3);
      expect(data.every(Number.isFinite)).toBe(true);
    }
  });

  it('ignores padding: a short text padded next to a long one embeds as it does alone', async () => {
    const { dir, dimension } = generatedTestModel('tiny-32');
    const e = await embedder(dir);
    const short = 'зарплата';
    const long = 'восстановить забытый пароль и заработная плата за месяц в компании';
    const [alone] = await e.embed([short]);
    const [padded] = await e.embed([short, long]);
    expect(cosine(alone ?? [], padded ?? [])).toBeGreaterThan(0.9999);

    // The same batch with the padding unmasked moves the vector: the mask is what keeps it still.
    const ids = [...e.tokenizer.encode(short).ids];
    const seq = e.tokenizer.encode(long).ids.length;
    const input = BigInt64Array.from({ length: seq }, (_, i) => BigInt(ids[i] ?? 0));
    const run = async (maskAll: boolean): Promise<Float32Array> => {
      const mask = BigInt64Array.from({ length: seq }, (_, i) => (maskAll || i < ids.length ? 1n : 0n));
      const out = await e.session.run({
        input_ids: new ort.Tensor('int64', input, [1, seq]),
        attention_mask: new ort.Tensor('int64', mask, [1, seq]),
        token_type_ids: new ort.Tensor('int64', new BigInt64Array(seq), [1, seq]),
      });
      return (out[BERT_OUTPUT]?.data as Float32Array).slice(0, dimension); // the first token's vector
    };
    expect(cosine(await run(false), await run(true))).toBeLessThan(0.9999);
  });

  it.each(['tiny-32', 'tiny-64'] as const)('%s: every probe pair is closer than its unrelated text, fp32 and int8', async (spec) => {
    const dir = testModel(spec);
    for (const quantized of [false, true]) {
      const e = await embedder(dir, quantized);
      for (const p of readProbePairs()) {
        const [a = [], b = [], u = []] = await e.embed([p.a, p.b, p.unrelated]);
        expect(cosine(a, b), `${spec} ${quantized ? 'int8' : 'fp32'} ${p.a}`).toBeGreaterThan(cosine(a, u) + 0.1);
      }
    }
  });

  it.each(['tiny-32', 'tiny-64'] as const)('%s: int8 stays within cosine 0.99 of fp32 on the probe texts', async (spec) => {
    const dir = testModel(spec);
    const texts = readProbePairs().flatMap((p) => [p.a, p.b, p.unrelated]);
    const fp32 = await (await embedder(dir)).embed(texts);
    const int8 = await (await embedder(dir, true)).embed(texts);
    fp32.forEach((v, i) => expect(cosine(v, int8[i] ?? []), texts[i]).toBeGreaterThanOrEqual(0.99));
  });

  it('pools per 1_Pooling: cls and max differ from mean, and normalize off leaves the norm alone', async () => {
    const base = MODEL_PRESETS['tiny-32'];
    const text = 'как сбросить пароль';
    const [mean = []] = await (await embedder(testModel('tiny-32'))).embed([text]);
    const [cls = []] = await (await embedder(testModel({ ...base, pooling: 'cls', normalize: false }))).embed([text]);
    const [max = []] = await (await embedder(testModel({ ...base, pooling: 'max' }))).embed([text]);
    expect(cosine(mean, cls)).toBeLessThan(0.999);
    expect(cosine(mean, max)).toBeLessThan(0.999);
    expect(Math.hypot(...cls)).toBeGreaterThan(1.5); // LayerNorm output: about √hidden, not 1
  });

  it('loads in @huggingface/transformers (local files only) with the same pooled vectors', async () => {
    const { env, pipeline } = await import('@huggingface/transformers');
    const dir = testModel('tiny-32');
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = `${path.dirname(dir)}/`;
    const texts = ['Заработная плата', 'recover a forgotten password', 'прогноз погоды'];
    const expected = await (await embedder(dir)).embed(texts);
    for (const [dtype, quantized] of [['fp32', false], ['q8', true]] as const) {
      const extractor = await pipeline('feature-extraction', path.basename(dir), { local_files_only: true, dtype });
      const out = await extractor(texts, { pooling: 'mean', normalize: true });
      expect(out.dims).toEqual([3, 32]);
      const reference = quantized ? await (await embedder(dir, true)).embed(texts) : expected;
      const data = out.data as Float32Array;
      reference.forEach((v, i) => expect(cosine(v, data.subarray(i * 32, (i + 1) * 32))).toBeGreaterThan(0.9999));
      await extractor.dispose();
    }
  });
});

describe('generated test models: hub cache and hub server', () => {
  it('places a model in the hub cache layout with the commit the loopback hub would report', () => {
    const dir = testModel('tiny-32');
    const cache = tempDir();
    const placed = placeInHfCache(cache, 'acme/tiny-32', dir);
    const hubCommit = buildRepo({ id: 'acme/tiny-32', files: hubFilesFromFolder(dir) }).branches.get('main')?.commit;
    expect(placed.commit).toBe(hubCommit);
    expect(placed.repoDir).toBe(path.join(cache, 'models--acme--tiny-32'));
    expect(fs.readFileSync(path.join(placed.repoDir, 'refs/main'), 'utf8')).toBe(placed.commit);
    const link = path.join(placed.snapshotDir, 'onnx/model.onnx');
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    const sha = sha256Of(path.join(dir, 'onnx/model.onnx'));
    expect(fs.realpathSync(link)).toBe(fs.realpathSync(path.join(placed.repoDir, 'blobs', sha)));
    expect(sha256Of(link)).toBe(sha);

    const pinned = placeInHfCache(cache, 'acme/other', dir, { revision: 'a'.repeat(40), ref: 'v1' });
    expect(fs.readFileSync(path.join(pinned.repoDir, 'refs/v1'), 'utf8')).toBe('a'.repeat(40));
    expect(() => placeInHfCache(cache, 'acme/bad', dir, { revision: 'main' })).toThrow(/40-hex/);
  });

  it('turns a model folder into hub-server files, ONNX in LFS as .gitattributes says', () => {
    const files = hubFilesFromFolder(testModel('tiny-32'));
    expect(files.map((f) => f.path)).toEqual(EXPECTED_FILES);
    expect(files.filter((f) => f.lfs).map((f) => f.path)).toEqual(['onnx/model.onnx', 'onnx/model_quantized.onnx']);
  });
});
