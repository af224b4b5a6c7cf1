import fs from 'node:fs';
import path from 'node:path';
import type { Core } from '../../src/main/core/create-core';
import { ValidationStore } from '../../src/main/core/inference/validate-model';
import type { JobDTO } from '../../src/shared/contract';

/** Downloads `repo` from the loopback hub into the core's cache, and registers it with versions, statuses and metrics. */
export async function prepareModel(core: Core, repo: string, name: string): Promise<{ commit: string }> {
  const job = await core.invoke('hub.download', { repo });
  const done = await core.jobs.waitForSettled(job.id);
  if (done.state !== 'done') throw new Error(`download failed: ${JSON.stringify(done.error)}`);
  const commit = (await core.invoke('hub.status', { repo })).downloaded!.commit;
  await core.invoke('registry.upsertModel', {
    name,
    type: 'embedding',
    provider: 'huggingface',
    source: { kind: 'hub', repoId: repo, revision: commit },
    aliases: [`${name}-alias`],
    dimension: 32,
    maxSeqLength: 128,
    pooling: 'mean',
  });
  await core.invoke('registry.registerVersion', { model: name, version: '1.0.0', status: 'production', description: 'first', metrics: { recall_at_10: 0.91 } });
  await core.invoke('registry.registerVersion', { model: name, version: '1.1.0', status: 'staging', description: 'second' });
  await core.invoke('registry.setCurrent', { model: name, version: '1.0.0' });
  await core.invoke('registry.recordMetrics', { model: name, version: '1.1.0', metrics: { recall_at_10: 0.93, latency_ms: 4.5 }, source: 'validate' });
  // A validation result as `inference.validate` stores it (the real one needs real ONNX weights; see the inference tests).
  new ValidationStore(core.db).save({
    model: name,
    registryModel: name,
    version: '1.0.0',
    modelKey: `hub:${repo}@${commit}:onnx/model.onnx`,
    ok: true,
    dimension: 32,
    executionProvider: 'cpu',
    checks: [{ name: 'dimension', ok: true, detail: '32 as registered' }],
    checkedAt: '2026-01-02T03:04:05.000Z',
  });
  return { commit };
}

export async function runJob(core: Core, job: JobDTO): Promise<JobDTO> {
  return core.jobs.waitForSettled(job.id);
}

/** Every path under a folder (files, links, folders), relative, for "nothing left behind" checks. */
export function treeOf(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(r);
      if (e.isDirectory()) walk(path.join(d, e.name), r);
    }
  };
  walk(dir, '');
  return out.sort();
}
