import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { AppError } from '../../../shared/errors';
import { EditableSettingsSchema, type SettingsView } from '../../../shared/contract';
import type { CliContext } from '../cli-context';
import { printResult, table } from '../cli-output';

const SHAPE = EditableSettingsSchema.shape;
const KEYS = Object.keys(SHAPE);
// Read from the schema, so a numeric or list setting added later is parsed as one without touching this file.
const NUMERIC = new Set(KEYS.filter((k) => SHAPE[k as keyof typeof SHAPE] instanceof z.ZodNumber));
/** Keys holding a list: `requiredModels=a,b` (commas or new lines; an empty value clears the list). */
const LISTS = new Set(KEYS.filter((k) => SHAPE[k as keyof typeof SHAPE] instanceof z.ZodArray));
/** List keys of folders: relative entries are taken from the current directory, as a shell user means them. */
const FOLDER_LISTS = new Set(['voskDirs']);

function parseAssignment(text: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new AppError('INVALID_INPUT', `"${text}" is not KEY=VALUE.`, { hint: `Keys: ${KEYS.join(', ')}` });
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1);
  if (!KEYS.includes(key)) throw new AppError('INVALID_INPUT', `unknown setting "${key}".`, { hint: `Known settings: ${KEYS.join(', ')}` });
  if (NUMERIC.has(key) && (raw.trim() === '' || !Number.isFinite(Number(raw)))) {
    throw new AppError('INVALID_INPUT', `${key} takes a number, not "${raw}".`, { hint: `For example: configure ${key}=4` });
  }
  const value = NUMERIC.has(key)
    ? Number(raw)
    : LISTS.has(key)
      ? raw
          .split(/[,\n]/)
          .map((x) => x.trim())
          .filter(Boolean)
          .map((x) => (FOLDER_LISTS.has(key) ? path.resolve(x) : x))
      : raw;
  return { ...previous, [key]: value };
}

function human(view: SettingsView): string {
  // A tracking URI may carry user:password@ (basic auth): the table is for eyes and terminals' scrollback.
  const shown = (k: string, v: unknown): string =>
    k === 'mlflowTrackingUri' ? String(v).replace(/^(https?:\/\/)[^@/]*@/, '$1***@') : Array.isArray(v) ? v.join(', ') || '(none)' : String(v);
  const rows = Object.entries(view.values).map(([k, v]) => [k, shown(k, v), view.sources[k] ?? '']);
  rows.push(['hfToken', view.hfToken.present ? '(set)' : '(not set)', view.hfToken.source ?? '']);
  return `${table(['KEY', 'VALUE', 'FROM'], rows)}\n\nData dir: ${view.dataDir}`;
}

export function registerConfigureCommand(program: Command, ctx: CliContext): void {
  program
    .command('configure')
    .description(`Show settings, or change them: configure KEY=VALUE… (keys: ${KEYS.join(', ')})`)
    .argument('[assignments...]', 'KEY=VALUE pairs')
    .option('--reset [keys...]', 'return these settings (or all) to their defaults')
    .option('--hf-token <token>', 'store a Hugging Face access token (prefer HF_TOKEN in the environment for scripts)')
    .option('--clear-hf-token', 'forget the stored Hugging Face token')
    .option('--json', 'print JSON')
    .action(async (assignments: string[], opts: { reset?: boolean | string[]; hfToken?: string; clearHfToken?: boolean }, cmd: Command) => {
      const core = ctx.getCore();
      let patch: Record<string, unknown> = {};
      for (const a of assignments) patch = parseAssignment(a, patch);
      let view: SettingsView = await core.invoke('settings.get', {});
      if (opts.reset) view = (await core.call('settings.reset', { keys: opts.reset === true ? undefined : opts.reset })) as SettingsView;
      if (Object.keys(patch).length) view = (await core.call('settings.update', patch)) as SettingsView;
      if (opts.hfToken) view = await core.invoke('settings.setHfToken', { token: opts.hfToken });
      if (opts.clearHfToken) view = await core.invoke('settings.clearHfToken', {});
      printResult(ctx.io, ctx.json(cmd), view, human);
    });
}
