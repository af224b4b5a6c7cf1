import * as ort from 'onnxruntime-node';
import type { Worker } from 'node:worker_threads';
import type { EmbedOutputDTO, EmbedResultDTO, ExecutionProviderSetting, InferenceStatusDTO, Lane, Variant } from '../../../shared/contract';
import { EmbedInputSchema } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { z } from 'zod';
import type { Db } from '../db/open-database';
import type { HubStore } from '../hub/hub-store';
import type { Logger } from '../log/logger';
import type { SettingsStore } from '../settings/settings-store';
import { EmbeddingCache, textKey } from './embedding-cache';
import { expectedStart, physicalCores } from './execution-providers';
import { LaneScheduler } from './lane-scheduler';
import type { ModelSpec } from './loaded-model';
import { resolveModel, type ResolvedModel } from './model-resolver';
import { ProviderFallbackStore } from './provider-fallback-store';
import { startInferenceWorker } from './worker-launcher';

/** Session options for one call instead of the settings' (benchmarks on another provider or thread count). */
export interface SessionOverrides {
  executionProvider?: ExecutionProviderSetting;
  /** Intra-op threads; 0 = physical cores. */
  threads?: number;
}

export interface EmbedOptions extends SessionOverrides {
  lane?: Lane;
  variant?: Variant;
  cache?: boolean;
  /** Texts per forward pass; default: the lane's (32). */
  batchSize?: number;
}

/** Vectors of one model for the texts given, in their order: what in-process callers (collections, bench) use. */
export interface EmbeddedBatch {
  model: ResolvedModel;
  /** Row-major [texts, dimension]. */
  vectors: Float32Array;
  dimension: number;
  tokens: number[];
  truncated: number[];
  executionProvider: string;
  fallbackReason: string | null;
  cache: { hits: number; misses: number };
  timings: { totalMs: number; queueMs: number; inferenceMs: number };
}

export interface EmbeddingServiceDeps {
  db: Db;
  settings: SettingsStore;
  hubStore: HubStore;
  log: Logger;
  startWorker?: (name: string) => Worker;
}

/** The one owner of embedding work in a process: resolves models, caches vectors, and feeds the lanes. */
export class EmbeddingService {
  readonly cache: EmbeddingCache;
  readonly fallbacks: ProviderFallbackStore;
  private scheduler: LaneScheduler | null = null;
  private schedulerEp: ExecutionProviderSetting | null = null;

  constructor(private readonly deps: EmbeddingServiceDeps) {
    this.cache = new EmbeddingCache(deps.db, () => deps.settings.values().embeddingCacheMb * 1024 * 1024);
    this.fallbacks = new ProviderFallbackStore(deps.db);
  }

  private threads(setting = this.deps.settings.values().inferenceThreads): number {
    return setting > 0 ? setting : physicalCores();
  }

  private lanes(): LaneScheduler {
    const s = this.deps.settings.values();
    if (this.scheduler && this.schedulerEp !== s.executionProvider) {
      // A provider change takes effect for new work; sessions of the old provider go with their workers.
      void this.scheduler.close();
      this.scheduler = null;
    }
    if (!this.scheduler) {
      this.scheduler = new LaneScheduler({
        startWorker: this.deps.startWorker ?? startInferenceWorker,
        // One worker for both lanes only where a GPU provider is expected to start (auto on a machine without one
        // runs on CPU, with a worker per lane); one that fails when tried splits them then (LaneScheduler).
        sharedWorker: expectedStart(s.executionProvider).provider !== 'cpu',
        idleUnloadMs: s.modelIdleUnloadSeconds * 1000,
      });
      this.schedulerEp = s.executionProvider;
    }
    return this.scheduler;
  }

  async resolve(ref: string, variant?: Variant): Promise<ResolvedModel> {
    return resolveModel({ db: this.deps.db, hubCacheDir: this.deps.settings.values().hubCacheDir, hubStore: this.deps.hubStore }, ref, variant);
  }

