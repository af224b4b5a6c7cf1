import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { adoptedName, legacyRepoGuess, type AdoptLegacyResultDTO, type MethodParsedInput, type ModelDTO } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CoreServices } from '../core-services';
import { findModel, toModelDTO, upsertModel } from '../registry/model-store';
import { registerVersion, toVersionDTO } from '../registry/version-store';
import { sentenceTransformersRoot } from './detect-roots';
import { dirSize, exists, isDir } from './fs-walk';
import { registrySources, isSameOrInside } from './registry-links';
import { LEGACY_WEIGHTS } from './st-legacy-scan';

const Modules = z.array(z.object({ idx: z.number().optional(), name: z.string().optional(), path: z.string(), type: z.string() }));
const PoolingConfig = z.object({
  word_embedding_dimension: z.number().int().positive().optional(),
  pooling_mode_cls_token: z.boolean().optional(),
  pooling_mode_mean_tokens: z.boolean().optional(),
  pooling_mode_max_tokens: z.boolean().optional(),
  pooling_mode_mean_sqrt_len_tokens: z.boolean().optional(),
  pooling_mode_weightedmean_tokens: z.boolean().optional(),
  pooling_mode_lasttoken: z.boolean().optional(),
});
const DenseConfig = z.object({ out_features: z.number().int().positive() });
const SbertConfig = z.object({ max_seq_length: z.number().int().positive().optional() });
const HfConfig = z.object({ hidden_size: z.number().int().positive().optional() });

