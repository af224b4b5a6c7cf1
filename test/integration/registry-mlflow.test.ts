import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/create-core';
import { expectCode, tempCore } from './registry-helpers';

interface Logged {
  method: string;
  path: string;
  body: Record<string, unknown> | null;
}

/**
 * A loopback stand-in for an MLflow tracking server: the REST endpoints the export uses, answering with the
 * shapes MLflow documents (404 RESOURCE_DOES_NOT_EXIST for an unknown experiment name).
 */
async function fakeMlflow(): Promise<{ url: string; log: Logged[]; close: () => Promise<void> }> {
  const log: Logged[] = [];
  const experiments = new Map<string, string>();
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
      log.push({ method: req.method ?? '', path: url.pathname, body });
      const send = (status: number, json: unknown): void => {
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(json));
      };
      switch (url.pathname) {
        case '/api/2.0/mlflow/experiments/get-by-name': {
          const id = experiments.get(url.searchParams.get('experiment_name') ?? '');
          return id ? send(200, { experiment: { experiment_id: id } }) : send(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'no such experiment' });
        }
        case '/api/2.0/mlflow/experiments/create': {
          const id = String(experiments.size + 1);
          experiments.set(String(body?.name), id);
          return send(200, { experiment_id: id });
        }
        case '/api/2.0/mlflow/runs/create':
          return send(200, { run: { info: { run_id: `run${log.length}`, experiment_id: body?.experiment_id } } });
        case '/api/2.0/mlflow/runs/log-batch':
        case '/api/2.0/mlflow/runs/update':
          return send(200, {});
        default:
          return send(404, { error_code: 'ENDPOINT_NOT_FOUND', message: url.pathname });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, log, close: () => new Promise((r) => server.close(() => r())) };
}

let core: Core;
let cleanup: () => Promise<void>;
beforeEach(() => {
  ({ core, cleanup } = tempCore());
});
afterEach(async () => cleanup());

describe('registry → MLflow export', () => {
  it('creates the experiment once and logs one run per version with params and the metrics history', async () => {
    const mlflow = await fakeMlflow();
    try {
      await core.invoke('registry.upsertModel', { name: 'minilm', type: 'embedding', provider: 'huggingface', source: { kind: 'hub', repoId: 'org/minilm', revision: null }, dimension: 384 });
      await core.invoke('registry.registerVersion', { model: 'minilm', version: '1.0.0', description: 'first', metrics: { accuracy: 0.92 } });
      await core.invoke('registry.recordMetrics', { model: 'minilm', version: '1.0.0', metrics: { accuracy: 0.94, latency_ms: 38.5 }, source: null });

      const r = await core.invoke('registry.mlflowExport', { model: 'minilm', version: '1.0.0', trackingUri: `${mlflow.url}/`, experiment: 'coreml_rag' });
      expect(r).toMatchObject({ trackingUri: mlflow.url, experimentId: '1', metricsLogged: 3 });
      expect(r.runUrl).toBe(`${mlflow.url}/#/experiments/1/runs/${r.runId}`);
      expect(mlflow.log.map((l) => l.path.replace('/api/2.0/mlflow/', ''))).toEqual(['experiments/get-by-name', 'experiments/create', 'runs/create', 'runs/log-batch', 'runs/update']);
      const batch = mlflow.log[3]?.body as { params: Array<{ key: string; value: string }>; metrics: Array<{ key: string; value: number; step: number; timestamp: number }> };
      expect(batch.params).toContainEqual({ key: 'model_version', value: '1.0.0' });
      expect(batch.params).toContainEqual({ key: 'dimension', value: '384' });
      expect(batch.metrics.map((m) => [m.key, m.value, m.step])).toEqual([
        ['accuracy', 0.92, 0],
        ['accuracy', 0.94, 1],
        ['latency_ms', 38.5, 1],
      ]);
      expect(batch.metrics.every((m) => Number.isInteger(m.timestamp) && m.timestamp > 0)).toBe(true);
      expect(mlflow.log[4]?.body).toMatchObject({ status: 'FINISHED' });

      // Second export: the experiment exists now and is reused.
      mlflow.log.length = 0;
      await core.invoke('registry.mlflowExport', { model: 'minilm', version: '1.0.0', trackingUri: mlflow.url, experiment: 'coreml_rag' });
      expect(mlflow.log.map((l) => l.path)).not.toContain('/api/2.0/mlflow/experiments/create');
    } finally {
      await mlflow.close();
    }
  });

  it('says clearly when MLflow is not configured or not reachable', async () => {
    await core.invoke('registry.upsertModel', { name: 'm', type: 'llm', provider: 'local' });
    await core.invoke('registry.registerVersion', { model: 'm', version: '1.0.0' });
    const none = await expectCode(() => core.invoke('registry.mlflowExport', { model: 'm', version: '1.0.0' }), 'MLFLOW_UNAVAILABLE');
    expect(none.hint).toMatch(/MLFLOW_TRACKING_URI/);
    const mlflow = await fakeMlflow();
    const url = mlflow.url;
    await mlflow.close();
    const down = await expectCode(() => core.invoke('registry.mlflowExport', { model: 'm', version: '1.0.0', trackingUri: url }), 'MLFLOW_UNAVAILABLE');
    expect(down.message).toMatch(/cannot be reached/);
  });
});
