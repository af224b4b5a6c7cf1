import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import catalogueJson from '../../../../resources/recommended-models.json';
import { RecommendedCatalogueSchema, type MachineDTO, type RecommendedResultDTO, type RequiredRef } from '../../../shared/contract';
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

/** Where each kind of model lands when installed: the Hub cache, Ollama's store (its server writes there), the app's Vosk folder. */
export interface InstallDirs {
  huggingface: string;
  ollama: string;
  vosk: string;
}

export async function machineInfo(env: Env, dirs: InstallDirs): Promise<MachineDTO> {
  const kinds = ['huggingface', 'ollama', 'vosk'] as const;
  const [gpuList, ...disks] = await Promise.all([nvidiaGpus(env), ...kinds.map((k) => freeDisk(dirs[k]))]);
  const installDirs = kinds.map((kind, i) => ({ kind, path: disks[i]!.diskPath, freeDiskBytes: disks[i]!.freeDiskBytes }));
  return { totalRamBytes: os.totalmem(), diskPath: disks[0]!.diskPath, freeDiskBytes: disks[0]!.freeDiskBytes, gpus: gpuList, installDirs };
}

const KIND_OF_REF: Record<RequiredRef['kind'], MachineDTO['installDirs'][number]['kind']> = { hf: 'huggingface', ollama: 'ollama', vosk: 'vosk' };

const gb = (n: number): string => `${(n / GB).toFixed(1)} GB`;

/**
 * The curated list against this machine: RAM, free disk where each model would land, the best NVIDIA GPU's
 * memory; `isInstalled` says which are already here (ensure's own presence check).
 */
export async function recommended(env: Env, dirs: InstallDirs, isInstalled: (ref: string) => Promise<boolean>): Promise<RecommendedResultDTO> {
  const machine = await machineInfo(env, dirs);
  const bestGpu = machine.gpus.reduce((a, g) => Math.max(a, g.memoryBytes), 0);
  const installed = await Promise.all(RECOMMENDED.models.map((m) => isInstalled(m.ref).catch(() => false)));
  const models = RECOMMENDED.models.map((m, i) => {
    const reasons: string[] = [];
    let fits = true;
    if (m.ramGB * GB > machine.totalRamBytes) {
      fits = false;
      reasons.push(`needs ~${m.ramGB} GB RAM, this machine has ${gb(machine.totalRamBytes)}`);
    }
    const kind = m.ref.split(':')[0] as RequiredRef['kind'];
    const disk = machine.installDirs.find((d) => d.kind === KIND_OF_REF[kind]);
    if (!installed[i] && disk && disk.freeDiskBytes !== null && m.diskMB * MB > disk.freeDiskBytes) {
      fits = false;
      reasons.push(`needs ~${m.diskMB} MB on disk, ${gb(disk.freeDiskBytes)} free in ${disk.path}`);
    }
    if (m.vramGB !== null) {
      if (machine.gpus.length === 0) reasons.push('no GPU found: runs on the CPU, slower');
      else if (m.vramGB * GB > bestGpu) reasons.push(`GPU has ${gb(bestGpu)}, wants ~${m.vramGB} GB: partly on the CPU, slower`);
    }
    return { ...m, fits, reasons, installed: installed[i] ?? false };
  });
  return { note: RECOMMENDED.note, machine, models };
}
