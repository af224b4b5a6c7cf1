import type { MlflowExportDTO, ModelDetailDTO, MetricsRow } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';

/**
 * A minimal MLflow tracking client over its REST API (/api/2.0/mlflow/…), enough for seed 003's use: one run
 * per registered version with the model's params and the version's metrics history. No Python, no SDK: the
 * tracking server is the contract. Metrics keep their recorded timestamps, one step per history row, so
 * MLflow's charts show the same history as ours.
 */
export interface MlflowExportInput {
  trackingUri: string;
  experiment: string;
  model: ModelDetailDTO;
  version: string;
  history: MetricsRow[];
  fetchImpl?: typeof fetch;
}

interface MlflowErrorBody {
  error_code?: string;
  message?: string;
}

export interface MlflowReply<T> {
  status: number;
  json: T & MlflowErrorBody;
}

export interface MlflowClient {
  base: string;
  call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<MlflowReply<T>>;
  ok<T>(r: MlflowReply<T>, what: string): T;
}

/** The URI without credentials, for messages, logs and status. */
export function redactUri(uri: string): string {
  return uri.replace(/^(https?:\/\/)[^@/]*@/, '$1');
}

function basicAuth(uri: string): string | null {
  try {
    const u = new URL(uri);
    if (!u.username && !u.password) return null;
    return `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  } catch {
    return null;
  }
}

/** The REST plumbing shared by the explicit export and the automatic sync: one error shape, no secrets in messages. */
export function createMlflowClient(trackingUri: string, fetchImpl?: typeof fetch): MlflowClient {
  // A URI may carry user:password@ (MLflow's basic auth). fetch refuses credentials in a URL, so they move to an
  // Authorization header; messages, logs and status name the server without them.
  const base = redactUri(trackingUri.replace(/\/+$/, ''));
  const shown = base;
  const auth = basicAuth(trackingUri);
  const doFetch = fetchImpl ?? fetch;
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<MlflowReply<T>> => {
    let res: Response;
    try {
      res = await doFetch(`${base}/api/2.0/mlflow/${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...(auth ? { Authorization: auth } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (cause) {
      throw new AppError('MLFLOW_UNAVAILABLE', `MLflow at ${shown} cannot be reached: ${(cause as Error).message}.`, {
        hint: 'Start it (mlflow ui --port 5000) or set MLFLOW_TRACKING_URI to the right address. The registry itself is unaffected.',
        cause,
      });
    }
    const text = await res.text();
    let json: T & MlflowErrorBody;
    try {
      json = (text ? JSON.parse(text) : {}) as T & MlflowErrorBody;
    } catch {
      throw new AppError('MLFLOW_UNAVAILABLE', `MLflow at ${shown} answered ${res.status} with something that is not JSON.`, {
        hint: 'Check that MLFLOW_TRACKING_URI points at an MLflow tracking server, not another web service.',
      });
    }
    return { status: res.status, json };
  };
  const ok = <T>(r: MlflowReply<T>, what: string): T => {
    if (r.status >= 200 && r.status < 300) return r.json;
    throw new AppError('MLFLOW_UNAVAILABLE', `MLflow refused to ${what}: ${r.status} ${r.json.error_code ?? ''} ${r.json.message ?? ''}`.trim(), {
      hint: 'See the MLflow server log for details.',
    });
  };

  return { base, call, ok };
}

/** Experiment id by name, created when missing (404 / RESOURCE_DOES_NOT_EXIST is MLflow's "no such experiment"). */
export async function getOrCreateExperiment(client: MlflowClient, name: string): Promise<string> {
  const { call, ok } = client;
  const found = await call<{ experiment?: { experiment_id: string } }>('GET', `experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`);
  const existing = found.status === 200 ? found.json.experiment?.experiment_id : undefined;
  if (existing) return existing;
  if (found.status !== 404 && found.json.error_code !== 'RESOURCE_DOES_NOT_EXIST') ok(found, `look up experiment "${name}"`);
  return ok(await call<{ experiment_id: string }>('POST', 'experiments/create', { name }), `create experiment "${name}"`).experiment_id;
}

/** A version's run params as MLflow takes them: strings of at most 6000 characters, empty values left out. */
export function mlflowRunParams(
  m: ModelDetailDTO,
  version: string,
  extra: Record<string, string | number | null> = {},
): Array<{ key: string; value: string }> {
  return Object.entries({
    model_name: m.name,
    model_version: version,
    model_type: m.type,
    provider: m.provider,
    source: m.source ? JSON.stringify(m.source) : null,
    dimension: m.dimension,
    max_seq_length: m.maxSeqLength,
    pooling: m.pooling,
    ...extra,
  })
    .filter((e): e is [string, string | number] => e[1] !== null && e[1] !== undefined)
    .map(([key, value]) => ({ key, value: String(value).slice(0, 6000) }));
}

/** The metrics history as MLflow metrics: recorded timestamps kept, one step per history row. */
export function mlflowMetrics(history: MetricsRow[]): Array<{ key: string; value: number; timestamp: number; step: number }> {
  return history.flatMap((row, step) =>
    Object.entries(row.metrics).map(([key, value]) => ({ key, value, timestamp: Date.parse(row.recordedAt), step })),
  );
}

export async function exportToMlflow(input: MlflowExportInput): Promise<MlflowExportDTO> {
  const client = createMlflowClient(input.trackingUri, input.fetchImpl);
  const { base, call, ok } = client;
  const experimentId = await getOrCreateExperiment(client, input.experiment);

  const m = input.model;
  const versionDto = m.versions.find((v) => v.version === input.version);
  const tags = [
    { key: 'mlflow.runName', value: `${m.name}@${input.version}` },
    { key: 'model_center.model', value: m.name },
    { key: 'model_center.version', value: input.version },
    { key: 'model_center.status', value: versionDto?.status ?? 'unknown' },
  ];
  const run = ok(
    await call<{ run: { info: { run_id: string } } }>('POST', 'runs/create', {
      experiment_id: experimentId,
      run_name: `${m.name}@${input.version}`,
      start_time: Date.now(),
      tags,
    }),
    'create a run',
  );
  const runId = run.run.info.run_id;
  const params = mlflowRunParams(m, input.version, { description: versionDto?.description ?? null });
  const metrics = mlflowMetrics(input.history);
  // log-batch takes at most 1000 entries (100 params) per request: metrics go in chunks, params first.
  ok(await call('POST', 'runs/log-batch', { run_id: runId, params, metrics: metrics.slice(0, 900) }), 'log params and metrics');
  for (let i = 900; i < metrics.length; i += 1000) ok(await call('POST', 'runs/log-batch', { run_id: runId, metrics: metrics.slice(i, i + 1000) }), 'log metrics');
  ok(await call('POST', 'runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() }), 'finish the run');
  return {
    trackingUri: base,
    experimentId,
    runId,
    metricsLogged: metrics.length,
    paramsLogged: params.length,
    runUrl: `${base}/#/experiments/${experimentId}/runs/${runId}`,
  };
}
