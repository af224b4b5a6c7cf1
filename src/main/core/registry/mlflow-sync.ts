import type { MetricsRow, MlflowStatusDTO, ModelDetailDTO } from '../../../shared/contract';
import type { Db } from '../db/open-database';
import type { Logger } from '../log/logger';
import { createMlflowClient, getOrCreateExperiment, mlflowMetrics, mlflowRunParams, redactUri, type MlflowClient } from './mlflow-export';

/** What a background task needs, read from SQLite right after the commit: the network part never touches a transaction. */
export interface VersionSnapshot {
  versionId: number;
  model: ModelDetailDTO;
  version: string;
  history: MetricsRow[];
}

interface MlflowLink {
  run_id: string;
  registered_version: string | null;
}

interface StateRow {
  reachable: number | null;
  last_error: string | null;
  last_sync_at: string | null;
}

/** The last recorded outcome for a URI ('' = off). Also read by system.status, which has no MlflowSync of its own. */
export function readMlflowStatus(db: Db, uri: string): MlflowStatusDTO {
  if (!uri) return { configured: false, uri: null, reachable: null, lastError: null, lastSyncAt: null };
  // Keyed by URI: a state recorded for another server says nothing about this one.
  const row = db.prepare('SELECT reachable, last_error, last_sync_at FROM registry_mlflow_state WHERE uri = ?').get(uri) as StateRow | undefined;
  return {
    configured: true,
    uri: redactUri(uri),
    reachable: row?.reachable === null || row?.reachable === undefined ? null : row.reachable === 1,
    lastError: row?.last_error ?? null,
    lastSyncAt: row?.last_sync_at ?? null,
  };
}

/**
 * Automatic logging of registry writes to MLflow. Every task runs after the registry write has committed,
 * one at a time (so a version's run exists before its later metrics are appended), and never throws: MLflow
 * is optional, a registry write must not wait for it or fail because of it. The outcome of the last attempt
 * is kept per URI in SQLite as the status the UI and CLI show.
 */
