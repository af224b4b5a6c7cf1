import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderSetting } from '../../../shared/contract';

/** Physical cores (what onnxruntime itself defaults intra-op threads to); hyperthreads add little to GEMM. */
export function physicalCores(): number {
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const cores = new Set<string>();
    let phys = '0';
    for (const line of info.split('\n')) {
      const [k, v] = line.split(':').map((s) => s?.trim());
      if (k === 'physical id') phys = v ?? '0';
      else if (k === 'core id') cores.add(`${phys}:${v}`);
    }
    if (cores.size > 0) return cores.size;
  } catch {
    /* not Linux: fall through */
  }
  return Math.max(1, os.availableParallelism());
}

/** Whether the optional CUDA provider library was installed next to onnxruntime-node (it is not in the npm tarball). */
function cudaInstalled(): boolean {
  try {
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('onnxruntime-node/package.json'));
    const lib = path.join(dir, 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so');
    return fs.existsSync(lib);
  } catch {
    return false;
  }
}

/** Providers to try, in order, for a setting on this platform; CPU always closes the list. */
export function providerCandidates(setting: ExecutionProviderSetting, platform = process.platform): string[] {
  if (setting === 'cpu') return ['cpu'];
  if (setting !== 'auto') return [setting, 'cpu'];
  const gpu: string[] = [];
  if (platform === 'win32') gpu.push('dml', 'webgpu');
  else if (platform === 'darwin') gpu.push('coreml', 'webgpu');
  else {
    if (cudaInstalled()) gpu.push('cuda');
    gpu.push('webgpu');
  }
  return [...gpu, 'cpu'];
}

export interface CreatedSession {
  session: ort.InferenceSession;
  executionProvider: string;
  /** Why the first provider asked for is not the one in use; null when it is. */
  fallbackReason: string | null;
}

function shortReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // Native messages carry the source path and line of onnxruntime first; the reason is at the end.
  const line = text.split('\n')[0] ?? text;
  return line.replace(/^.*?(?:\.cc|\.h):\d+ [^ ]+ /, '').slice(0, 300);
}

/** The options of every session we create (exported so benchmarks give their baselines the very same ones). */
export function sessionOptions(ep: string, threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [ep],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // Spinning threads burn a core after every short request; latency is the same without (PERFORMANCE.md).
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

/** Providers that failed to start in this process: not retried for every model (each try costs time and logs). */
const failedProviders = new Map<string, string>();

/** Creates a session on the first provider that starts, falling back to CPU and saying why. */
export async function createSession(onnxFile: string, setting: ExecutionProviderSetting, threads: number): Promise<CreatedSession> {
  const candidates = providerCandidates(setting);
  const reasons: string[] = [];
  for (const ep of candidates) {
    const known = failedProviders.get(ep);
    if (known && ep !== 'cpu') {
      reasons.push(`${ep}: ${known}`);
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(onnxFile, sessionOptions(ep, threads));
      return { session, executionProvider: ep, fallbackReason: reasons.length ? reasons.join('; ') : null };
    } catch (err) {
      const reason = shortReason(err);
      if (ep === 'cpu') throw err;
      failedProviders.set(ep, reason);
      reasons.push(`${ep}: ${reason}`);
    }
  }
  throw new Error(`no execution provider could start (${reasons.join('; ')})`);
}