  /**
   * What a worker loads for this model. With overrides that differ from the settings, the session key gets them as
   * a suffix (`<modelKey>#<provider>:<threads>`), so such a session never stands in for the app's own one.
   */
  spec(model: ResolvedModel, overrides: SessionOverrides = {}): ModelSpec {
    if (model.config.unsupportedModules.length) {
      throw new AppError('INVALID_MODEL', `${model.ref} has modules after pooling that its ONNX file does not contain: ${model.config.unsupportedModules.join(', ')}.`, {
        hint: 'Its vectors would differ from what sentence-transformers computes. Use an export that includes them (a sentence_embedding output) or another model.',
      });
    }
    const settingsEp = this.deps.settings.values().executionProvider;
    const executionProvider = overrides.executionProvider ?? settingsEp;
    const threads = overrides.threads === undefined ? this.threads() : this.threads(overrides.threads);
    const asSettings = executionProvider === settingsEp && threads === this.threads();
    return {
      modelKey: asSettings ? model.modelKey : `${model.modelKey}#${executionProvider}:${threads}`,
      folder: model.folder,
      onnxFile: model.onnxFile,
      pooling: model.config.pooling,
      normalize: model.config.normalize,
      maxSeqLength: model.config.maxSeqLength,
      executionProvider,
      threads,
    };
  }

  /** Embeds texts with one model; identical texts are computed once, cached ones not at all. */
  async embedWith(ref: string | ResolvedModel, texts: string[], options: EmbedOptions = {}): Promise<EmbeddedBatch> {
    const t0 = performance.now();
    const model = typeof ref === 'string' ? await this.resolve(ref, options.variant) : ref;
    const spec = this.spec(model, options);
    const useCache = options.cache ?? true;
    const hashes = texts.map(textKey);
    const cached = useCache ? this.cache.get(model.modelKey, hashes) : new Map();
    const unique = new Map<string, string>();
    hashes.forEach((h, i) => {
      if (!cached.has(h) && !unique.has(h)) unique.set(h, texts[i]!);
    });
    let missHashes = [...unique.keys()];
    // Bulk work is sorted by length so each batch pads to texts of its own size (as sentence-transformers does).
    if ((options.lane ?? 'rt') === 'bulk') missHashes = missHashes.sort((a, b) => unique.get(b)!.length - unique.get(a)!.length);
    let dimension = cached.size ? [...cached.values()][0]!.vector.length : 0;
    let ep = this.lastSessionEp(spec.modelKey);
    let fallbackReason: string | null = null;
    let queueMs = 0;
    let inferenceMs = 0;
    const computed = new Map<string, { vector: Float32Array; tokens: number; truncated: boolean }>();
    if (missHashes.length) {
      const out = await this.lanes().embed(options.lane ?? 'rt', spec, missHashes.map((h) => unique.get(h)!), options.batchSize ?? null);
      dimension = out.dimension;
      ep = out.session.executionProvider;
      fallbackReason = out.session.fallbackReason;
      if (out.loadedNow) this.fallbacks.sessionStarted(spec.executionProvider, ep, fallbackReason);
      queueMs = out.queueMs;
      inferenceMs = out.inferenceMs;
      missHashes.forEach((h, i) =>
        computed.set(h, { vector: out.vectors.slice(i * dimension, (i + 1) * dimension), tokens: out.lengths[i]!, truncated: out.truncated[i]! }),
      );
      if (useCache) this.cache.put(model.modelKey, missHashes.map((h) => ({ hash: h, ...computed.get(h)! })));
    }
    // Checked for cached vectors too: the registry entry may have been corrected (or broken) since they were made.
    if (model.registryDimension !== null && model.registryDimension !== dimension) {
      throw new AppError('DIMENSION_MISMATCH', `${model.registryModel} is registered with dimension ${model.registryDimension}, but its model returns ${dimension}.`, {
        hint: 'Correct the registry entry (registry.upsertModel with the right dimension) or point the version at the right files.',
      });
    }
    const vectors = new Float32Array(texts.length * dimension);
    const tokens: number[] = [];
    const truncated: number[] = [];
    hashes.forEach((h, i) => {
      const v = computed.get(h) ?? cached.get(h)!;
      vectors.set(v.vector, i * dimension);
      tokens.push(v.tokens);
      if (v.truncated) truncated.push(i);
    });
    return {
      model,
      vectors,
      dimension,
      tokens,
      truncated,
      executionProvider: ep ?? 'cache',
      fallbackReason,
      // Duplicates within one call are computed once but count as misses: only vectors read from the cache are hits.
      cache: { hits: hashes.filter((h) => cached.has(h)).length, misses: hashes.filter((h) => !cached.has(h)).length },
      timings: { totalMs: performance.now() - t0, queueMs, inferenceMs },
    };
  }

