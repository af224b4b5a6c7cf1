import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import catalogueJson from '../../../../resources/recommended-models.json';
import { RecommendedCatalogueSchema, type MachineDTO, type RecommendedResultDTO } from '../../../shared/contract';
import type { Env } from '../paths';
import { VOSK_CATALOGUE } from '../vosk/vosk-catalogue';

const GB = 1024 ** 3;
const MB = 1024 ** 2;

/**
 * Validated once: a broken catalogue is a bug of the app, reported as such. Speech models come from the Vosk
 * catalogue (unpacked size on disk: the zip is removed once installed), so the two lists cannot disagree.
 */
export const RECOMMENDED = RecommendedCatalogueSchema.parse({
  ...catalogueJson,
  models: [
    ...catalogueJson.models,
    ...VOSK_CATALOGUE.models.map((m) => ({ kind: 'stt', ref: `vosk:${m.name}`, title: m.title, diskMB: m.unpackedMB, ramGB: m.ramGB, vramGB: null })),
  ],
});

/** The nearest existing folder (the cache may not exist yet) and its free space. */
async function freeDisk(dir: string): Promise<{ diskPath: string; freeDiskBytes: number | null }> {
  let p = path.resolve(dir);
  for (;;) {
    try {
      const s = await fs.promises.statfs(p);
      return { diskPath: p, freeDiskBytes: Number(s.bavail) * Number(s.bsize) };
    } catch {
      const parent = path.dirname(p);
      if (parent === p) return { diskPath: dir, freeDiskBytes: null };
      p = parent;
    }
  }
}

/** `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader` lines such as `NVIDIA H100, 81559 MiB`. */
export function parseNvidiaSmi(text: string): MachineDTO['gpus'] {
  const gpus: MachineDTO['gpus'] = [];
  for (const line of text.split('\n')) {
    const m = /^(.*),\s*(\d+(?:\.\d+)?)\s*MiB\s*$/.exec(line.trim());
    if (m?.[1]) gpus.push({ name: m[1].trim(), memoryBytes: Math.round(Number(m[2]) * MB) });
  }
  return gpus;
}

/** NVIDIA GPUs and their memory; other GPUs, which the recommendations' VRAM figures are not about, are system/gpu-detect's. */
export function nvidiaGpus(env: Env): Promise<MachineDTO['gpus']> {
  const bin = env.MODEL_CENTER_NVIDIA_SMI?.trim() || 'nvidia-smi';
  return new Promise((resolve) => {
    execFile(bin, ['--query-gpu=name,memory.total', '--format=csv,noheader'], { timeout: 5000, env: { PATH: env.PATH ?? process.env.PATH ?? '' } }, (err, stdout) => {
      resolve(err ? [] : parseNvidiaSmi(stdout));
    });
  });
}

export async function machineInfo(env: Env, cacheDir: string): Promise<MachineDTO> {
  const [disk, gpuList] = await Promise.all([freeDisk(cacheDir), nvidiaGpus(env)]);
  return { totalRamBytes: os.totalmem(), ...disk, gpus: gpuList };
}

const gb = (n: number): string => `${(n / GB).toFixed(1)} GB`;

export async function recommended(env: Env, cacheDir: string): Promise<RecommendedResultDTO> {
  const machine = await machineInfo(env, cacheDir);
  const bestGpu = machine.gpus.reduce((a, g) => Math.max(a, g.memoryBytes), 0);
  const models = RECOMMENDED.models.map((m) => {
    const reasons: string[] = [];
    let fits = true;
    if (m.ramGB * GB > machine.totalRamBytes) {
      fits = false;
      reasons.push(`needs ~${m.ramGB} GB RAM, this machine has ${gb(machine.totalRamBytes)}`);
    }
    if (machine.freeDiskBytes !== null && m.diskMB * MB > machine.freeDiskBytes) {
      fits = false;
      reasons.push(`needs ~${m.diskMB} MB on disk, ${gb(machine.freeDiskBytes)} free in ${machine.diskPath}`);
    }
    if (m.vramGB !== null) {
      if (machine.gpus.length === 0) reasons.push('no GPU found: runs on the CPU, slower');
      else if (m.vramGB * GB > bestGpu) reasons.push(`GPU has ${gb(bestGpu)}, wants ~${m.vramGB} GB: partly on the CPU, slower`);
    }
    return { ...m, fits, reasons };
  });
  return { note: RECOMMENDED.note, machine, models };
}
