import { z } from 'zod';
import { ModelSourceSchema, POOLINGS, type ModelDTO, type ModelInput, type ModelSource, ModelInputSchema } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { Db } from '../db/open-database';

export interface ModelRow {
  id: number;
  name: string;
  type: ModelDTO['type'];
  provider: ModelDTO['provider'];
  source: string | null;
  dimension: number | null;
  max_seq_length: number | null;
  pooling: string | null;
  size_bytes: number | null;
  license: string | null;
  notes: string | null;
  current_version: string | null;
  previous_version: string | null;
  created_at: string;
  updated_at: string;
}

const PoolingSchema = z.enum(POOLINGS).nullable();

/** Which source kind each provider's files come from; a mismatch is almost always a typo in a script. */
const SOURCE_FOR_PROVIDER: Record<ModelDTO['provider'], ModelSource['kind']> = {
  huggingface: 'hub',
  ollama: 'ollama',
  vosk: 'path',
  local: 'path',
};

export function toModelDTO(db: Db, row: ModelRow): ModelDTO {
  const aliases = db.prepare('SELECT alias FROM registry_aliases WHERE model_id = ? ORDER BY alias').pluck().all(row.id) as string[];
  return {
    name: row.name,
    type: row.type,
    provider: row.provider,
    // Stored as JSON written by us; parsed again so a hand-edited row cannot smuggle a bad shape out.
    source: row.source === null ? null : ModelSourceSchema.parse(JSON.parse(row.source)),
    aliases,
    dimension: row.dimension,
    maxSeqLength: row.max_seq_length,
    pooling: PoolingSchema.parse(row.pooling),
    sizeBytes: row.size_bytes,
    license: row.license,
    notes: row.notes,
    currentVersion: row.current_version,
    previousVersion: row.previous_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function findModel(db: Db, ref: string): ModelRow | undefined {
  const key = ref.trim().toLowerCase();
  return (db.prepare('SELECT * FROM registry_models WHERE name = ?').get(key) ??
    db.prepare('SELECT m.* FROM registry_models m JOIN registry_aliases a ON a.model_id = m.id WHERE a.alias = ?').get(key)) as
    | ModelRow
    | undefined;
}

export function requireModel(db: Db, ref: string): ModelRow {
  const row = findModel(db, ref);
  if (!row) {
    throw new AppError('MODEL_NOT_FOUND', `No model named "${ref}" is registered.`, {
      hint: 'List models with `model-center versions <model>` after registering, or see registry.listModels; names and aliases are accepted.',
    });
  }
  return row;
}

export function listModelRows(db: Db, filter: { type?: string; provider?: string }): ModelRow[] {
  return db
    .prepare('SELECT * FROM registry_models WHERE (@type IS NULL OR type = @type) AND (@provider IS NULL OR provider = @provider) ORDER BY name')
    .all({ type: filter.type ?? null, provider: filter.provider ?? null }) as ModelRow[];
}

/**
 * Creates or updates a model (the name is the key). Aliases are replaced by the given list; an alias taken by
 * another model, or equal to another model's name, is refused so every reference resolves to one model.
 */
export function upsertModel(db: Db, raw: ModelInput, now = new Date().toISOString()): ModelRow {
  const input = ModelInputSchema.parse(raw);
  if (input.source && input.source.kind !== SOURCE_FOR_PROVIDER[input.provider]) {
    throw new AppError('INVALID_INPUT', `A ${input.provider} model needs a "${SOURCE_FOR_PROVIDER[input.provider]}" source, not "${input.source.kind}".`, {
      hint: 'huggingface → {kind:"hub", repoId, revision}; ollama → {kind:"ollama", tag}; vosk/local → {kind:"path", path}.',
      issues: [{ path: 'source.kind', message: `must be ${SOURCE_FOR_PROVIDER[input.provider]} for provider ${input.provider}` }],
    });
  }
  const aliases = [...new Set(input.aliases.filter((a) => a !== input.name))];
  const existing = db.prepare('SELECT * FROM registry_models WHERE name = ?').get(input.name) as ModelRow | undefined;
  for (const alias of aliases) {
    const owner = findModel(db, alias);
    if (owner && owner.name !== input.name) {
      throw new AppError('CONFLICT', `Alias "${alias}" already refers to model "${owner.name}".`, {
        hint: 'Pick another alias, or remove it from that model first.',
        issues: [{ path: 'aliases', message: `"${alias}" is taken` }],
      });
    }
  }
  const aliasOwner = db.prepare('SELECT m.name FROM registry_aliases a JOIN registry_models m ON m.id = a.model_id WHERE a.alias = ?').pluck().get(input.name) as
    | string
    | undefined;
  if (aliasOwner && aliasOwner !== input.name) {
    throw new AppError('CONFLICT', `"${input.name}" is already an alias of model "${aliasOwner}".`, { hint: 'Choose another name.' });
  }
  const values = {
    name: input.name,
    type: input.type,
    provider: input.provider,
    source: input.source ? JSON.stringify(input.source) : null,
    dimension: input.dimension,
    max_seq_length: input.maxSeqLength,
    pooling: input.pooling,
    size_bytes: input.sizeBytes,
    license: input.license,
    notes: input.notes,
    now,
  };
  let id: number;
  if (existing) {
    db.prepare(
      `UPDATE registry_models SET type=@type, provider=@provider, source=@source, dimension=@dimension, max_seq_length=@max_seq_length,
         pooling=@pooling, size_bytes=@size_bytes, license=@license, notes=@notes, updated_at=@now WHERE name=@name`,
    ).run(values);
    id = existing.id;
  } else {
    id = Number(
      db
        .prepare(
          `INSERT INTO registry_models (name, type, provider, source, dimension, max_seq_length, pooling, size_bytes, license, notes, created_at, updated_at)
           VALUES (@name, @type, @provider, @source, @dimension, @max_seq_length, @pooling, @size_bytes, @license, @notes, @now, @now)`,
        )
        .run(values).lastInsertRowid,
    );
  }
  db.prepare('DELETE FROM registry_aliases WHERE model_id = ?').run(id);
  const addAlias = db.prepare('INSERT INTO registry_aliases (alias, model_id) VALUES (?, ?)');
  for (const alias of aliases) addAlias.run(alias, id);
  return db.prepare('SELECT * FROM registry_models WHERE id = ?').get(id) as ModelRow;
}
