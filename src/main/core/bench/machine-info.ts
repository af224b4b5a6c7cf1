import { createHash } from 'node:crypto';
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import type { BenchMachineDTO } from '../../../shared/contract';
import { APP_VERSION } from '../app-info';
import { gpus } from '../ensure/recommended';
import { physicalCores } from '../inference/execution-providers';
import type { Env } from '../paths';

/**
 * The machine a benchmark ran on, stored with every result. Its id hashes what decides speed (CPU model and
 * cores, RAM, GPUs, OS family and architecture), not the host name: two identical machines compare fairly, one
 * machine whose GPU or RAM changed does not.
 */
export async function benchMachine(env: Env): Promise<BenchMachineDTO> {
  const cpus = os.cpus();
  const gpuList = await gpus(env);
  const facts = {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    physicalCores: physicalCores(),
    logicalCores: os.availableParallelism(),
    totalRamBytes: os.totalmem(),
    gpus: gpuList,
    os: { platform: process.platform, type: os.type(), release: os.release(), arch: process.arch },
  };
  const identity = [
    facts.cpuModel,
    facts.physicalCores,
    facts.logicalCores,
    // Rounded: the kernel reports a few MB more or less across boots.
    Math.round(facts.totalRamBytes / 1024 ** 3),
    gpuList.map((g) => `${g.name}:${Math.round(g.memoryBytes / 1024 ** 3)}`).join(','),
    facts.os.platform,
    facts.os.arch,
  ].join('|');
  return {
    id: createHash('sha256').update(identity).digest('hex').slice(0, 12),
    hostname: os.hostname(),
    ...facts,
    nodeVersion: process.versions.node,
    appVersion: APP_VERSION,
    onnxruntimeVersion: ort.env.versions.common ?? 'unknown',
  };
}
