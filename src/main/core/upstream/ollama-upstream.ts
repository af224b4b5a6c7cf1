import fs from 'node:fs/promises';
import { shortRevision, type UpstreamModelDTO } from '../../../shared/contract';
import type { Db } from '../db/open-database';
import { ollamaStoreRoots } from '../detect/detect-roots';
import { listOllamaManifests, parseOllamaManifest, type OllamaManifestFile, type ParsedOllamaManifest } from '../detect/ollama-store-scan';
import { ollamaStoreName } from '../ollama/ollama-client';
import { fetchOllamaManifest, ollamaRegistryBase } from '../ollama/ollama-registry';
import type { Env } from '../paths';
import { describeChanges, diffFiles } from './file-diff';
import { registrySources } from './registry-sources';
import { EMPTY } from './upstream-check';

/** An Ollama tag in a store on this machine: its manifest as pulled, and the registry models that use it. */
export interface TrackedOllamaModel extends OllamaManifestFile {
  local: ParsedOllamaManifest;
  registryModels: string[];
}

/**
 * Every tag of the Ollama stores detect reads (OLLAMA_MODELS, else the platform's folders), the first store's
 * copy winning as in `detect`. A manifest that does not parse is left out: detect reports it as broken.
 */
export async function trackedOllamaModels(env: Env, db: Db): Promise<TrackedOllamaModel[]> {
  const byName = new Map<string, TrackedOllamaModel>();
  for (const root of ollamaStoreRoots(env)) {
    for (const m of await listOllamaManifests(root)) {
      if (byName.has(m.name)) continue;
      const local = parseOllamaManifest(await fs.readFile(m.file).catch(() => Buffer.alloc(0)));
      if (local) byName.set(m.name, { ...m, local, registryModels: [] });
    }
  }
  for (const { name, source } of registrySources(db)) {
    const t = source.kind === 'ollama' ? byName.get(ollamaStoreName(source.tag)) : undefined;
    if (t && !t.registryModels.includes(name)) t.registryModels.push(name);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Layers as the file listing `diffFiles` compares, keyed by media type (model, template, params, license…). A
 * type that occurs more than once (several licenses, adapters) is numbered in manifest order.
 */
function layerFiles(layers: ParsedOllamaManifest['layers']): Array<{ path: string; size: number; blob: string }> {
  const seen = new Map<string, number>();
  return layers.map((l) => {
    const type = l.mediaType || 'layer';
    const n = (seen.get(type) ?? 0) + 1;
    seen.set(type, n);
    return { path: n === 1 ? type : `${type}#${n}`, size: l.size, blob: l.digest };
  });
}

const short = (digest: string): string => shortRevision({ source: 'ollama' }, digest);

/** One tag against the registry: one manifest request, no layer downloads. Never throws: the state is the answer. */
export async function checkOllamaUpstream(env: Env, t: TrackedOllamaModel, now = new Date().toISOString()): Promise<UpstreamModelDTO> {
  const base = ollamaRegistryBase(env, t.host);
  const common = { source: 'ollama' as const, repo: t.name, branch: t.tag, pinnedCommit: t.local.digest, registryModels: t.registryModels, checkedAt: now };
  const remote = await fetchOllamaManifest(base, t);
  if (remote.state !== 'found') {
    return { ...common, headCommit: null, status: remote.state, changes: EMPTY(), affectsDownloaded: false, message: remote.message };
  }
  const head = remote.manifest.digest;
  const changes = diffFiles(layerFiles(t.local.layers), layerFiles(remote.manifest.layers));
  const sameLayers = !changes.added.length && !changes.removed.length && !changes.changed.length;
  if (head === t.local.digest || sameLayers) {
    // Older Ollama versions stored the manifest re-encoded (json.Marshal of what they parsed), so the file can hash
    // differently from the registry's bytes while naming the very same layers: that is up to date.
    const note = head === t.local.digest ? '' : ` (same layers; the local manifest ${short(t.local.digest)} is the same one re-encoded by Ollama)`;
    return { ...common, headCommit: head, status: 'up-to-date', changes, affectsDownloaded: false, message: `tag ${t.tag} is still at ${short(head)} on ${base}${note}` };
  }
  return {
    ...common,
    headCommit: head,
    status: 'outdated',
    changes,
    // A pull replaces the whole tag, so every changed layer is one this machine would fetch.
    affectsDownloaded: true,
    message: `tag ${t.tag} moved ${short(t.local.digest)} → ${short(head)} on ${base}: ${describeChanges(changes)}`,
  };
}
