// The benchmark model and corpus, shared by the embedding benches: a MiniLM-L6-shaped model generated once into
// bench/models/ (git-ignored), and the fixed corpus committed in resources/bench-corpus.json.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATOR_VERSION, generateEmbeddingModel, MODEL_PRESETS } from '../../scripts/test-models/index';

export interface CorpusText {
  lang: 'en' | 'ru';
  kind: 'query' | 'sentence' | 'passage' | 'long';
  text: string;
}

export interface BenchCorpus {
  about: string;
  version: number;
  texts: CorpusText[];
}

const MODELS_DIR = fileURLToPath(new URL('../models', import.meta.url));

/**
 * The MiniLM-L6-shaped model (6 layers, hidden 384, 12 heads, FFN 1536, vocab 30522) with fp32 and dynamic int8
 * ONNX files; generated (~10 s, ~110 MB) when missing or made by another generator version.
 */
export function ensureBenchModel(log: (line: string) => void = () => undefined): string {
  const dir = path.join(MODELS_DIR, 'minilm-l6');
  const stamp = path.join(dir, '.generator-version');
  const complete = ['onnx/model.onnx', 'onnx/model_quantized.onnx', 'tokenizer.json'].every((f) => fs.existsSync(path.join(dir, f)));
  if (!complete || !fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8') !== GENERATOR_VERSION) {
    const t0 = performance.now();
    generateEmbeddingModel(dir, { ...MODEL_PRESETS['minilm-l6'], int8: true });
    fs.writeFileSync(stamp, GENERATOR_VERSION);
    log(`generated ${dir} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return dir;
}

export function loadBenchCorpus(): BenchCorpus {
  const file = fileURLToPath(new URL('../../resources/bench-corpus.json', import.meta.url));
  return JSON.parse(fs.readFileSync(file, 'utf8')) as BenchCorpus;
}
