import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/main/core/create-core';
import { expectCode, tempCore } from './registry-helpers';

interface Logged {
  method: string;
  path: string;
  body: Record<string, unknown> | null;
  auth: string | null;
}

/**
 * A loopback stand-in for an MLflow tracking server: the REST endpoints the export uses, answering with the
 * shapes MLflow documents (404 RESOURCE_DOES_NOT_EXIST for an unknown experiment name).
 */
async function fakeMlflow(): Promise<{ url: string; log: Logged[]; close: () => Promise<void> }> {
  const log: Logged[] = [];
  const experiments = new Map<string, string>();
  const registered = new Map<string, number>();
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
      log.push({ method: req.method ?? '', path: url.pathname, body, auth: req.headers.authorization ?? null });
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
        case '/api/2.0/mlflow/model-versions/set-tag':
          return send(200, {});
        case '/api/2.0/mlflow/registered-models/create': {
          // MLflow's answer for a second create of the same name.
          const name = String(body?.name);
          if (registered.has(name)) return send(400, { error_code: 'RESOURCE_ALREADY_EXISTS', message: `Registered Model (name=${name}) already exists.` });
          registered.set(name, 0);
          return send(200, { registered_model: { name } });
        }
        case '/api/2.0/mlflow/model-versions/create': {
          const name = String(body?.name);
          const n = (registered.get(name) ?? 0) + 1;
          if (!registered.has(name)) return send(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Registered Model with name=${name} not found` });
          registered.set(name, n);
          return send(200, { model_version: { name, version: String(n), run_id: body?.run_id } });
        }
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

const short = (l: Logged): string => l.path.replace('/api/2.0/mlflow/', '');

describe('registry → MLflow automatic logging', () => {
  it('logs a registered version (experiment, run, log-batch, registered model, model version), its later metrics and status', async () => {
    const mlflow = await fakeMlflow();
    try {
      await core.invoke('settings.update', { mlflowTrackingUri: mlflow.url });
      await core.invoke('registry.upsertModel', { name: 'minilm', type: 'embedding', provider: 'huggingface', source: { kind: 'hub', repoId: 'org/minilm', revision: 'abc123' }, dimension: 384 });
      const reg = await core.invoke('registry.registerVersion', { model: 'minilm', version: '1.0.0', description: 'first', metrics: { accuracy: 0.92 } });
      expect(reg.version.version).toBe('1.0.0');

      const status = await core.invoke('registry.mlflowStatus', {});
      expect(status).toMatchObject({ configured: true, uri: mlflow.url, reachable: true, lastError: null });
      expect(status.lastSyncAt).not.toBeNull();
      expect(mlflow.log.map(short)).toEqual([
        'experiments/get-by-name',
        'experiments/create',
        'runs/create',
        'runs/log-batch',
        'registered-models/create',
        'model-versions/create',
      ]);
      const runId = 'run3'; // the fake names runs by request count
      const batch = mlflow.log[3]?.body as { run_id: string; params: Array<{ key: string; value: string }>; metrics: Array<{ key: string; value: number; step: number }> };
      expect(batch.run_id).toBe(runId);
      expect(batch.params).toContainEqual({ key: 'model_version', value: '1.0.0' });
      expect(batch.metrics.map((m) => [m.key, m.value, m.step])).toEqual([['accuracy', 0.92, 0]]);
      expect(mlflow.log[4]?.body).toMatchObject({ name: 'minilm' });
      expect(mlflow.log[5]?.body).toMatchObject({
        name: 'minilm',
        source: 'hf://org/minilm@abc123',
        run_id: runId,
        description: 'first',
        tags: [
          { key: 'model_center.version', value: '1.0.0' },
          { key: 'model_center.status', value: 'development' },
        ],
      });

      // Metrics recorded later go to the same run as one more step.
      mlflow.log.length = 0;
      await core.invoke('registry.recordMetrics', { model: 'minilm', version: '1.0.0', metrics: { accuracy: 0.95, latency_ms: 30 }, source: 'bench' });
      await core.invoke('registry.mlflowStatus', {});
      expect(mlflow.log.map(short)).toEqual(['runs/log-batch']);
      const later = mlflow.log[0]?.body as { run_id: string; metrics: Array<{ key: string; value: number; step: number }> };
      expect(later.run_id).toBe(runId);
      expect(later.metrics.map((m) => [m.key, m.value, m.step])).toEqual([
        ['accuracy', 0.95, 1],
        ['latency_ms', 30, 1],
      ]);

      // A status change tags the run and the MLflow model version.
      mlflow.log.length = 0;
      await core.invoke('registry.setStatus', { model: 'minilm', version: '1.0.0', status: 'staging' });
      await core.invoke('registry.mlflowStatus', {});
      expect(mlflow.log.map(short)).toEqual(['runs/log-batch', 'model-versions/set-tag']);
      expect(mlflow.log[1]?.body).toEqual({ name: 'minilm', version: '1', key: 'model_center.status', value: 'staging' });

      // A second version reuses the experiment and the registered model (RESOURCE_ALREADY_EXISTS is fine).
      mlflow.log.length = 0;
      await core.invoke('registry.registerVersion', { model: 'minilm', version: '1.1.0' });
      const after = await core.invoke('registry.mlflowStatus', {});
      expect(after).toMatchObject({ reachable: true, lastError: null });
      expect(mlflow.log.map(short)).toEqual(['experiments/get-by-name', 'runs/create', 'runs/log-batch', 'registered-models/create', 'model-versions/create']);
      // Its own run (the fake names runs by request count: runs/create was request 2 here).
      expect(mlflow.log[4]?.body).toMatchObject({ name: 'minilm', run_id: 'run2' });
    } finally {
      await mlflow.close();
    }
  });

  it('with MLflow down, registration still succeeds and status says unreachable', async () => {
    const mlflow = await fakeMlflow();
    const url = mlflow.url;
    await mlflow.close();
    await core.invoke('settings.update', { mlflowTrackingUri: url });
    await core.invoke('registry.upsertModel', { name: 'm', type: 'llm', provider: 'local' });
    const reg = await core.invoke('registry.registerVersion', { model: 'm', version: '1.0.0', metrics: { f1: 0.5 } });
    expect(reg.version.status).toBe('development');
    expect(await core.invoke('registry.versions', { model: 'm' })).toHaveLength(1);
    const status = await core.invoke('registry.mlflowStatus', {});
    expect(status).toMatchObject({ configured: true, uri: url, reachable: false, lastSyncAt: null });
    expect(status.lastError).toMatch(/cannot be reached/);
  });

  it('with nothing configured, sends nothing and status says off', async () => {
    const mlflow = await fakeMlflow();
    try {
      await core.invoke('registry.upsertModel', { name: 'm', type: 'llm', provider: 'local' });
      await core.invoke('registry.registerVersion', { model: 'm', version: '1.0.0', metrics: { f1: 0.5 } });
      await core.invoke('registry.recordMetrics', { model: 'm', version: '1.0.0', metrics: { f1: 0.6 }, source: null });
      expect(await core.invoke('registry.mlflowStatus', {})).toEqual({ configured: false, uri: null, reachable: null, lastError: null, lastSyncAt: null });
      expect(mlflow.log).toEqual([]);
    } finally {
      await mlflow.close();
    }
  });

  it('takes MLFLOW_TRACKING_URI from the environment over the stored setting, and refuses a non-URL setting', async () => {
    await expectCode(() => core.invoke('settings.update', { mlflowTrackingUri: 'localhost:5000' }), 'INVALID_INPUT');
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-mlflow-env-'));
    const envCore = createCore({ surface: 'test', env: { MODEL_CENTER_HOME: home, MODEL_CENTER_CHECK_OUTPUT: '1', MLFLOW_TRACKING_URI: 'http://127.0.0.1:9/' } });
    try {
      await envCore.invoke('settings.update', { mlflowTrackingUri: 'http://stored.example:5000' });
      const view = await envCore.invoke('settings.get', {});
      expect(view.values.mlflowTrackingUri).toBe('http://127.0.0.1:9');
      expect(view.sources.mlflowTrackingUri).toBe('env');
      expect(await envCore.invoke('registry.mlflowStatus', {})).toMatchObject({ configured: true, uri: 'http://127.0.0.1:9', reachable: null });
    } finally {
      await envCore.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('MLflow credentials', () => {
  it('sends user:password from the URI as basic auth and never shows the password in status or errors', async () => {
    const mlflow = await fakeMlflow();
    const withCreds = mlflow.url.replace('http://', 'http://alice:s3cret@');
    try {
      await core.invoke('settings.update', { mlflowTrackingUri: withCreds });
      await core.invoke('registry.upsertModel', { name: 'm', type: 'llm', provider: 'local' });
      await core.invoke('registry.registerVersion', { model: 'm', version: '1.0.0' });
      const ok = await core.invoke('registry.mlflowStatus', {});
      expect(ok).toMatchObject({ uri: mlflow.url, reachable: true });
      expect(mlflow.log[0]?.auth).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    } finally {
      await mlflow.close();
    }
    await core.invoke('registry.registerVersion', { model: 'm', version: '1.1.0' });
    const down = await core.invoke('registry.mlflowStatus', {});
    expect(down.reachable).toBe(false);
    expect(JSON.stringify(down)).not.toContain('s3cret');
  });
});

describe('MLflow from the CLI', () => {
  it('configure mlflowTrackingUri=…, register logs before the process exits, mlflow-status reports it', async () => {
    const { runCli } = await import('../../src/main/cli/run-cli');
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-mlflow-cli-'));
    const cli = async (...argv: string[]): Promise<{ code: number; out: string }> => {
      let out = '';
      const code = await runCli(argv, { out: (t) => (out += `${t}\n`), err: (t) => (out += `${t}\n`), isTTY: false }, { MODEL_CENTER_HOME: home });
      return { code, out };
    };
    const mlflow = await fakeMlflow();
    try {
      expect((await cli('mlflow-status')).out).toMatch(/MLflow: off/);
      const conf = await cli('configure', `mlflowTrackingUri=${mlflow.url}`);
      expect(conf.code).toBe(0);
      expect(conf.out).toMatch(/mlflowTrackingUri/);
      expect((await cli('register', 'minilm', '1.0.0', '--type', 'embedding', '--repo', 'org/minilm')).code).toBe(0);
      // Each CLI run is its own process-like core: close waited for the background logging.
      expect(mlflow.log.map(short)).toContain('model-versions/create');
      const st = await cli('mlflow-status', '--json');
      // A later process sees the outcome the earlier one recorded (the state lives in SQLite, not in memory).
      expect(JSON.parse(st.out)).toMatchObject({ configured: true, uri: mlflow.url, reachable: true, lastError: null });
      await mlflow.close();
      expect((await cli('register', 'minilm', '1.1.0')).code).toBe(0);
      const down = await cli('mlflow-status');
      expect((await cli('status')).out).toMatch(/MLflow\s+unreachable at/);
      expect(down.out).toMatch(/MLflow: unreachable at http:\/\/127\.0\.0\.1:\d+: MLflow at .* cannot be reached/);
    } finally {
      await mlflow.close().catch(() => undefined);
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
