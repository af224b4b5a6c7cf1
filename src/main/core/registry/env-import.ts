import type { ImportReport } from '../../../shared/contract';
import { MODEL_NAME_RE } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { Db } from '../db/open-database';
import { runImport } from './import-report';
import { findModel, toModelDTO, upsertModel } from './model-store';
import { registerVersion, setCurrent } from './version-store';

export interface EnvModelEntry {
  alias: string;
  repoId: string;
  /** null for seed 001's `default` (the repo's default branch: not pinned). */
  revision: string | null;
  dimension: number;
  maxSeqLength: number;
}

/**
 * Finds the EMB_MODELS value in what was given: a whole .env file, one `EMB_MODELS="…"` line (optionally with
 * `export`), or the bare value.
 */
export function extractEmbModels(text: string): string {
  const line = text.split(/\r?\n/).find((l) => /^\s*(export\s+)?EMB_MODELS\s*=/.test(l));
  const value = line === undefined ? text : line.slice(line.indexOf('=') + 1);
  return value.trim().replace(/^(["'])(.*)\1$/s, '$2').trim();
}

const POSITIVE = /^[1-9]\d{0,6}$/;

/** Parses one `alias:model_id:rev:dim:max_seq` entry or throws INVALID_INPUT saying which field is wrong. */
export function parseEnvEntry(entry: string): EnvModelEntry {
  const parts = entry.split(':').map((p) => p.trim());
  const bad = (why: string): never => {
    throw new AppError('INVALID_INPUT', why);
  };
  if (parts.length !== 5) bad(`expected 5 fields alias:model_id:rev:dim:max_seq, got ${parts.length}`);
  const [alias = '', repoId = '', rev = '', dim = '', maxSeq = ''] = parts;
  if (!MODEL_NAME_RE.test(alias.toLowerCase())) bad(`alias "${alias}" is not a slug (letters, digits, ".", "_", "-")`);
  if (!/^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/.test(repoId)) bad(`model_id "${repoId}" is not a Hub repo id such as owner/name`);
  if (!rev || /\s/.test(rev)) bad('rev is empty (use "default" for the default branch)');
  if (!POSITIVE.test(dim)) bad(`dim "${dim}" is not a positive whole number`);
  if (!POSITIVE.test(maxSeq)) bad(`max_seq "${maxSeq}" is not a positive whole number`);
  return { alias: alias.toLowerCase(), repoId, revision: rev === 'default' ? null : rev, dimension: Number(dim), maxSeqLength: Number(maxSeq) };
}

/** Registry name for a Hub repo: its last path segment as a slug (seed 003 names models this way). */
export function nameFromRepo(repoId: string): string {
  return (repoId.split('/').pop() ?? repoId).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 128);
}

/**
 * Seed 001 lists the embedding models that serve today, so each becomes a huggingface embedding model whose
 * alias is the env alias, with a version 1.0.0 in production as its current version (only when the model
 * has no versions yet: re-importing never rewrites history).
 */
export function importEnv(db: Db, text: string, strict: boolean): ImportReport {
  const value = extractEmbModels(text);
  return runImport(db, strict, (b) => {
    if (!value) {
      b.refuse('(empty)', 'no EMB_MODELS entries found');
      return;
    }
    const seenAliases = new Set<string>();
    for (const raw of value.split(',').map((e) => e.trim())) {
      if (!raw) continue;
      let entry: EnvModelEntry;
      try {
        entry = parseEnvEntry(raw);
      } catch (err) {
        b.refuse(raw, (err as Error).message);
        continue;
      }
      if (seenAliases.has(entry.alias)) {
        b.refuse(raw, `alias "${entry.alias}" appears twice in EMB_MODELS`);
        continue;
      }
      seenAliases.add(entry.alias);
      const name = nameFromRepo(entry.repoId);
      b.attempt(db, raw, () => {
        const existing = findModel(db, name);
        const source = { kind: 'hub' as const, repoId: entry.repoId, revision: entry.revision };
        if (existing && existing.source === JSON.stringify(source) && existing.dimension === entry.dimension && existing.max_seq_length === entry.maxSeqLength) {
          const aliases = db.prepare('SELECT alias FROM registry_aliases WHERE model_id = ?').pluck().all(existing.id) as string[];
          if (aliases.includes(entry.alias) || existing.name === entry.alias) return 'unchanged';
        }
        const prior = existing ? toModelDTO(db, existing) : null;
        const model = upsertModel(db, {
          name,
          type: 'embedding',
          provider: 'huggingface',
          source,
          aliases: [...(prior?.aliases ?? []), entry.alias],
          dimension: entry.dimension,
          maxSeqLength: entry.maxSeqLength,
          pooling: prior?.pooling ?? null,
          sizeBytes: prior?.sizeBytes ?? null,
          license: prior?.license ?? null,
          notes: prior?.notes ?? 'Imported from EMB_MODELS (seed 001).',
        });
        if (db.prepare('SELECT count(*) FROM registry_versions WHERE model_id = ?').pluck().get(model.id) === 0) {
          registerVersion(db, model, { version: '1.0.0', description: `Imported from EMB_MODELS (revision ${entry.revision ?? 'default branch'})`, status: 'production' });
          setCurrent(db, model, '1.0.0', undefined);
        }
        return 'imported';
      });
    }
  });
}
