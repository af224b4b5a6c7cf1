/**
 * Generates a sentence-transformers-style BERT ONNX model folder for tests and benchmarks.
 *
 *   node --import tsx scripts/generate-test-models.ts --out DIR [--spec tiny-32|tiny-64|minilm-l6] [--int8]
 *       [--pooling mean|cls|max] [--no-normalize] [--weight-type int8|uint8] [--position-scale X]
 *
 * e.g. the benchmark model (~90 MB, into a git-ignored folder):
 *   node --import tsx scripts/generate-test-models.ts --out bench/models/minilm-l6 --spec minilm-l6 --int8
 * and a deliberately worse model (vectors ruled by text length more than words), to see the quality gate trip:
 *   node --import tsx scripts/generate-test-models.ts --out /tmp/poor-64 --spec tiny-64 --position-scale 3
 */
import { parseArgs } from 'node:util';
import { generateEmbeddingModel, isModelPreset, MODEL_PRESETS, type ModelSpec, type PoolingMode, type WeightType } from './test-models/index';

const USAGE = 'usage: generate-test-models --out DIR [--spec tiny-32|tiny-64|minilm-l6] [--int8] [--pooling mean|cls|max] [--no-normalize] [--weight-type int8|uint8] [--position-scale X]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        out: { type: 'string' },
        spec: { type: 'string', default: 'tiny-32' },
        int8: { type: 'boolean', default: false },
        pooling: { type: 'string' },
        'no-normalize': { type: 'boolean', default: false },
        'weight-type': { type: 'string' },
        'position-scale': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!values.out) fail('--out is required');
  if (!isModelPreset(values.spec)) fail(`unknown --spec ${values.spec}`);
  const pooling = values.pooling;
  if (pooling !== undefined && pooling !== 'mean' && pooling !== 'cls' && pooling !== 'max') fail(`unknown --pooling ${pooling}`);
  const weightType = values['weight-type'];
  if (weightType !== undefined && weightType !== 'int8' && weightType !== 'uint8') fail(`unknown --weight-type ${weightType}`);

  const positionScale = values['position-scale'] === undefined ? undefined : Number(values['position-scale']);
  if (positionScale !== undefined && !(positionScale >= 0)) fail('--position-scale must be a number ≥ 0');

  const preset = MODEL_PRESETS[values.spec];
  const spec: ModelSpec = {
    ...preset,
    // Tiny presets always carry their int8 variant; --int8 adds it to the others.
    int8: values.int8 || preset.int8,
    ...(pooling ? { pooling: pooling as PoolingMode } : {}),
    ...(values['no-normalize'] ? { normalize: false } : {}),
    ...(weightType ? { weightType: weightType as WeightType } : {}),
    // A name of its own, so it is never taken for the preset it was made from.
    ...(positionScale !== undefined ? { positionScale, name: `${preset.name}-position-${positionScale}` } : {}),
  };
  const started = performance.now();
  const model = generateEmbeddingModel(values.out, spec);
  const ms = performance.now() - started;
  process.stdout.write(`${model.spec.name}: ${model.files.length} files in ${model.dir} (dim ${model.dimension}, vocab ${model.vocabSize}) in ${ms.toFixed(0)} ms\n`);
}

main();
