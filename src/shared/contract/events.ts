import { z } from 'zod';
import { JobSchema } from './jobs';
import { SettingsViewSchema } from './system';

export const LogEntrySchema = z.object({
  time: z.string(),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  scope: z.string(),
  message: z.string(),
});
export type LogEntry = z.infer<typeof LogEntrySchema>;

/** Events pushed from the core to every surface (IPC to the window, SSE over HTTP). */
export const events = {
  'job.updated': JobSchema,
  log: LogEntrySchema,
  'settings.changed': SettingsViewSchema,
  /** A registry write happened in this core (model null: many models, e.g. an import); views reload. */
  'registry.changed': z.object({ model: z.string().nullable(), action: z.string() }),
  /** A collection was created, imported into, deleted, or changed its serving version; views reload. */
  'collection.changed': z.object({ collection: z.string(), action: z.string() }),
  /** A migration's rollout, shadow mode or outcome changed (its progress comes as job.updated). */
  'migration.changed': z.object({ collection: z.string(), migrationId: z.number().int(), action: z.string() }),
};

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.infer<Events[E]>;
