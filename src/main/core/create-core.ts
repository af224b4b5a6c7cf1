import path from 'node:path';
import { isMethodName, contract, type MethodName, type MethodInput, type MethodOutput } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import { parseInput } from '../../shared/validate';
import type { CoreServices, Surface } from './core-services';
import { openDatabase } from './db/open-database';
import { createBenchHandlers } from './bench/bench-handlers';
import { createBenchJob } from './bench/bench-job';
import { benchSchema } from './bench/bench-schema';
import { BenchStore } from './bench/bench-store';
import { applySchemas, type DomainSchema } from './db/schema-migrations';
import { loadVectorExtension } from './collections/vector-store';
import { EventBus } from './events/event-bus';
import { createBundlesDomain } from './bundles/bundles-domain';
import { createEnsureHandlers } from './ensure/ensure-handlers';
import { createDownloadJob } from './hub/download-job';
import { createHubHandlers } from './hub/hub-handlers';
import { hubSchema } from './hub/hub-schema';
import { HubStore } from './hub/hub-store';
import type { Handlers } from './handlers';
import { watchExternalJobs } from './jobs/external-job-watcher';
import { JobRunner } from './jobs/job-runner';
import { jobsSchema } from './jobs/jobs-schema';
import { createJobsHandlers } from './jobs/jobs-handlers';
import { JobStore } from './jobs/job-store';
import { selftestJob } from './jobs/selftest-job';
import { EmbeddingService } from './inference/embedding-service';
import { createInferenceHandlers } from './inference/inference-handlers';
import { inferenceSchema } from './inference/inference-schema';
import { createInventoryHandlers } from './inventory/inventory-handlers';
import { inventoryDedupeJob, inventoryScanJob } from './inventory/inventory-jobs';
import { inventorySchema } from './inventory/inventory-schema';
import { createLogger } from './log/logger';
import { collectionSchemas, createCollectionsDomain } from './migrations/collections-domain';
import { createDetectHandlers } from './ollama/ollama-handlers';
import { ollamaPullJob } from './ollama/ollama-pull-job';
import { createVoskHandlers } from './vosk/vosk-handlers';
import { voskInstallJob } from './vosk/vosk-install-job';
import { createRegistryHandlers } from './registry/registry-handlers';
import { registrySchema } from './registry/registry-schema';
import { watchExternalRegistry } from './registry/registry-watcher';
import { isOffline, resolveDataDir, type Env } from './paths';
import { createFileSecretStore, type SecretCodec } from './secrets/secret-store';
import { settingsSchema } from './settings/settings-schema';
import { SettingsStore } from './settings/settings-store';
import { createSystemHandlers } from './system/system-handlers';
import { createUpstreamHandlers } from './upstream/upstream-handlers';
import { upstreamSchema } from './upstream/upstream-schema';

/** Every domain's tables; a domain that lands adds its schema here. */
const DOMAIN_SCHEMAS: DomainSchema[] = [settingsSchema, jobsSchema, registrySchema, hubSchema, inferenceSchema, upstreamSchema, inventorySchema, benchSchema, ...collectionSchemas];

export interface CreateCoreOptions {
  surface: Surface;
  env?: Env;
  /** Used when MODEL_CENTER_HOME is not set (Electron passes its userData folder). */
  defaultDataDir?: string;
  sqliteNativeBinding?: string;
  secretCodec?: SecretCodec;
  maxConcurrentJobs?: number;
}

export interface Core extends CoreServices {
  handlers: Handlers;
  /** The process's one embedding service (sessions, lanes, cache), for in-process callers such as benchmarks. */
  embeddings: EmbeddingService;
  /** Validates raw input at the edge, then runs the method: what every transport calls. */
  call(method: string, input: unknown): Promise<unknown>;
  /** The typed form, for in-process callers (CLI, tests). */
  invoke<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  close(): Promise<void>;
}

