import { createHash } from 'node:crypto';
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import type { BenchMachineDTO } from '../../../shared/contract';
import { APP_VERSION } from '../app-info';
import { physicalCores } from '../inference/execution-providers';
import type { Env } from '../paths';
import { detectGpus } from '../system/gpu-detect';

type MachineFacts = Pick<BenchMachineDTO, 'cpuModel' | 'physicalCores' | 'logicalCores' | 'totalRamBytes' | 'gpus' | 'os'>;

/** What decides speed, hashed: results with the same id ran on comparable machines. */
export function machineId(facts: MachineFacts): string {
  const identity = [
    facts.cpuModel,
    facts.physicalCores,
    facts.logicalCores,
    // Rounded: the kernel reports a few MB more or less across boots.
    Math.round(facts.totalRamBytes / 1024 ** 3),
    // NVIDIA cards read `name:GB` as they always did; a GPU whose memory is not known reads `name:?`.
    facts.gpus.map((g) => `${g.name}:${g.memoryBytes === null ? '?' : Math.round(g.memoryBytes / 1024 ** 3)}`).join(','),
    facts.os.platform,
    facts.os.arch,
  ].join('|');
  return createHash('sha256').update(identity).digest('hex').slice(0, 12);
}

/**
 * The machine a benchmark ran on, stored with every result. Its id hashes what decides speed (CPU model and
 * cores, RAM, GPUs, OS family and architecture), not the host name: two identical machines compare fairly, one
 * machine whose GPU or RAM changed does not.
 */
export async function benchMachine(env: Env): Promise<BenchMachineDTO> {
  const cpus = os.cpus();
  const gpuList = await detectGpus(env);
  const facts = {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    physicalCores: physicalCores(),
    logicalCores: os.availableParallelism(),
    totalRamBytes: os.totalmem(),
    gpus: gpuList,
    os: { platform: process.platform, type: os.type(), release: os.release(), arch: process.arch },
  };
  return {
    id: machineId(facts),
    hostname: os.hostname(),
    ...facts,
    nodeVersion: process.versions.node,
    appVersion: APP_VERSION,
    onnxruntimeVersion: ort.env.versions.common ?? 'unknown',
  };
}
