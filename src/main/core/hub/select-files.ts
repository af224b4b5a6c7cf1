import { AppError } from '../../../shared/errors';
import type { Variant } from '../../../shared/contract';
import type { RemoteFile } from './hub-client';

/** Files every sentence-embedding model needs to run, downloaded whenever the repo has them. */
export const INFERENCE_FILES = [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'modules.json',
  'sentence_bert_config.json',
  '1_Pooling/config.json',
] as const;

/** `*` stays within a folder, `**` crosses folders, `?` is one character. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const VARIANT_CANDIDATES: Record<Variant, { exact: string[]; pattern: RegExp }> = {
  fp32: { exact: ['onnx/model.onnx', 'model.onnx'], pattern: /^$/ },
  int8: { exact: ['onnx/model_quantized.onnx', 'onnx/model_int8.onnx', 'model_quantized.onnx'], pattern: /(^|\/)[^/]*(int8|quantized)[^/]*\.onnx$/ },
  fp16: { exact: ['onnx/model_fp16.onnx', 'model_fp16.onnx'], pattern: /(^|\/)[^/]*fp16[^/]*\.onnx$/ },
};

/** The ONNX file of a variant, or undefined when the repo has none. */
export function variantModel<F extends { path: string }>(files: F[], variant: Variant): F | undefined {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const c = VARIANT_CANDIDATES[variant];
  for (const p of c.exact) {
    const f = byPath.get(p);
    if (f) return f;
  }
  return files.filter((f) => c.pattern.test(f.path)).sort((a, b) => a.path.localeCompare(b.path))[0];
}

/**
 * What to download: the inference files present, the variant's ONNX model with its external data
 * (`model.onnx_data`, `model.onnx.data`), and whatever `include` globs match.
 */
export function selectFiles(repo: string, files: RemoteFile[], variant: Variant, include: string[]): RemoteFile[] {
  const chosen = new Map<string, RemoteFile>();
  const byPath = new Map(files.map((f) => [f.path, f]));
  for (const p of INFERENCE_FILES) {
    const f = byPath.get(p);
    if (f) chosen.set(p, f);
  }
  const model = variantModel(files, variant);
  if (!model) {
    const onnx = files.filter((f) => f.path.endsWith('.onnx')).map((f) => f.path);
    throw new AppError('HUB_NOT_FOUND', `${repo} has no ${variant} ONNX model.`, {
      hint: onnx.length
        ? `ONNX files in the repo: ${onnx.join(', ')}. Pick another --variant, or name files with --include.`
        : 'The repo has no ONNX export; name the files you need with --include.',
    });
  }
  chosen.set(model.path, model);
  for (const f of files) {
    if (f.path.startsWith(`${model.path}_data`) || f.path.startsWith(`${model.path}.data`)) chosen.set(f.path, f);
  }
  for (const glob of include) {
    const re = globToRegExp(glob);
    const matched = files.filter((f) => re.test(f.path));
    if (matched.length === 0) {
      throw new AppError('HUB_NOT_FOUND', `--include "${glob}" matches no file of ${repo}.`, {
        hint: 'Globs match repo paths: `*` within a folder, `**` across folders (for example "onnx/*.onnx" or "**/*.json").',
      });
    }
    for (const f of matched) chosen.set(f.path, f);
  }
  return [...chosen.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
