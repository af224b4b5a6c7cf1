import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { nvidiaGpus } from '../ensure/recommended';
import type { Env } from '../paths';
import { gpusFromDrm, mergeGpus, parseCimVideoControllers, parseLspciMm, parseSystemProfiler, type DetectedGpu, type DrmCard } from './gpu-parsers';

export type MachineGpu = ReturnType<typeof mergeGpus>[number];

const TOOL_TIMEOUT_MS = 5000;
/** PowerShell's first start on a cold Windows machine takes seconds. */
const POWERSHELL_TIMEOUT_MS = 15_000;

/** A tool's standard output, or null when it is missing, fails or runs past its timeout. Never throws. */
function toolOutput(file: string, args: string[], timeout: number): Promise<string | null> {
  return new Promise((resolve) => {
    try {
      execFile(file, args, { timeout, maxBuffer: 4 * 1024 * 1024, windowsHide: true }, (err, stdout) => resolve(err ? null : stdout));
    } catch {
      resolve(null);
    }
  });
}

const readText = (file: string): Promise<string | null> => fs.promises.readFile(file, 'utf8').then((t) => t.trim(), () => null);

/** /sys/class/drm/cardN (not its connectors, not render nodes) whose device is on PCI: one per GPU with a driver. */
export async function readDrmCards(root = '/sys/class/drm'): Promise<DrmCard[]> {
  const names = await fs.promises.readdir(root).catch(() => [] as string[]);
  const cards = names.filter((n) => /^card\d+$/.test(n)).sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
  const read = await Promise.all(
    cards.map(async (card): Promise<DrmCard | null> => {
      const device = path.join(root, card, 'device');
      const [vendorId, deviceId, target, vram] = await Promise.all([
        readText(path.join(device, 'vendor')),
        readText(path.join(device, 'device')),
        fs.promises.realpath(device).catch(() => null),
        // amdgpu says how much VRAM it has; i915 and nouveau do not.
        readText(path.join(device, 'mem_info_vram_total')),
      ]);
      if (!vendorId || !deviceId || !target) return null;
      const vramBytes = vram && /^\d+$/.test(vram) && Number(vram) > 0 ? Number(vram) : null;
      return { slot: path.basename(target), vendorId, deviceId, vramBytes };
    }),
  );
  return read.filter((c) => c !== null);
}

async function linuxGpus(): Promise<DetectedGpu[]> {
  const cards = await readDrmCards();
  if (!cards.length) return [];
  const lspci = await toolOutput('lspci', ['-mm', '-D'], TOOL_TIMEOUT_MS);
  return gpusFromDrm(cards, parseLspciMm(lspci ?? ''));
}

async function platformGpus(platform: NodeJS.Platform): Promise<DetectedGpu[]> {
  switch (platform) {
    case 'linux':
      return linuxGpus();
    case 'darwin':
      return parseSystemProfiler((await toolOutput('system_profiler', ['SPDisplaysDataType', '-json'], TOOL_TIMEOUT_MS)) ?? '');
    case 'win32': {
      const query = 'Get-CimInstance -ClassName Win32_VideoController | Select-Object Name,AdapterRAM,PNPDeviceID | ConvertTo-Json -Compress';
      return parseCimVideoControllers((await toolOutput('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', query], POWERSHELL_TIMEOUT_MS)) ?? '');
    }
    default:
      return [];
  }
}

const cache = new Map<string, Promise<MachineGpu[]>>();

/**
 * Every GPU of this machine: NVIDIA's through nvidia-smi (with their memory), the others through the OS's own tools.
 * Asked once per process (per nvidia-smi setting): the tools take up to seconds, and GPUs do not come and go.
 */
export function detectGpus(env: Env): Promise<MachineGpu[]> {
  const key = `${env.MODEL_CENTER_NVIDIA_SMI ?? ''}|${env.PATH ?? ''}`;
  let found = cache.get(key);
  if (!found) {
    found = Promise.all([nvidiaGpus(env), platformGpus(process.platform).catch(() => [])]).then(([nvidia, others]) => mergeGpus(nvidia, others));
    cache.set(key, found);
  }
  return found;
}
