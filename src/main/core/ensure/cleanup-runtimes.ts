import fs from 'node:fs';
import { parseRequiredRef, type CleanupGroupDTO, type DetectedModelDTO, type RequiredRef } from '../../../shared/contract';
import { toErrorDTO } from '../../../shared/errors';
import type { CoreServices } from '../core-services';
import { assertInsideRoots } from '../detect/delete-detected';
import { detectConfig, detectFolders, rootsFor } from '../detect/detect-models';
import { activeJobs, describeJob, jobsUsing } from '../detect/in-use';
import { detectOllama } from '../detect/ollama-detect';
import { ollamaBytesFreed } from '../detect/ollama-store-scan';
import { isSameOrInside, registryUsersOf, type RegistrySource } from '../detect/registry-links';
import { ollamaConn, ollamaError, ollamaKey } from '../ollama/ollama-client';

type Item = CleanupGroupDTO['kept'][number];
type Ranked = { m: DetectedModelDTO; item: Item };

function requiredRefs(core: CoreServices): RequiredRef[] {
  return core.settings
    .values()
    .requiredModels.map(parseRequiredRef)
    .filter((r): r is RequiredRef => typeof r !== 'string');
}

/** `llama3:8b` → `llama3`, `someone/m:v1` → `someone/m`: tags of one family are the same model in other sizes or builds. */
export function ollamaFamily(name: string): string {
  const key = ollamaKey(name);
  return key.slice(0, key.lastIndexOf(':'));
}

/** `vosk-model-small-ru-0.22` → family `vosk-model-small-ru`, version `0.22`; `…-0.22-lgraph` keeps `-lgraph` in the family. */
export function voskFamily(name: string): { family: string; version: number[] } | null {
  const m = /-(\d+(?:\.\d+)+)(?=-|$)/.exec(name);
  if (!m?.[1]) return null;
  return { family: name.slice(0, m.index) + name.slice(m.index + m[0].length), version: m[1].split('.').map(Number) };
}

/** Dotted versions by number, part by part: 0.22 > 0.4 > 0.3.1. */
export function compareDotted(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function groupBy<T>(items: T[], key: (t: T) => string | null): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    if (k !== null) out.set(k, [...(out.get(k) ?? []), t]);
  }
  return out;
}

/** Why a detected model must stay whatever its rank: required, pinned by the registry, used by a job, or loaded. */
function protectedWhy(core: CoreServices, sources: RegistrySource[], source: 'ollama' | 'vosk', m: DetectedModelDTO, required: boolean): string | null {
  if (required) return 'in requiredModels';
  if (m.running) return 'loaded in memory now';
  const users = registryUsersOf(sources, source, m.name, m.location);
  const pin = users.find((u) => u.production || u.current !== null);
  if (pin) return `source of registry model ${pin.name} (${pin.production ? 'production' : `current version ${pin.current ?? ''}`})`;
  const job = jobsUsing(core.db, activeJobs(core), { source, name: m.name, location: m.location, registryNames: users.map((u) => u.name) })[0];
  return job ? `${describeJob(job)} uses it` : null;
}

async function mtime(p: string): Promise<string | null> {
  return fs.promises.stat(p).then((s) => s.mtime.toISOString(), () => null);
}

/**
 * Ollama: per family, the N most recently pulled tags stay. Older tags go only when the family is one the
 * required models name (the admin manages it through ensure); other families' older tags are listed, never
 * deleted by cleanup unless the caller asks for every family: a tag is often another size of the model, not an
 * older build of it.
 */
