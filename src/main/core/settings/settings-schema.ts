import type { DomainSchema } from '../db/schema-migrations';

export const settingsSchema: DomainSchema = {
  domain: 'settings',
  migrations: [
    `CREATE TABLE settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`,
  ],
};