async function readJson<T>(file: string, schema: z.ZodType<T>): Promise<T | null> {
  try {
    const parsed = schema.safeParse(JSON.parse(await fs.readFile(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

type Pooling = NonNullable<ModelDTO['pooling']>;

/** The one pooling mode the config turns on, in the registry's words; null when none or several are on. */
function poolingOf(c: z.infer<typeof PoolingConfig>): { pooling: Pooling | null; why: string } {
  const modes: Array<[boolean | undefined, Pooling | null, string]> = [
    [c.pooling_mode_mean_tokens, 'mean', 'mean'],
    [c.pooling_mode_cls_token, 'cls', 'cls'],
    [c.pooling_mode_max_tokens, 'max', 'max'],
    [c.pooling_mode_lasttoken, 'lasttoken', 'lasttoken'],
    [c.pooling_mode_mean_sqrt_len_tokens, null, 'mean_sqrt_len'],
    [c.pooling_mode_weightedmean_tokens, null, 'weightedmean'],
  ];
  const on = modes.filter(([flag]) => flag === true);
  const [only] = on;
  if (on.length === 1 && only) return { pooling: only[1], why: only[1] ? `pooling ${only[1]}` : `pooling ${only[2]} has no registry name: left empty` };
  return { pooling: null, why: on.length === 0 ? 'no pooling mode is on: pooling left empty' : `several pooling modes (${on.map((m) => m[2]).join(', ')}): pooling left empty` };
}

interface FolderFacts {
  dimension: number | null;
  maxSeqLength: number | null;
  pooling: Pooling | null;
  stVersion: string | null;
  messages: string[];
}

/**
 * Reads what a sentence-transformers folder says about itself. Refuses a folder that is not one: no
 * modules.json, or a Transformer module without config.json or weights (a half-copied cache).
 */
export async function readSentenceTransformersFolder(dir: string): Promise<FolderFacts> {
  const notOne = (why: string): AppError =>
    new AppError('INVALID_INPUT', `${dir} is not a sentence-transformers model: ${why}.`, {
      hint: 'A sentence-transformers folder has modules.json, config.json and the weights (model.safetensors or pytorch_model.bin).',
    });
  if (!(await isDir(dir))) throw new AppError('NOT_FOUND', `No folder at ${dir}.`, { hint: 'See legacy folders with `model-center detect`.' });
  if (!(await exists(path.join(dir, 'modules.json')))) throw notOne('no modules.json');
  const modules = await readJson(path.join(dir, 'modules.json'), Modules);
  if (!modules) throw notOne('modules.json is not a list of modules');
  // Old saves put the transformer in `0_Transformer/` (or `0_BERT/`); newer ones at the top (path "").
  const transformer = modules.find((m) => /Transformer|BERT|Roberta|models\.[A-Z]\w*Model/i.test(m.type) && !/Pooling|Dense|Normalize/i.test(m.type));
  const tdir = path.join(dir, transformer?.path ?? '');
  if (!(await exists(path.join(tdir, 'config.json')))) throw notOne(`no config.json in ${path.relative(dir, tdir) || 'the folder'}`);
  let weights = false;
  for (const w of LEGACY_WEIGHTS) if (await exists(path.join(tdir, w))) weights = true;
  if (!weights) throw notOne(`no weights (${LEGACY_WEIGHTS.join(' or ')})`);

  const messages: string[] = [];
  const poolingModule = modules.find((m) => /Pooling/.test(m.type));
  const poolingConf = poolingModule ? await readJson(path.join(dir, poolingModule.path, 'config.json'), PoolingConfig) : null;
  const denses = modules.filter((m) => /Dense/.test(m.type));
  const lastDense = denses.at(-1);
  const dense = lastDense ? await readJson(path.join(dir, lastDense.path, 'config.json'), DenseConfig) : null;
  let dimension: number | null = null;
  if (dense && lastDense) {
    dimension = dense.out_features;
    messages.push(`dimension ${dimension} from ${lastDense.path}/config.json (Dense layer out_features)`);
  } else if (poolingConf?.word_embedding_dimension && poolingModule) {
    dimension = poolingConf.word_embedding_dimension;
    messages.push(`dimension ${dimension} from ${poolingModule.path}/config.json`);
  } else {
    dimension = (await readJson(path.join(tdir, 'config.json'), HfConfig))?.hidden_size ?? null;
    messages.push(dimension ? `dimension ${dimension} from config.json hidden_size (no pooling config)` : 'dimension unknown: no pooling config and no hidden_size');
  }
  let pooling: Pooling | null = null;
  if (poolingConf) {
    const p = poolingOf(poolingConf);
    pooling = p.pooling;
    messages.push(p.why);
  } else messages.push('no pooling module config: pooling left empty');
  const sbert = (await readJson(path.join(tdir, 'sentence_bert_config.json'), SbertConfig)) ?? (await readJson(path.join(dir, 'sentence_bert_config.json'), SbertConfig));
  const maxSeqLength = sbert?.max_seq_length ?? null;
  messages.push(maxSeqLength ? `max sequence length ${maxSeqLength} from sentence_bert_config.json` : 'max sequence length unknown (no sentence_bert_config.json)');
  const version = await readJson(path.join(dir, 'config_sentence_transformers.json'), z.object({ __version__: z.object({ sentence_transformers: z.string().optional() }).optional() }));
  return { dimension, maxSeqLength, pooling, stVersion: version?.__version__?.sentence_transformers ?? null, messages };
}

/**
 * `detect.adoptLegacy`: a folder of the pre-2.3 sentence-transformers cache (or any folder that model.save()
 * wrote) becomes a registry model (embedding, provider local, source {kind: path}) with a first version in
 * development. The registry write is one transaction; a name that exists, or a folder already adopted, is refused.
 */
export async function adoptLegacy(core: CoreServices, input: MethodParsedInput<'detect.adoptLegacy'>): Promise<AdoptLegacyResultDTO> {
  const dir = path.resolve(input.path);
  const facts = await readSentenceTransformersFolder(dir);
  const name = input.name ?? adoptedName(path.basename(dir));
  if (!name) {
    throw new AppError('INVALID_INPUT', `No registry name can be made from the folder name "${path.basename(dir)}".`, { hint: 'Give one with --name (lowercase letters, digits, ".", "_" or "-").' });
  }
  const already = registrySources(core.db).find((r) => r.source.kind === 'path' && isSameOrInside(dir, r.source.path) && isSameOrInside(r.source.path, dir));
  if (already) throw new AppError('CONFLICT', `${dir} is already in the registry as model "${already.name}".`, { hint: `See it with \`model-center versions ${already.name}\`.` });
  const legacyRoot = sentenceTransformersRoot(core.env);
  const inLegacy = isSameOrInside(dir, legacyRoot) && dir !== path.resolve(legacyRoot);
  const repoGuess = legacyRepoGuess(path.basename(dir));
  const { bytes } = await dirSize(dir);
  const notes = [
    inLegacy ? `Adopted from the legacy sentence-transformers cache: ${dir}.` : `Adopted from the sentence-transformers folder ${dir}.`,
    inLegacy ? `Probably the Hub repo ${repoGuess}.` : null,
    facts.stVersion ? `Saved by sentence-transformers ${facts.stVersion}.` : null,
  ]
    .filter(Boolean)
    .join(' ');

  const { model, version, messages } = core.db
    .transaction(() => {
      const taken = findModel(core.db, name);
      if (taken) {
        throw new AppError('CONFLICT', `A registry model named "${name}"${taken.name === name ? '' : ` (alias of ${taken.name})`} already exists.`, {
          hint: 'Choose another name with --name, or register a new version of that model instead.',
        });
      }
      const row = upsertModel(core.db, {
        name,
        type: 'embedding',
        provider: 'local',
        source: { kind: 'path', path: dir },
        dimension: facts.dimension,
        maxSeqLength: facts.maxSeqLength,
        pooling: facts.pooling,
        sizeBytes: bytes,
        notes,
      });
      const reg = registerVersion(core.db, row, { version: input.version, description: `Adopted from ${dir}`, status: 'development' });
      return { model: toModelDTO(core.db, row), version: toVersionDTO(core.db, row, reg.row), messages: [...reg.messages, ...facts.messages] };
    })
    .immediate();
  core.bus.emit('registry.changed', { model: name, action: 'adoptLegacy' });
  core.log.info(`adopted ${dir} as registry model ${name} ${version.version}`);
  return { model, version, messages };
}
