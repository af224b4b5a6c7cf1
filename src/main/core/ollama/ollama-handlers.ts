import type { detectContract } from '../../../shared/contract';
import type { CoreServices } from '../core-services';
import { adoptLegacy } from '../detect/adopt-legacy';
import { deleteDetected } from '../detect/delete-detected';
import { detectConfig, detectModels } from '../detect/detect-models';
import type { DomainHandlers, Handlers } from '../handlers';
import { ollamaConn, ollamaError } from './ollama-client';

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** A Map or plain object from the client's JSON, as a plain record the contract can carry. */
function record(v: unknown): Record<string, unknown> {
  if (v instanceof Map) return Object.fromEntries(v) as Record<string, unknown>;
  return typeof v === 'object' && v !== null ? { ...(v as Record<string, unknown>) } : {};
}

export function createDetectHandlers(core: CoreServices, handlers: () => Handlers): DomainHandlers<typeof detectContract> {
  return {
    detect: () => detectModels(detectConfig(core), core.db),
    'detect.adoptLegacy': (input) => adoptLegacy(core, input),
    'detect.delete': (input) => deleteDetected(core, handlers, input),
    'ollama.pull': ({ name }) => {
      core.log.info(`ollama pull ${name}`);
      return core.jobs.start('ollama.pull', { name });
    },
    'ollama.delete': async ({ name }) => {
      const { host, client } = ollamaConn(core.env);
      try {
        await client.delete({ model: name });
      } catch (err) {
        throw ollamaError(err, host, name);
      }
      core.log.info(`ollama model deleted: ${name}`);
      return { deleted: name };
    },
    'ollama.show': async ({ name }) => {
      const { host, client } = ollamaConn(core.env);
      try {
        const [r, listed] = await Promise.all([client.show({ model: name }), client.list().catch(() => ({ models: [] }))]);
        // `llama3` names `llama3:latest`, as the Ollama CLI reads it.
        const tagged = name.includes(':') ? name : `${name}:latest`;
        const entry = listed.models.find((m) => m.name === name || m.name === tagged || m.model === tagged);
        const details = record(r.details);
        return {
          name,
          license: str(r.license),
          modelfile: str(r.modelfile),
          parameters: str(r.parameters),
          template: str(r.template),
          sizeBytes: typeof entry?.size === 'number' ? entry.size : null,
          quantization: str(details.quantization_level),
          details,
          modelInfo: record(r.model_info),
          capabilities: Array.isArray(r.capabilities) ? r.capabilities.filter((c): c is string => typeof c === 'string') : [],
          modifiedAt: r.modified_at ? new Date(r.modified_at).toISOString() : null,
        };
      } catch (err) {
        throw ollamaError(err, host, name);
      }
    },
  };
}
