import { describe, expect, it } from 'vitest';
import { healthSummary, inferenceHealth } from '../../src/main/core/inference/inference-health';
import type { InferenceStatusDTO, ValidationReportDTO } from '../../src/shared/contract';

function status(over: Partial<InferenceStatusDTO>): InferenceStatusDTO {
  return {
    executionProvider: 'cpu',
    expectedProvider: 'cpu',
    expectedFallback: null,
    threads: 2,
    idleUnloadSeconds: 300,
    available: [{ name: 'cpu', bundled: true }],
    sessions: [],
    queues: { rt: 0, bulk: 0 },
    cache: { entries: 0, bytes: 0, capBytes: 0, hits: 0, misses: 0, since: '2026-01-01T00:00:00.000Z' },
    lastFallback: null,
    onnxruntimeVersion: '1.30.0',
    ...over,
  };
}

const fallback = (requested: string) => ({ requested, used: 'cpu', reason: 'webgpu: Failed to get a WebGPU adapter: No supported adapters', at: '2026-01-02T03:04:05.000Z' });

describe('inference health', () => {
  it('takes an auto fallback to CPU as a note and a named GPU provider’s as a problem', () => {
    const auto = inferenceHealth(status({ executionProvider: 'auto', lastFallback: fallback('auto') }), [], null);
    expect(auto).toMatchObject({ status: 'ok', device: 'cpu', problems: [] });
    expect(auto.notes[0]).toContain('Failed to get a WebGPU adapter');
    const named = inferenceHealth(status({ executionProvider: 'webgpu', lastFallback: fallback('webgpu') }), [], null);
    expect(named.status).toBe('degraded');
    expect(named.problems[0]).toContain('asked for webgpu, ran on cpu');
  });

  it('ignores a fallback recorded under another setting, but not a GPU provider known to be missing here', () => {
    expect(inferenceHealth(status({ executionProvider: 'cpu', lastFallback: fallback('webgpu') }), [], null)).toMatchObject({ status: 'ok', notes: [], problems: [] });
    const missing = inferenceHealth(status({ executionProvider: 'webgpu', expectedFallback: 'webgpu: no Vulkan loader (libvulkan.so.1) on this machine' }), [], null);
    expect(missing.status).toBe('degraded');
    expect(missing.problems[0]).toContain('no Vulkan loader');
  });

  it('summarises for callers without a token: counts, no model names, no paths', () => {
    const failed = { ok: false, model: '/home/me/acme-secret', registryModel: null, version: null } as ValidationReportDTO;
    const h = inferenceHealth(
      status({
        executionProvider: 'auto',
        lastFallback: { ...fallback('auto'), reason: 'cuda: Failed to load library /opt/vendor/lib/libcublasLt.so.12 with error' },
        sessions: ['rt', 'bulk'].map((lane) => ({ modelKey: 'path:/home/me/acme-secret:onnx/model.onnx', lane: lane as 'rt' | 'bulk', executionProvider: 'cpu', fallbackReason: null, loadMs: 1, loadedAt: '', lastUsedAt: '' })),
      }),
      [failed],
      'acme-secret',
    );
    const summary = healthSummary(h);
    expect(summary).toMatchObject({ status: 'degraded', device: 'cpu', setting: 'auto', loadedModels: 1, problems: 1 });
    expect(summary.notes[0]).toMatch(/Failed to load library … with error/);
    expect(JSON.stringify(summary)).not.toMatch(/acme|\/home|\/opt/);
  });

  it('leaves no part of a path in a note, whatever its shape', () => {
    const reasons = [
      'cannot open /Users/John Smith/Library/Application Support/Model Center/models--acme--secret/model.onnx',
      'load failed: path=/home/me/models--acme--secret/model.onnx',
      'see file:/home/me/acme-secret/x and [~/acme-secret/y] or C:\\Users\\me\\acme-secret\\z',
      'model acme/secret-embedder is not supported',
    ];
    for (const reason of reasons) {
      const h = inferenceHealth(status({ executionProvider: 'auto', lastFallback: { ...fallback('auto'), reason } }), [], null);
      const notes = healthSummary(h).notes.join(' ');
      expect(notes).toContain('…');
      expect(notes).not.toMatch(/acme|secret|Users|home/);
    }
  });
});