export async function cleanupOllama(
  core: CoreServices,
  sources: RegistrySource[],
  keep: number,
  dryRun: boolean,
  warnings: string[],
  allFamilies = false,
): Promise<{ groups: CleanupGroupDTO[]; bytesFreed: number }> {
  const config = detectConfig(core);
  const { server, group } = await detectOllama(config.env);
  const required = requiredRefs(core).filter((r) => r.kind === 'ollama');
  const requiredKeys = new Set(required.map((r) => ollamaKey(r.name)));
  const managed = new Set(required.map((r) => ollamaFamily(r.name)));
  const roots = rootsFor(config, 'ollama');
  const groups: CleanupGroupDTO[] = [];
  let bytesFreed = 0;
  for (const [family, models] of groupBy(group.models, (m) => ollamaFamily(m.name))) {
    if (models.length <= keep) continue;
    const ranked: Ranked[] = [];
    for (const m of models) ranked.push({ m, item: { id: m.name, at: (await mtime(m.location)) ?? m.lastUsed, bytes: m.sizeBytes, location: m.location } });
    ranked.sort((a, b) => (b.item.at ?? '').localeCompare(a.item.at ?? '') || a.m.name.localeCompare(b.m.name));
    const g: CleanupGroupDTO = { model: family, kept: [], removed: [], listed: [], skipped: null };
    ranked.forEach(({ m, item }, i) => {
      const why = protectedWhy(core, sources, 'ollama', m, requiredKeys.has(ollamaKey(m.name))) ?? (i < keep ? `among the ${keep} most recently pulled` : null);
      if (why) g.kept.push({ ...item, reason: why });
      else if (allFamilies || managed.has(family)) g.removed.push(item);
      else g.listed.push({ ...item, reason: 'family not in requiredModels: listed only (--all-ollama deletes it too)' });
    });
    // Bytes: blobs no kept tag shares, per store.
    for (const root of roots) {
      const here = g.removed.filter((r) => r.location && isSameOrInside(r.location, root));
      const freed = await ollamaBytesFreed(root, here.map((r) => r.id));
      for (const r of here) r.bytes = freed.get(r.id) ?? 0;
    }
    if (g.removed.length > 0 && !server.running) {
      g.skipped = `Ollama server not running at ${server.host}: nothing can be deleted now`;
      if (!dryRun) g.removed = [];
    }
    if (!dryRun && g.removed.length > 0) {
      const { host, client } = ollamaConn(config.env);
      const done: Item[] = [];
      for (const r of g.removed) {
        try {
          await client.delete({ model: r.id });
          done.push(r);
          core.log.info(`cleanup: deleted Ollama model ${r.id}`);
        } catch (err) {
          warnings.push(`Ollama model ${r.id} was not deleted: ${ollamaError(err, host, r.id).message}`);
        }
      }
      g.removed = done;
    }
    bytesFreed += g.skipped ? 0 : g.removed.reduce((s, r) => s + (r.bytes ?? 0), 0);
    groups.push(g);
  }
  return { groups, bytesFreed };
}

/**
 * Vosk: per family (`vosk-model-small-ru` for -0.22 and -0.4), complete models first, then the highest version:
 * the N first stay, the others' folders are deleted. Required, registry-pinned and in-use models always stay.
 */
export async function cleanupVosk(core: CoreServices, sources: RegistrySource[], keep: number, dryRun: boolean, warnings: string[]): Promise<{ groups: CleanupGroupDTO[]; bytesFreed: number }> {
  const config = detectConfig(core);
  const roots = rootsFor(config, 'vosk');
  const { models } = await detectFolders(config, 'vosk');
  const required = new Set(requiredRefs(core).flatMap((r) => (r.kind === 'vosk' ? [r.name] : [])));
  const groups: CleanupGroupDTO[] = [];
  let bytesFreed = 0;
  for (const [family, members] of groupBy(models, (m) => voskFamily(m.name)?.family ?? null)) {
    if (members.length <= keep) continue;
    const version = (m: DetectedModelDTO): number[] => voskFamily(m.name)?.version ?? [];
    const ranked = [...members].sort((a, b) => Number(b.complete) - Number(a.complete) || compareDotted(version(b), version(a)) || a.location.localeCompare(b.location));
    const g: CleanupGroupDTO = { model: family, kept: [], removed: [], listed: [], skipped: null };
    for (const [i, m] of ranked.entries()) {
      const item: Item = { id: m.name, at: await mtime(m.location), bytes: m.sizeBytes, location: m.location };
      const isRoot = roots.some((r) => r === m.location);
      const why = isRoot
        ? 'a configured Vosk folder itself'
        : (protectedWhy(core, sources, 'vosk', m, required.has(m.name)) ?? (i < keep ? `among the ${keep} newest${m.complete ? '' : ' (incomplete)'}` : null));
      if (why) g.kept.push({ ...item, reason: why });
      else g.removed.push(item);
    }
    if (!dryRun) {
      const done: Item[] = [];
      for (const r of g.removed) {
        try {
          await assertInsideRoots(r.location ?? '', roots, 'vosk');
          await fs.promises.rm(r.location ?? '', { recursive: true, force: true });
          done.push(r);
          core.log.info(`cleanup: deleted Vosk model ${r.location ?? r.id}`);
        } catch (err) {
          warnings.push(`Vosk model ${r.location ?? r.id} was not deleted: ${toErrorDTO(err).message}`);
        }
      }
      g.removed = done;
    }
    bytesFreed += g.removed.reduce((s, r) => s + (r.bytes ?? 0), 0);
    groups.push(g);
  }
  return { groups, bytesFreed };
}
