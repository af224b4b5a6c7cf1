import type { DetectGroupDTO, DetectResultDTO, DetectedModelDTO } from '../../../shared/contract';
import { ollamaConn, ollamaError } from '../ollama/ollama-client';
import type { Env } from '../paths';
import { ollamaStoreRoots } from './detect-roots';
import { exists } from './fs-walk';
import { scanOllamaStore } from './ollama-store-scan';

/** Ollama through its server (version, models, what is loaded) and its store on disk (works with the server down). */
export async function detectOllama(env: Env): Promise<{ server: DetectResultDTO['ollama']; group: DetectGroupDTO }> {
  const { host, client } = ollamaConn(env);
  const warnings: string[] = [];
  const server: DetectResultDTO['ollama'] = { host, running: false, version: null, error: null };
  let listed: Array<{ name: string; size: number; digest: string; modified_at: Date | string }> = [];
  let loaded = new Set<string>();
  try {
    server.version = (await client.version()).version;
    server.running = true;
    listed = (await client.list()).models;
    loaded = new Set((await client.ps()).models.map((m) => m.name));
  } catch (err) {
    server.error = ollamaError(err, host).message;
  }

  const roots = ollamaStoreRoots(env);
  const byName = new Map<string, DetectedModelDTO>();
  for (const root of roots) {
    for (const m of await scanOllamaStore(root, warnings)) if (!byName.has(m.name)) byName.set(m.name, m);
  }
  for (const m of byName.values()) {
    if (!server.running) m.notes.unshift('server not running');
    else if (!listed.some((l) => l.name === m.name)) m.notes.unshift('on disk but not listed by the server (another OLLAMA_MODELS?)');
  }
  for (const l of listed) {
    const m = byName.get(l.name);
    const lastUsed = l.modified_at ? new Date(l.modified_at).toISOString() : null;
    if (m) {
      // The server's modified_at is the pull; the weights' read time (from the store) says more when there is one.
      m.lastUsed ??= lastUsed;
    } else {
      // The server's store is elsewhere (another user, another machine): list it from the server's answer.
      byName.set(l.name, {
        source: 'ollama', name: l.name, sizeBytes: l.size, location: `${host} (server store)`, revision: l.digest.slice(0, 12),
        complete: true, missing: [], lastUsed, notes: ['listed by the server; its store is not readable here'], language: null, running: false, revisions: [], registryModel: null,
      });
    }
  }
  for (const name of loaded) {
    const m = byName.get(name);
    if (m) {
      m.running = true;
      m.lastUsed = new Date().toISOString();
      m.notes.push('loaded in memory now');
    }
  }
  const models = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  return {
    server,
    group: {
      source: 'ollama',
      roots: await Promise.all(roots.map(async (p) => ({ path: p, exists: await exists(p) }))),
      models,
      totalBytes: models.reduce((s, m) => s + m.sizeBytes, 0),
      warnings,
    },
  };
}
