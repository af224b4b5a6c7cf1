import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderSetting } from '../../../shared/contract';

/**
 * Physical cores listed in a Linux /proc/cpuinfo: distinct (physical id, core id) pairs. 0 when it names none
 * (ARM kernels and some virtual machines leave those fields out).
 */
export function physicalCoresFromCpuinfo(text: string): number {
  const cores = new Set<string>();
  let phys = '0';
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) {
      if (!line.trim()) phys = '0'; // a blank line ends one processor's block
      continue;
    }
    const k = line.slice(0, colon).trim();
    const v = line.slice(colon + 1).trim();
    if (k === 'physical id') phys = v;
    else if (k === 'core id') cores.add(`${phys}:${v}`);
  }
  return cores.size;
}

function physicalCoresOfPlatform(): number {
  try {
    if (process.platform === 'linux') return physicalCoresFromCpuinfo(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (process.platform === 'darwin') return Number(execFileSync('sysctl', ['-n', 'hw.physicalcpu'], { encoding: 'utf8', timeout: 2000 }).trim()) || 0;
  } catch {
    /* unreadable, or sysctl missing: fall back to the logical count */
  }
  // Windows: Node has no physical-core count (it would take a WMI query through PowerShell, seconds at startup),
  // so the logical count stands, hyperthreads included; set inferenceThreads to use fewer.
  return 0;
}

let cachedCores: number | null = null;

/**
 * Physical cores (what onnxruntime itself defaults intra-op threads to; hyperthreads add little to GEMM), at most
 * the CPUs this process may run on (availableParallelism follows the affinity mask, e.g. taskset or a container's
 * cpuset). Read once per process.
 */
export function physicalCores(): number {
  if (cachedCores === null) {
    const logical = Math.max(1, os.availableParallelism());
    const physical = physicalCoresOfPlatform();
    cachedCores = physical > 0 ? Math.min(physical, logical) : logical;
  }
  return cachedCores;
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

let vulkanLoader: boolean | undefined;

/**
 * Whether the Vulkan loader can be loaded, looked up as WebGPU's Dawn looks it up (dlopen of libvulkan.so.1).
 * process.dlopen does that lookup; the library then fails as a Node addon ("did not self-register") and is closed
 * again. Only dlerror's not-found answer counts as absent, so any other outcome still lets WebGPU try.
 */
function vulkanLoaderPresent(): boolean {
  if (vulkanLoader === undefined) {
    try {
      process.dlopen({ exports: {} }, 'libvulkan.so.1');
      vulkanLoader = true;
    } catch (err) {
      vulkanLoader = !/cannot open shared object file/i.test(err instanceof Error ? err.message : String(err));
    }
  }
  return vulkanLoader;
}

/**
 * Why a provider cannot start on this machine, known without trying it (null: try it). A GPU provider that is not
 * there is not tried at all: the attempt costs time, and WebGPU without a Vulkan loader makes Dawn print
 * "Couldn't load Vulkan" on stderr for every session (onnxruntime's log severity does not reach Dawn's logging).
 */
export function unavailableReason(ep: string): string | null {
  if (ep === 'cpu') return null;
  const platform = process.platform;
  if (!ort.listSupportedBackends().some((b) => b.name === ep)) return `not part of onnxruntime-node on ${platform}`;
  if (ep === 'cuda' && platform === 'linux' && !cudaInstalled()) return 'the CUDA provider library is not installed (see the README: GPU)';
  if (ep === 'webgpu' && platform === 'linux' && !vulkanLoaderPresent()) return 'no Vulkan loader (libvulkan.so.1) on this machine; install libvulkan1';
  return null;
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

export interface ExpectedStart {
  provider: string;
  /** Why the providers before it are skipped, as a session would say it; null when it is the first asked for. */
  fallbackReason: string | null;
}

/**
 * Where a session for this setting is expected to start: the first candidate not known to be unavailable here.
 * A GPU provider may still fail when it is tried (no adapter); the session says so then.
 */
export function expectedStart(setting: ExecutionProviderSetting): ExpectedStart {
  const reasons: string[] = [];
  for (const ep of providerCandidates(setting)) {
    const reason = unavailableReason(ep);
    if (!reason) return { provider: ep, fallbackReason: reasons.length ? reasons.join('; ') : null };
    reasons.push(`${ep}: ${reason}`);
  }
  return { provider: 'cpu', fallbackReason: reasons.join('; ') };
}

export interface CreatedSession {
  session: ort.InferenceSession;
  executionProvider: string;
  /** Why the first provider asked for is not the one in use; null when it is. */
  fallbackReason: string | null;
}

/** A C++ function as onnxruntime prints it: return type, qualified name, arguments, lambda suffixes. */
const CXX_FUNCTION = /^(?:[\w:<>,*& ~]+?\s)?[\w:~<>]+\((?:[^()]|\([^()]*\))*\)(?:\s*const)?(?:::<lambda\([^)]*\)>)*\s+/;
const MAX_REASON = 200;

/**
 * onnxruntime's error cut to the sentence a person can act on. Native errors start with the source file and line
 * and the C++ function (lambdas and all); a failed check goes on with its condition and "was false.", a failed
 * status with "[ONNXRuntimeError] : 1 : FAIL :"; the reason comes after those.
 */
export function shortReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  let line = (text.split('\n').find((l) => l.trim()) ?? text).trim().slice(0, 2000);
  line = line.replace(/^\S+\.(?:cc|cpp|cxx|h|hpp|mm):\d+\s+/, '');
  const status = /\[ONNXRuntimeError\] : \d+ : \w+ : (.+)$/.exec(line);
  const check = / was false\.\s*(.*)$/.exec(line);
  if (status) line = status[1]!;
  else if (check?.[1]) line = check[1];
  else line = line.replace(CXX_FUNCTION, '');
  line = line
    .replace(/^OrtSessionOptionsAppendExecutionProvider_\w+: /, '')
    .replace(/^no available backend found\. ERR: \[\w+\] /, '')
    .trim();
  if (!line) line = text.trim();
  if (line.length <= MAX_REASON) return line;
  const cut = line.lastIndexOf(' ', MAX_REASON - 1);
  return `${line.slice(0, cut > MAX_REASON / 2 ? cut : MAX_REASON - 1)}…`;
}

/** The options of every session we create (exported so benchmarks give their baselines the very same ones). */
export function sessionOptions(ep: string, threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [ep],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // Spinning threads burn a core after every short request (about 3 CPU-seconds in the second after one query on
    // a 4-core machine), and latency is the same without.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

/** Providers that failed to start in this thread: not retried for every model (each try costs time and logs). */
const failedProviders = new Map<string, string>();

/** Creates a session on the first provider that starts, falling back to CPU and saying why. */
export async function createSession(onnxFile: string, setting: ExecutionProviderSetting, threads: number): Promise<CreatedSession> {
  const candidates = providerCandidates(setting);
  const reasons: string[] = [];
  for (const ep of candidates) {
    const known = failedProviders.get(ep) ?? unavailableReason(ep);
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
