import type { inferenceContract } from '../../../shared/contract';
import type { CoreServices } from '../core-services';
import type { DomainHandlers } from '../handlers';
import type { EmbeddingService } from './embedding-service';
import { validateModel, ValidationStore } from './validate-model';

export function createInferenceHandlers(services: CoreServices, embeddings: EmbeddingService): DomainHandlers<typeof inferenceContract> {
  const validations = new ValidationStore(services.db);
  return {
    'inference.embed': (input) => embeddings.embed(input),
    'inference.validate': async ({ model, variant }) => {
      const report = await validateModel(embeddings, model, variant);
      validations.save(report);
      services.log.child('inference').info(`validated ${model}: ${report.ok ? 'ok' : `failed (${report.checks.filter((c) => !c.ok).map((c) => c.name).join(', ')})`}`);
      return report;
    },
    'inference.validations': ({ model }) => validations.latest(model),
    'inference.status': () => embeddings.status(),
    'inference.health': () => {
      const status = embeddings.status();
      const problems: string[] = [];
      const fb = status.lastFallback;
      if (fb) problems.push(`${fb.requested} fell back to ${fb.used}: ${fb.reason}`);
      const failed = validations.latest().filter((v) => !v.ok);
      for (const v of failed) problems.push(`${v.registryModel ? `${v.registryModel}@${v.version}` : v.model} failed validation`);
      return {
        status: problems.length ? 'degraded' : 'ok',
        device: status.sessions[0]?.executionProvider ?? status.expectedProvider,
        setting: status.executionProvider,
        models: status.sessions.map((s) => ({ modelKey: s.modelKey, lane: s.lane, executionProvider: s.executionProvider })),
        defaultModel: services.settings.values().defaultEmbeddingModel || null,
        notes: [],
        problems,
      };
    },
    'inference.unload': async ({ model, modelKey }) => {
      const key = modelKey ?? (model ? (await embeddings.resolve(model)).modelKey : null);
      return { unloaded: await embeddings.unload(key) };
    },
    'inference.clearCache': () => ({ removed: embeddings.cache.clear() }),
  };
}
