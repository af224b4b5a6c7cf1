import type { inferenceContract } from '../../../shared/contract';
import type { CoreServices } from '../core-services';
import type { DomainHandlers } from '../handlers';
import type { EmbeddingService } from './embedding-service';
import { inferenceHealth } from './inference-health';
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
    'inference.health': () => inferenceHealth(embeddings.status(), validations.latest(), services.settings.values().defaultEmbeddingModel || null),
    'inference.unload': async ({ model, modelKey }) => {
      const key = modelKey ?? (model ? (await embeddings.resolve(model)).modelKey : null);
      return { unloaded: await embeddings.unload(key) };
    },
    'inference.clearCache': () => ({ removed: embeddings.cache.clear() }),
  };
}
