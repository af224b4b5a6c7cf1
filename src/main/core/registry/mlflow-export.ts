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

export async function exportToMlflow(input: MlflowExportInput): Promise<MlflowExportDTO> {
  const base = input.trackingUri.replace(/\/+$/, '');
  const doFetch = input.fetchImpl ?? fetch;
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: T & MlflowErrorBody }> => {
    let res: Response;
    try {
      res = await doFetch(`${base}/api/2.0/mlflow/${path}`, {
        method,
        headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (cause) {
      throw new AppError('MLFLOW_UNAVAILABLE', `MLflow at ${base} cannot be reached: ${(cause as Error).message}.`, {
        hint: 'Start it (mlflow ui --port 5000) or set MLFLOW_TRACKING_URI to the right address. The registry itself is unaffected.',
        cause,
      });
    }
    const text = await res.text();
    let json: T & MlflowErrorBody;
    try {
      json = (text ? JSON.parse(text) : {}) as T & MlflowErrorBody;
    } catch {
      throw new AppError('MLFLOW_UNAVAILABLE', `MLflow at ${base} answered ${res.status} with something that is not JSON.`, {
        hint: 'Check that MLFLOW_TRACKING_URI points at an MLflow tracking server, not another web service.',
      });
    }
    return { status: res.status, json };
  };
  const ok = <T>(r: { status: number; json: T & MlflowErrorBody }, what: string): T => {
    if (r.status >= 200 && r.status < 300) return r.json;
    throw new AppError('MLFLOW_UNAVAILABLE', `MLflow refused to ${what}: ${r.status} ${r.json.error_code ?? ''} ${r.json.message ?? ''}`.trim(), {
      hint: 'See the MLflow server log for details.',
    });
  };

  const found = await call<{ experiment?: { experiment_id: string } }>('GET', `experiments/get-by-name?experiment_name=${encodeURIComponent(input.experiment)}`);
  let experimentId = found.status === 200 ? found.json.experiment?.experiment_id : undefined;
  if (!experimentId) {
    if (found.status !== 404 && found.json.error_code !== 'RESOURCE_DOES_NOT_EXIST') ok(found, `look up experiment "${input.experiment}"`);
    experimentId = ok(await call<{ experiment_id: string }>('POST', 'experiments/create', { name: input.experiment }), `create experiment "${input.experiment}"`).experiment_id;
  }

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
  const params = Object.entries({
    model_name: m.name,
    model_version: input.version,
    model_type: m.type,
    provider: m.provider,
    source: m.source ? JSON.stringify(m.source) : null,
    dimension: m.dimension,
    max_seq_length: m.maxSeqLength,
    pooling: m.pooling,
    description: versionDto?.description ?? null,
  })
    .filter((e): e is [string, string | number] => e[1] !== null && e[1] !== undefined)
    .map(([key, value]) => ({ key, value: String(value).slice(0, 6000) }));
  const metrics = input.history.flatMap((row, step) =>
    Object.entries(row.metrics).map(([key, value]) => ({ key, value, timestamp: Date.parse(row.recordedAt), step })),
  );
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
