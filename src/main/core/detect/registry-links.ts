import path from 'node:path';
import { ModelSourceSchema, type DetectGroupDTO, type ModelSource } from '../../../shared/contract';
import type { Db } from '../db/open-database';
import { ollamaKey } from '../ollama/ollama-client';

/** A registry model's source and what protects it: a current version, or one in production. */
export interface RegistrySource {
  name: string;
  source: ModelSource;
  current: string | null;
  production: boolean;
}

/** Every registry model with a readable source (rows written by hand with a bad shape are skipped). */
export function registrySources(db: Db): RegistrySource[] {
  const rows = db
    .prepare(
      `SELECT m.name, m.source, m.current_version AS current,
        EXISTS (SELECT 1 FROM registry_versions v WHERE v.model_id = m.id AND v.status = 'production') AS prod
       FROM registry_models m WHERE m.source IS NOT NULL ORDER BY m.name`,
    )
    .all() as Array<{ name: string; source: string; current: string | null; prod: number }>;
  const out: RegistrySource[] = [];
  for (const r of rows) {
    let parsed;
    try {
      parsed = ModelSourceSchema.safeParse(JSON.parse(r.source));
    } catch {
      continue;
    }
    if (parsed.success) out.push({ name: r.name, source: parsed.data, current: r.current, production: r.prod === 1 });
  }
  return out;
}

/** Whether a path is the folder itself or inside it (after resolving `..`; links are compared as written). */
export function isSameOrInside(child: string, parent: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Registry models whose source is this detected model: the hub repo, the Ollama tag, or a folder at or inside it. */
export function registryUsersOf(sources: RegistrySource[], source: DetectGroupDTO['source'], name: string, location: string): RegistrySource[] {
  return sources.filter(({ source: s }) => {
    if (s.kind === 'hub') return source === 'huggingface' && s.repoId === name;
    if (s.kind === 'ollama') return source === 'ollama' && ollamaKey(s.tag) === ollamaKey(name);
    return (source === 'vosk' || source === 'sentence-transformers') && isSameOrInside(s.path, location);
  });
}

/** Marks each detected model with the registry model that uses it as its source (the first by name). */
export function linkRegistry(groups: DetectGroupDTO[], sources: RegistrySource[]): void {
  for (const g of groups) {
    for (const m of g.models) m.registryModel = registryUsersOf(sources, g.source, m.name, m.location)[0]?.name ?? null;
  }
}