export class MlflowSync {
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly trackingUri: () => string,
    private readonly experiment: () => string,
  ) {}

  status(): MlflowStatusDTO {
    return readMlflowStatus(this.db, this.trackingUri());
  }

  private record(uri: string, reachable: boolean, lastError: string | null): void {
    const now = new Date().toISOString();
    try {
      // last_sync_at is the last success: a failure keeps the previous one so "unreachable since" stays readable.
      this.db
        .prepare(
          `INSERT INTO registry_mlflow_state (uri, reachable, last_error, last_sync_at, updated_at) VALUES (@uri, @reachable, @lastError, @sync, @now)
           ON CONFLICT(uri) DO UPDATE SET reachable = excluded.reachable, last_error = excluded.last_error,
             last_sync_at = COALESCE(excluded.last_sync_at, last_sync_at), updated_at = excluded.updated_at`,
        )
        .run({ uri, reachable: reachable ? 1 : 0, lastError, sync: lastError === null ? now : null, now });
    } catch (err) {
      this.log.warn(`mlflow: could not record the sync state: ${(err as Error).message}`);
    }
  }

  /** Resolves when every queued task has finished (tests, and close). */
  idle(): Promise<void> {
    return this.chain;
  }

  /**
   * Lets queued logging finish, for at most `waitMs` (a CLI `register` should still reach MLflow before the
   * process exits, but a hung server must not hold the exit), then drops whatever is left.
   */
  async close(waitMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.chain, new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
    this.closed = true;
  }

  /** A version was registered or changed status: create (or tag) its run and MLflow model version. */
  versionChanged(take: () => VersionSnapshot): void {
    this.enqueue('sync version', take, (client, snap) => this.syncVersion(client, snap));
  }

  /** A metrics row was appended: log-batch it to the version's run (creating the run first when there is none). */
  metricsRecorded(take: () => VersionSnapshot): void {
    this.enqueue('log metrics', take, async (client, snap) => {
      const link = this.link(snap.versionId);
      const row = snap.history.at(-1);
      if (!link || !row) return this.syncVersion(client, snap);
      const step = snap.history.length - 1;
      const metrics = Object.entries(row.metrics).map(([key, value]) => ({ key, value, timestamp: Date.parse(row.recordedAt), step }));
      client.ok(await client.call('POST', 'runs/log-batch', { run_id: link.run_id, metrics }), 'log metrics');
    });
  }

  private enqueue(what: string, take: () => VersionSnapshot, task: (client: MlflowClient, snap: VersionSnapshot) => Promise<void>): void {
    const uri = this.trackingUri();
    if (!uri || this.closed) return;
    // Snapshot now, synchronously after the commit, so the task logs what was written, not a later state.
    let snap: VersionSnapshot;
    try {
      snap = take();
    } catch (err) {
      this.log.warn(`mlflow: could not read the registry to ${what}: ${(err as Error).message}`);
      return;
    }
    this.chain = this.chain.then(async () => {
      if (this.closed) return;
      try {
        await task(createMlflowClient(uri), snap);
        this.record(uri, true, null);
      } catch (err) {
        const message = (err as Error).message;
        // "cannot be reached" is the client's wording for a network failure; any HTTP answer means it is up.
        const reachable = !/cannot be reached|not JSON/.test(message);
        this.record(uri, reachable, message);
        this.log.warn(`mlflow: ${what} for ${snap.model.name}@${snap.version} failed: ${message}`);
      }
    });
  }

  private link(versionId: number): MlflowLink | undefined {
    return this.db.prepare('SELECT run_id, registered_version FROM registry_mlflow_runs WHERE version_id = ?').get(versionId) as MlflowLink | undefined;
  }

  private async syncVersion(client: MlflowClient, snap: VersionSnapshot): Promise<void> {
    const { call, ok } = client;
    const m = snap.model;
    const v = m.versions.find((x) => x.version === snap.version);
    const status = v?.status ?? 'unknown';
    const tags = [
      { key: 'model_center.model', value: m.name },
      { key: 'model_center.version', value: snap.version },
      { key: 'model_center.status', value: status },
    ];
    const existing = this.link(snap.versionId);
    if (existing) {
      // Status change: log-batch carries tags too, so the run follows without another endpoint.
      ok(await call('POST', 'runs/log-batch', { run_id: existing.run_id, tags }), 'tag the run');
      if (existing.registered_version) {
        ok(
          await call('POST', 'model-versions/set-tag', { name: m.name, version: existing.registered_version, key: 'model_center.status', value: status }),
          'tag the model version',
        );
      }
      return;
    }

    const experimentId = await getOrCreateExperiment(client, this.experiment());
    const run = ok(
      await call<{ run: { info: { run_id: string } } }>('POST', 'runs/create', {
        experiment_id: experimentId,
        run_name: `${m.name}@${snap.version}`,
        start_time: Date.now(),
        tags: [{ key: 'mlflow.runName', value: `${m.name}@${snap.version}` }, ...tags],
      }),
      'create a run',
    );
    const runId = run.run.info.run_id;
    // Keep the run id at once: later metrics must go to this run even if registering the model fails below.
    this.saveLink(snap.versionId, runId, null);

    const params = mlflowRunParams(m, snap.version);
    const metrics = mlflowMetrics(snap.history);
    ok(await call('POST', 'runs/log-batch', { run_id: runId, params, metrics: metrics.slice(0, 900) }), 'log params and metrics');
    for (let i = 900; i < metrics.length; i += 1000) ok(await call('POST', 'runs/log-batch', { run_id: runId, metrics: metrics.slice(i, i + 1000) }), 'log metrics');

    const created = await call('POST', 'registered-models/create', { name: m.name, tags: [{ key: 'model_center.type', value: m.type }] });
    // Get-or-create: the model already being there is the normal case after its first version.
    if (created.json.error_code !== 'RESOURCE_ALREADY_EXISTS') ok(created, `register model "${m.name}"`);

    const source =
      m.source?.kind === 'hub' ? `hf://${m.source.repoId}@${m.source.revision ?? 'main'}` : `models:/${encodeURIComponent(m.name)}/${snap.version}`;
    const mv = ok(
      await call<{ model_version?: { version?: string } }>('POST', 'model-versions/create', {
        name: m.name,
        source,
        run_id: runId,
        description: v?.description ?? undefined,
        tags: [
          { key: 'model_center.version', value: snap.version },
          { key: 'model_center.status', value: status },
        ],
      }),
      'create a model version',
    );
    this.saveLink(snap.versionId, runId, mv.model_version?.version ?? null);
  }

  private saveLink(versionId: number, runId: string, registered: string | null): void {
    try {
      this.db
        .prepare(
          `INSERT INTO registry_mlflow_runs (version_id, run_id, registered_version, synced_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(version_id) DO UPDATE SET run_id = excluded.run_id, registered_version = COALESCE(excluded.registered_version, registered_version), synced_at = excluded.synced_at`,
        )
        .run(versionId, runId, registered, new Date().toISOString());
    } catch (err) {
      // The version may have been deleted meanwhile (FK), or the core closed: MLflow has the run, we just forget it.
      this.log.warn(`mlflow: could not store run ${runId}: ${(err as Error).message}`);
    }
  }
}
