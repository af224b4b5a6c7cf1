import { ModelSourceSchema, type ModelSource } from '../../../shared/contract';
import type { Db } from '../db/open-database';

/** Each registry model with the source of its current version (else the model's own source), where one is set and valid. */
export function registrySources(db: Db): Array<{ name: string; source: ModelSource }> {
  const rows = db
    .prepare(
      `SELECT m.name, COALESCE(v.source, m.source) AS source FROM registry_models m
       LEFT JOIN registry_versions v ON v.model_id = m.id AND v.version = m.current_version
       WHERE COALESCE(v.source, m.source) IS NOT NULL`,
    )
    .all() as Array<{ name: string; source: string }>;
  const out: Array<{ name: string; source: ModelSource }> = [];
  for (const row of rows) {
    const parsed = ModelSourceSchema.safeParse(JSON.parse(row.source));
    if (parsed.success) out.push({ name: row.name, source: parsed.data });
  }
  return out;
}
