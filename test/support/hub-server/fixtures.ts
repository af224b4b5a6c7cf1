import fs from 'node:fs';
import path from 'node:path';
import type { HubFileInput, HubRepoInput } from './hub-repo';
import { pseudoRandomBytes } from './hub-repo';

/** The files of a sentence-transformers model as exported for ONNX, with synthetic weights. */
export function sentenceModelFiles(seed = 1, lfsBytes = 3 * 1024 * 1024): HubFileInput[] {
  const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;
  return [
    { path: '.gitattributes', content: '*.onnx filter=lfs diff=lfs merge=lfs -text\n' },
    { path: 'README.md', content: `# test model ${seed}\n` },
    { path: 'config.json', content: json({ architectures: ['BertModel'], hidden_size: 32, model_type: 'bert', seed }) },
    { path: 'tokenizer.json', content: json({ version: '1.0', model: { type: 'WordPiece', vocab: { '[PAD]': 0, '[UNK]': 1 } } }) },
    { path: 'tokenizer_config.json', content: json({ model_max_length: 128, do_lower_case: true }) },
    { path: 'special_tokens_map.json', content: json({ pad_token: '[PAD]', unk_token: '[UNK]' }) },
    { path: 'modules.json', content: json([{ idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' }, { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' }]) },
    { path: 'sentence_bert_config.json', content: json({ max_seq_length: 128, do_lower_case: false }) },
    { path: '1_Pooling/config.json', content: json({ word_embedding_dimension: 32, pooling_mode_mean_tokens: true }) },
    { path: 'onnx/model.onnx', content: pseudoRandomBytes(lfsBytes, seed), lfs: true },
    { path: 'onnx/model_quantized.onnx', content: pseudoRandomBytes(Math.floor(lfsBytes / 4), seed + 100), lfs: true },
    { path: 'onnx/model_fp16.onnx', content: pseudoRandomBytes(Math.floor(lfsBytes / 2), seed + 200), lfs: true },
    { path: 'pytorch_model.bin', content: pseudoRandomBytes(64 * 1024, seed + 300), lfs: true },
  ];
}

export function sentenceRepo(id: string, extra: Partial<HubRepoInput> = {}): HubRepoInput {
  return { id, files: sentenceModelFiles(), ...extra };
}

/** `*.ext` patterns that a folder's .gitattributes sends to LFS (`filter=lfs`), as the Hub's default file has them. */
function lfsPatterns(gitattributes: string | undefined): RegExp[] {
  if (gitattributes === undefined) return [];
  return gitattributes
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((parts) => parts.includes('filter=lfs') && parts[0])
    .map(([glob]) => new RegExp(`^${(glob ?? '').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`));
}

/**
 * The files of a model folder on disk (e.g. a generated test model) as hub-server input, paths '/'-separated and
 * sorted; a file is LFS when the folder's .gitattributes says so, as the Hub decides it, whatever its size.
 */
export function hubFilesFromFolder(folder: string): HubFileInput[] {
  const rels: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(folder, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) rels.push(child);
    }
  };
  walk('');
  rels.sort();
  const attributes = path.join(folder, '.gitattributes');
  const patterns = lfsPatterns(fs.existsSync(attributes) ? fs.readFileSync(attributes, 'utf8') : undefined);
  return rels.map((rel) => {
    const base = rel.slice(rel.lastIndexOf('/') + 1);
    return { path: rel, content: fs.readFileSync(path.join(folder, rel)), lfs: patterns.some((re) => re.test(base)) };
  });
}
