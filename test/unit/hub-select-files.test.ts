import { describe, expect, it } from 'vitest';
import type { RemoteFile } from '../../src/main/core/hub/hub-client';
import { globToRegExp, selectFiles } from '../../src/main/core/hub/select-files';
import { RepoIdSchema } from '../../src/shared/contract';

const file = (path: string): RemoteFile => ({ path, size: 1, blob: 'a'.repeat(40), algorithm: 'git-sha1' });
const repo = (...paths: string[]): RemoteFile[] => paths.map(file);
const paths = (files: RemoteFile[]): string[] => files.map((f) => f.path);

describe('choosing the files of a download', () => {
  const base = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'modules.json', '1_Pooling/config.json', 'README.md', 'pytorch_model.bin'];

  it('takes the inference files present and the fp32 model with its external data', () => {
    const files = repo(...base, 'onnx/model.onnx', 'onnx/model.onnx_data', 'onnx/model_quantized.onnx', 'onnx/model_fp16.onnx');
    expect(paths(selectFiles('a/b', files, 'fp32', []))).toEqual(['1_Pooling/config.json', 'config.json', 'modules.json', 'onnx/model.onnx', 'onnx/model.onnx_data', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
  });

  it('picks int8 and fp16 variants by their usual names', () => {
    const files = repo(...base, 'onnx/model.onnx', 'onnx/model_qint8_avx512.onnx', 'onnx/model_O4_fp16.onnx');
    expect(paths(selectFiles('a/b', files, 'int8', []))).toContain('onnx/model_qint8_avx512.onnx');
    expect(paths(selectFiles('a/b', files, 'fp16', []))).toContain('onnx/model_O4_fp16.onnx');
    expect(paths(selectFiles('a/b', repo(...base, 'onnx/model_quantized.onnx', 'onnx/model_int8.onnx'), 'int8', []))).toContain('onnx/model_quantized.onnx');
  });

  it('names the ONNX files there are when the variant is missing', () => {
    expect(() => selectFiles('a/b', repo(...base, 'onnx/model.onnx'), 'fp16', [])).toThrow(/no fp16 ONNX model/);
    try {
      selectFiles('a/b', repo(...base, 'onnx/model.onnx'), 'fp16', []);
    } catch (err) {
      expect((err as { hint: string }).hint).toContain('onnx/model.onnx');
    }
  });

  it('adds --include globs and refuses one that matches nothing', () => {
    const files = repo(...base, 'onnx/model.onnx', 'docs/a/b.md');
    expect(paths(selectFiles('a/b', files, 'fp32', ['*.md', '**/*.bin']))).toEqual(expect.arrayContaining(['README.md', 'pytorch_model.bin']));
    expect(paths(selectFiles('a/b', files, 'fp32', ['*.md']))).not.toContain('docs/a/b.md');
    expect(paths(selectFiles('a/b', files, 'fp32', ['docs/**']))).toContain('docs/a/b.md');
    expect(() => selectFiles('a/b', files, 'fp32', ['*.safetensors'])).toThrow(/matches no file/);
  });

  it('translates globs: * within a folder, ** across folders', () => {
    expect(globToRegExp('onnx/*.onnx').test('onnx/model.onnx')).toBe(true);
    expect(globToRegExp('*.onnx').test('onnx/model.onnx')).toBe(false);
    expect(globToRegExp('**/*.json').test('1_Pooling/config.json')).toBe(true);
    expect(globToRegExp('**/*.json').test('config.json')).toBe(true);
    expect(globToRegExp('model?.bin').test('model1.bin')).toBe(true);
  });

  it('validates repo ids', () => {
    for (const ok of ['sentence-transformers/all-MiniLM-L6-v2', 'BAAI/bge-m3', 'a/b.c_d']) expect(RepoIdSchema.safeParse(ok).success).toBe(true);
    for (const bad of ['nope', 'a/b/c', '/a', 'a/', 'a/b--c', 'a/..', 'a b/c', '-a/b']) expect(RepoIdSchema.safeParse(bad).success).toBe(false);
  });
});
