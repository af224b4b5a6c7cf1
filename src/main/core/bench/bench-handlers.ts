import type { benchContract, BenchResultDTO } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CoreServices } from '../core-services';
import type { DomainHandlers } from '../handlers';
import type { EmbeddingService } from '../inference/embedding-service';
import { findModel } from '../registry/model-store';
import { findVersion } from '../registry/version-store';
import { benchCorpus, builtinCorpus } from './bench-corpus';
import { compareResults } from './bench-compare';
import { exportResults } from './bench-export';
import type { BenchStore } from './bench-store';
import { benchMachine } from './machine-info';
import { quantile, sortedCopy } from './bench-stats';

interface Selection {
  ids?: number[];
  refs?: string[];
  executionProvider?: string;
}

/** A registry name or alias becomes its canonical name, a version its normalised text; other refs stay as given. */
function canonical(services: CoreServices, name: string, version?: string): { model: string; version?: string } {
  const row = findModel(services.db, name);
  if (!row) return { model: name, version };
  return { model: row.name, version: version === undefined ? undefined : (findVersion(services.db, row, version)?.version ?? version) };
}

function select(services: CoreServices, store: BenchStore, sel: Selection, required: boolean): BenchResultDTO[] {
  const out: BenchResultDTO[] = [];
  for (const id of sel.ids ?? []) out.push(store.get(id));
  for (const ref of sel.refs ?? []) {
    if (/^#\d+$/.test(ref)) {
      out.push(store.get(Number(ref.slice(1))));
      continue;
    }
    const at = ref.lastIndexOf('@');
    const byName = at > 0 ? canonical(services, ref.slice(0, at), ref.slice(at + 1)) : canonical(services, ref);
    const found = store.list({ ...byName, executionProvider: sel.executionProvider, limit: 1 })[0] ?? store.list({ model: ref, executionProvider: sel.executionProvider, limit: 1 })[0];
    if (!found) {
      throw new AppError('NOT_FOUND', `No benchmark result for ${ref}${sel.executionProvider ? ` on ${sel.executionProvider}` : ''}.`, {
        hint: `Run one: model-center bench ${ref}`,
      });
    }
    out.push(store.get(found.id));
  }
  if (!sel.ids?.length && !sel.refs?.length) {
    if (required) throw new AppError('INVALID_INPUT', 'Name the results to compare: ids, or refs such as model@1.0.0.', { hint: 'List results with `model-center benchmarks`.' });
    return store.list({ executionProvider: sel.executionProvider, limit: 1000 }).map((r) => store.get(r.id));
  }
  return out;
}

export function createBenchHandlers(services: CoreServices, store: BenchStore, embeddings: EmbeddingService): DomainHandlers<typeof benchContract> {
  return {
    'bench.run': async (params) => {
      // Refused now, not as a failed job: an unknown model or an unreadable corpus file is the caller's mistake.
      await embeddings.resolve(params.model, params.variant);
      benchCorpus(params);
      return services.jobs.start('bench', params);
    },
    'bench.list': ({ model, version, jobId, limit, includeSamples }) => {
      const name = model ? canonical(services, model, version) : { model: undefined, version };
      return store.list({ ...name, jobId, limit }).map((r) => (includeSamples ? r : { ...r, latency: { ...r.latency, samples: [] } }));
    },
    'bench.get': ({ id }) => store.get(id),
    'bench.compare': (sel) => compareResults(select(services, store, sel, true)),
    'bench.export': ({ format, ...sel }) => exportResults(select(services, store, sel, false), format),
    'bench.delete': ({ id }) => ({ deleted: store.delete(id) }),
    'bench.machine': () => benchMachine(services.env),
    'bench.corpus': () => {
      const c = builtinCorpus();
      const words = sortedCopy(c.texts.map((t) => t.split(/\s+/).filter(Boolean).length));
      return {
        name: c.name,
        about: c.about,
        texts: c.texts.length,
        languages: c.languages,
        words: { min: words[0] ?? 0, median: Math.round(quantile(words, 0.5)), max: words[words.length - 1] ?? 0 },
        hash: c.hash,
      };
    },
  };
}
