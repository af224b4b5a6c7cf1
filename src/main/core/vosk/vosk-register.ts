import { MODEL_NAME_RE } from '../../../shared/contract';
import type { CoreServices } from '../core-services';
import { isSameOrInside, registrySources } from '../detect/registry-links';
import { voskLanguage } from '../detect/vosk-scan';
import { findModel, upsertModel } from '../registry/model-store';
import { parseVersion } from '../registry/semver';
import { registerVersion } from '../registry/version-store';

export interface VoskRegistration {
  /** The registry model and version created, or null when none was (why is in `message`). */
  model: string | null;
  version: string | null;
  message: string;
}

/** `vosk-model-small-ru-0.22` → `0.22.0`; a name without a version (or a bad one) → `1.0.0`. */
function versionOf(name: string): string {
  const raw = /-(\d+(?:\.\d+){1,2})(?:-|$)/.exec(name)?.[1];
  if (!raw) return '1.0.0';
  try {
    return parseVersion(raw).version.text;
  } catch {
    return '1.0.0';
  }
}

/**
 * Records an installed Vosk folder in the registry, in one transaction: a model (speech-to-text, provider vosk,
 * source {kind: path}) named as the folder, with a first version in development taken from the folder's name.
 * A folder already some model's source, or a name already taken, is left alone and said so: the install stands.
 */
export function registerVoskModel(core: CoreServices, input: { folder: string; location: string; url: string; bytes: number }): VoskRegistration {
  const name = input.folder.toLowerCase();
  const none = (message: string): VoskRegistration => ({ model: null, version: null, message });
  if (!MODEL_NAME_RE.test(name)) return none(`Not registered: "${input.folder}" cannot be a registry name.`);
  const version = versionOf(name);
  const language = voskLanguage(input.folder);
  const done = core.db
    .transaction((): VoskRegistration => {
      const already = registrySources(core.db).find((r) => r.source.kind === 'path' && isSameOrInside(input.location, r.source.path) && isSameOrInside(r.source.path, input.location));
      if (already) return none(`Already in the registry as model ${already.name}.`);
      const taken = findModel(core.db, name);
      if (taken) return none(`Not registered: the registry already has a model named ${taken.name} (another source).`);
      const row = upsertModel(core.db, {
        name,
        type: 'stt',
        provider: 'vosk',
        source: { kind: 'path', path: input.location },
        sizeBytes: input.bytes,
        notes: `Vosk model installed from ${input.url}.${language ? ` Language: ${language}.` : ''}`,
      });
      registerVersion(core.db, row, { version, description: `Installed from ${input.url}`, status: 'development' });
      return { model: name, version, message: `Registered as ${name} ${version} (development).` };
    })
    .immediate();
  if (done.model) core.bus.emit('registry.changed', { model: done.model, action: 'voskInstall' });
  return done;
}
