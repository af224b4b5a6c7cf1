import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { physicalCores, physicalCoresFromCpuinfo, shortReason } from '../../src/main/core/inference/execution-providers';

describe('fallback reasons', () => {
  // Messages as onnxruntime-node 1.30 throws them (the WebGPU one seen on a machine without a GPU adapter).
  it.each([
    [
      '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\n',
      'Failed to get a WebGPU adapter: No supported adapters',
    ],
    [
      '/onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:1778 onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.12: cannot open shared object file: No such file or directory',
      'Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.12: cannot open shared object file: No such file or directory',
    ],
    ['/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:201 void onnxruntime::webgpu::WebGpuContext::Init(int) device lost while creating buffers', 'device lost while creating buffers'],
    ['OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library', 'Failed to load shared library'],
    ['no available backend found. ERR: [dml] backend not found.', 'backend not found.'],
    ['plain message from somewhere else', 'plain message from somewhere else'],
  ])('keeps the reason of %j', (message, expected) => {
    const reason = shortReason(new Error(message));
    expect(reason).toBe(expected);
    expect(reason).not.toMatch(/<lambda|::|\.cc:\d/);
  });

  it('cuts a long reason at a word, with an ellipsis', () => {
    const reason = shortReason(new Error(`x.cc:1 f() ${'word '.repeat(100)}`));
    expect(reason.length).toBeLessThanOrEqual(200);
    expect(reason).toMatch(/word…$/);
  });
});

describe('physical cores', () => {
  const block = (proc: number, phys: number, core: number): string =>
    `processor\t: ${proc}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU\nphysical id\t: ${phys}\nsiblings\t: 4\ncore id\t\t: ${core}\ncpu cores\t: 2\nflags\t\t: fpu vme de: pse\n\n`;

  it('counts distinct (socket, core) pairs of /proc/cpuinfo, so hyperthreads count once', () => {
    // Two sockets of two cores, each with two hyperthreads: 8 logical processors, 4 physical cores.
    const text = [0, 1, 2, 3, 4, 5, 6, 7].map((p) => block(p, p >> 2, (p >> 1) & 1)).join('');
    expect(physicalCoresFromCpuinfo(text)).toBe(4);
  });

  it('finds none where cpuinfo has no core ids (ARM), so the logical count is used', () => {
    expect(physicalCoresFromCpuinfo('processor\t: 0\nBogoMIPS\t: 50.00\nCPU part\t: 0xd0c\n\nprocessor\t: 1\nBogoMIPS\t: 50.00\n')).toBe(0);
  });

  it('never exceeds the CPUs this process may use', () => {
    expect(physicalCores()).toBeGreaterThan(0);
    expect(physicalCores()).toBeLessThanOrEqual(os.availableParallelism());
  });
});
