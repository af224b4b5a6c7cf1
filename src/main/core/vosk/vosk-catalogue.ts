import catalogueJson from '../../../../resources/vosk-models.json';
import { parseVoskRef, VoskCatalogueSchema, type VoskCatalogueEntry } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { Env } from '../paths';

/** Where alphacephei serves every official model as `<name>.zip`. */
export const OFFICIAL_VOSK_BASE = 'https://alphacephei.com/vosk/models';

/** Validated once: a broken catalogue is a bug of the app, reported as such. */
export const VOSK_CATALOGUE = VoskCatalogueSchema.parse(catalogueJson);

/** The official models folder, or MODEL_CENTER_VOSK_BASE_URL (a mirror; the tests' loopback server). */
export function voskBaseUrl(env: Env): string {
  return (env.MODEL_CENTER_VOSK_BASE_URL?.trim() || OFFICIAL_VOSK_BASE).replace(/\/+$/, '');
}

/** The catalogue with its official URLs moved to the configured base. */
export function voskCatalogue(env: Env): VoskCatalogueEntry[] {
  const base = voskBaseUrl(env);
  return VOSK_CATALOGUE.models.map((m) => (m.url.startsWith(`${OFFICIAL_VOSK_BASE}/`) ? { ...m, url: `${base}${m.url.slice(OFFICIAL_VOSK_BASE.length)}` } : m));
}

export interface ResolvedVoskModel {
  /** The name the download is staged under, and the folder name unless the zip names its own. */
  name: string;
  url: string;
  /** The catalogue's entry for that name, when it has one. */
  entry: VoskCatalogueEntry | null;
}

/**
 * A catalogue name resolves to its URL; any other name to `<base>/<name>.zip` (alphacephei serves every model
 * that way, and a wrong name ends in a clear 404); a URL is taken as it is.
 */
export function resolveVoskModel(text: string, env: Env): ResolvedVoskModel {
  const ref = parseVoskRef(text);
  if (typeof ref === 'string') {
    throw new AppError('INVALID_INPUT', `"${text}": ${ref}.`, { hint: 'See `model-center vosk recommended` for the catalogue, or give the URL of a model zip.' });
  }
  const entry = voskCatalogue(env).find((m) => m.name === ref.name) ?? null;
  if (ref.url) return { name: ref.name, url: ref.url, entry: entry && entry.url === ref.url ? entry : null };
  return { name: ref.name, url: entry?.url ?? `${voskBaseUrl(env)}/${ref.name}.zip`, entry };
}
