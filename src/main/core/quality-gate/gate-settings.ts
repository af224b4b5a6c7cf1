import { DEFAULT_GATE_SETTINGS, GateSettingsSchema, type GateSettingsDTO } from '../../../shared/contract';
import type { CollectionRow } from '../collections/collection-store';
import type { Db } from '../db/open-database';

export function gateSettings(db: Db, c: CollectionRow): GateSettingsDTO {
  const raw = db.prepare('SELECT settings FROM gate_settings WHERE collection_id = ?').pluck().get(c.id) as string | undefined;
  // Stored settings are merged over today's defaults, so a threshold added in a later version has a value.
  const parsed = raw ? GateSettingsSchema.partial().safeParse(JSON.parse(raw)) : null;
  return { ...DEFAULT_GATE_SETTINGS, ...(parsed?.success ? parsed.data : {}) };
}

export function setGateSettings(db: Db, c: CollectionRow, patch: Partial<GateSettingsDTO>): GateSettingsDTO {
  const next = GateSettingsSchema.parse({ ...gateSettings(db, c), ...patch });
  db.prepare(
    `INSERT INTO gate_settings (collection_id, settings, updated_at) VALUES (?, ?, ?)
     ON CONFLICT(collection_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`,
  ).run(c.id, JSON.stringify(next), new Date().toISOString());
  return next;
}