export function createCore(options: CreateCoreOptions): Core {
  const env = options.env ?? process.env;
  const dataDir = resolveDataDir(env, options.defaultDataDir);
  const dbPath = path.join(dataDir, 'model-center.db');
  const db = openDatabase({ file: dbPath, nativeBinding: options.sqliteNativeBinding });
  let schemaVersions;
  try {
    // Collections keep vectors in sqlite-vec tables: every connection to the store needs the extension.
    loadVectorExtension(db);
    schemaVersions = applySchemas(db, DOMAIN_SCHEMAS);
  } catch (err) {
    db.close();
    throw err;
  }
  const bus = new EventBus();
  const log = createLogger(path.join(dataDir, 'logs'), bus, options.surface);
  const secrets = createFileSecretStore(path.join(dataDir, 'secrets.json'), options.secretCodec);
  const settings = new SettingsStore(db, env, secrets, dataDir);
  const jobStore = new JobStore(db);
  const jobs = new JobRunner(jobStore, bus, log.child('jobs'), { maxConcurrent: options.maxConcurrentJobs });
  jobs.register(selftestJob);
  jobs.register(ollamaPullJob(env));

  const services: CoreServices = {
    surface: options.surface,
    env,
    dataDir,
    dbPath,
    offline: isOffline(env),
    db,
    schemaVersions,
    bus,
    log,
    secrets,
    settings,
    jobStore,
    jobs,
    beforeClose: [],
  };
  const hubStore = new HubStore(db);
  jobs.register(createDownloadJob(services, hubStore));
  jobs.register(voskInstallJob(services));
  jobs.register(inventoryScanJob(services, hubStore));
  jobs.register(inventoryDedupeJob(services));
  const embeddings = new EmbeddingService({ db, settings, hubStore, log: log.child('inference') });
  const { stop: stopUpstream, ...upstreamHandlers } = createUpstreamHandlers(services, hubStore);
  const benchStore = new BenchStore(db);
  jobs.register(createBenchJob({ services, embeddings, store: benchStore, handlers: () => handlers }));
  const handlers: Handlers = {
    ...createSystemHandlers(services, () => embeddings.status()),
    ...createJobsHandlers(services),
    ...createRegistryHandlers(services),
    ...createHubHandlers(services, hubStore),
    ...createDetectHandlers(services, () => handlers),
    ...createVoskHandlers(services),
    ...createEnsureHandlers(services, hubStore, () => handlers),
    ...createBundlesDomain(services, hubStore),
    ...createInferenceHandlers(services, embeddings),
    ...upstreamHandlers,
    ...createInventoryHandlers(services, hubStore, () => handlers),
    ...createBenchHandlers(services, benchStore, embeddings),
    ...createCollectionsDomain(services, embeddings),
  };

  jobs.recoverOrphans();
  const activeIds = (): Set<number> => new Set(jobStore.list({ states: ['running', 'queued'], limit: 1000 }).filter((j) => j.ownerPid === process.pid).map((j) => j.id));
  const stopWatch = watchExternalJobs(db, jobStore, bus, activeIds);
  const stopRegistryWatch = watchExternalRegistry(db, bus);
  const orphanTimer = setInterval(() => jobs.recoverOrphans(), 10_000);
  orphanTimer.unref();
  const checkOutput = env.MODEL_CENTER_CHECK_OUTPUT === '1';

  const call = async (method: string, raw: unknown): Promise<unknown> => {
    if (!isMethodName(method)) {
      throw new AppError('UNKNOWN_METHOD', `Unknown method "${method}".`, { hint: 'See /api/contract for the list of methods.' });
    }
    const def = contract[method];
    const input = parseInput(def.input, raw ?? {}, method);
    const handler = handlers[method] as (i: unknown) => unknown;
    const output = await handler(input);
    // Tests turn this on so a handler that drifts from its schema fails loudly.
    if (checkOutput) {
      const parsed = def.output.safeParse(output);
      if (!parsed.success) throw new AppError('INTERNAL', `Output of ${method} does not match the contract: ${parsed.error.message}`);
    }
    return output;
  };

  let closed = false;
  return {
    ...services,
    handlers,
    embeddings,
    call,
    invoke: (method, input) => call(method, input) as Promise<never>,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(services.beforeClose.map((fn) => fn().catch(() => undefined)));
      await embeddings.close();
      stopUpstream();
      stopWatch();
      stopRegistryWatch();
      clearInterval(orphanTimer);
      await jobs.close();
      db.close();
    },
  };
}