  private lastSessionEp(modelKey: string): string | null {
    return this.scheduler?.sessions().find((s) => s.modelKey === modelKey)?.executionProvider ?? null;
  }

  defaultModel(): string {
    const name = this.deps.settings.values().defaultEmbeddingModel;
    if (!name) {
      throw new AppError('INVALID_INPUT', 'No model named and no default embedding model is set.', {
        hint: 'Name a model (registry name, hf:org/name or a folder), or set one: model-center configure defaultEmbeddingModel=<model>.',
      });
    }
    return name;
  }

  /** The contract's `inference.embed`: one vector set per model (seed 001's `models=[…]`). */
  async embed(input: z.output<typeof EmbedInputSchema>): Promise<EmbedOutputDTO> {
    const refs = input.models ?? [input.model ?? this.defaultModel()];
    const results = await Promise.all(
      refs.map(async (ref): Promise<EmbedResultDTO> => {
        const r = await this.embedWith(ref, input.texts, { lane: input.profile, variant: input.variant, cache: input.cache });
        const rows: number[][] = [];
        if (input.includeVectors) for (let i = 0; i < input.texts.length; i++) rows.push(Array.from(r.vectors.subarray(i * r.dimension, (i + 1) * r.dimension)));
        return {
          model: ref,
          registryModel: r.model.registryModel,
          version: r.model.version,
          modelKey: r.model.modelKey,
          variant: r.model.variant,
          dimension: r.dimension,
          vectors: rows,
          tokens: r.tokens,
          truncated: r.truncated,
          maxSeqLength: r.model.config.maxSeqLength,
          configNotes: r.model.config.notes,
          executionProvider: r.executionProvider,
          fallbackReason: r.fallbackReason,
          cache: r.cache,
          timings: r.timings,
        };
      }),
    );
    return { results };
  }

  status(): InferenceStatusDTO {
    const s = this.deps.settings.values();
    const stats = this.cache.stats();
    const counters = this.cache.counters();
    const expected = expectedStart(s.executionProvider);
    return {
      executionProvider: s.executionProvider,
      expectedProvider: expected.provider,
      expectedFallback: expected.fallbackReason,
      threads: this.threads(),
      idleUnloadSeconds: s.modelIdleUnloadSeconds,
      available: ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled })),
      sessions: (this.scheduler?.sessions() ?? []).map((x) => ({
        modelKey: x.modelKey,
        lane: x.lane,
        executionProvider: x.executionProvider,
        fallbackReason: x.fallbackReason,
        loadMs: x.loadMs,
        loadedAt: new Date(x.loadedAt).toISOString(),
        lastUsedAt: new Date(x.lastUsedAt).toISOString(),
      })),
      queues: this.scheduler?.queued() ?? { rt: 0, bulk: 0 },
      cache: { ...stats, capBytes: s.embeddingCacheMb * 1024 * 1024, ...counters },
      lastFallback: this.fallbacks.last(),
      onnxruntimeVersion: ort.env.versions.common,
    };
  }

  /** Unloads the sessions of one model's files (with any session options), or all. */
  unload(modelKey: string | null): Promise<number> {
    return this.scheduler ? this.scheduler.unload(modelKey) : Promise.resolve(0);
  }

  async close(): Promise<void> {
    await this.scheduler?.close();
    this.scheduler = null;
  }
}
