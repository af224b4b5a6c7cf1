import { CLEANUP_SOURCES, type CleanupResultDTO, type CleanupSource } from '../../../shared/contract';
import type { CoreServices } from '../core-services';
import { registrySources } from '../detect/registry-links';
import type { HubStore } from '../hub/hub-store';
import type { Handlers } from '../handlers';
import { cleanupHub } from './cleanup-hub';
import { cleanupRegistry } from './cleanup-registry';
import { cleanupOllama, cleanupVosk } from './cleanup-runtimes';

/**
 * `models.cleanup --keep N`: per model, keep the N most recent and whatever is pinned or in use; remove the
 * rest. Hugging Face cache revisions and Vosk folders are deleted, Ollama tags deleted through the server
 * (families named in requiredModels only, unless every family is asked for), registry versions archived. Each source is independent: one failing
 * deletion becomes a warning, not a half-done error.
 */
export async function cleanup(
  core: CoreServices,
  store: HubStore,
  handlers: Handlers,
  input: { keep: number; dryRun: boolean; sources?: CleanupSource[]; allOllamaFamilies?: boolean },
): Promise<CleanupResultDTO> {
  const { keep, dryRun } = input;
  const sources = CLEANUP_SOURCES.filter((s) => !input.sources || input.sources.includes(s));
  const allOllamaFamilies = input.allOllamaFamilies ?? false;
  const result: CleanupResultDTO = { dryRun, keep, sources, allOllamaFamilies, repos: [], registry: [], ollama: [], vosk: [], bytesFreed: 0, warnings: [] };
  // Read once: what the registry pins before anything moves (archiving never touches a pinned version).
  const pins = registrySources(core.db);
  if (sources.includes('huggingface')) {
    const hub = await cleanupHub(core, store, handlers, pins, keep, dryRun);
    result.repos = hub.repos;
    result.bytesFreed += hub.bytesFreed;
  }
  if (sources.includes('registry')) result.registry = await cleanupRegistry(core, handlers, keep, dryRun, result.warnings);
  if (sources.includes('ollama')) {
    const o = await cleanupOllama(core, pins, keep, dryRun, result.warnings, allOllamaFamilies);
    result.ollama = o.groups;
    result.bytesFreed += o.bytesFreed;
  }
  if (sources.includes('vosk')) {
    const v = await cleanupVosk(core, pins, keep, dryRun, result.warnings);
    result.vosk = v.groups;
    result.bytesFreed += v.bytesFreed;
  }
  return result;
}
