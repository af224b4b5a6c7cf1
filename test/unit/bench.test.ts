import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onnx } from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { benchCorpus, builtinCorpus } from '../../src/main/core/bench/bench-corpus';
import { quantile, stat } from '../../src/main/core/bench/bench-stats';
import { readOnnxWeights } from '../../src/main/core/bench/onnx-params';
import { historyData, latencyData } from '../../src/shared/bench-charts';
import { typedCorpus } from '../../src/shared/bench-corpus-text';
import { benchMetricsSource, parseBenchMetricsSource, toCsv } from '../../src/shared/bench-figures';
import { MAX_INLINE_CORPUS_CHARS, MAX_USER_CORPUS_TEXTS, type BenchResultDTO, type MetricsRow } from '../../src/shared/contract';

describe('ONNX weights without loading the model', () => {
  it('counts weight initializers (not int64 shapes or scalars) and adds external data files to the size', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-onnx-w-'));
    try {
      const external = { name: 'W', dims: [3, 4], dataType: onnx.TensorProto.DataType.FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: 'model.onnx_data' }, { key: 'offset', value: '0' }] };
      const model = onnx.ModelProto.create({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 17 }],
        graph: {
          name: 'g',
          node: [{ opType: 'MatMul', input: ['x', 'W'], output: ['y'] }],
          initializer: [
            external,
            { name: 'b', dims: [4], dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(16) },
            { name: 'q', dims: [4, 2], dataType: onnx.TensorProto.DataType.INT8, rawData: new Uint8Array(8) },
            { name: 'shape', dims: [2], dataType: onnx.TensorProto.DataType.INT64, int64Data: [1, 4] },
            { name: 'scale', dims: [], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [0.5] },
          ],
        },
      });
      const file = path.join(dir, 'model.onnx');
      fs.writeFileSync(file, onnx.ModelProto.encode(model).finish());
      fs.writeFileSync(path.join(dir, 'model.onnx_data'), Buffer.alloc(48));
      const w = readOnnxWeights(file);
      expect(w).toMatchObject({ params: 12 + 4 + 8, initializers: 5, externalFiles: ['model.onnx_data'] });
      expect(w.sizeBytes).toBe(fs.statSync(file).size + 48);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file that is not a protobuf message instead of guessing', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mc-onnx-bad-')), 'model.onnx');
    fs.writeFileSync(file, Buffer.from([0x3a, 0xff, 0xff, 0xff, 0x0f]));
    expect(() => readOnnxWeights(file)).toThrow(/ONNX/);
  });
});

describe('benchmark figures', () => {
  it('percentiles interpolate between ranks, and a stat is the median of runs with min and max', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.95)).toBe(10.5);
    expect(stat([30, 10, 20])).toEqual({ median: 20, min: 10, max: 30, runs: [30, 10, 20] });
  });

  it('CSV quotes commas, quotes and line breaks', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"'], ['two\nlines', null]])).toBe('a,b\r\n"x,y","say ""hi"""\r\n"two\nlines",\r\n');
  });

  it('the latency histogram shares bins across results, sums to 100 % each, and keeps outliers in the last bin', () => {
    const result = (id: number, samples: number[]): BenchResultDTO => {
      const s = [...samples].sort((a, b) => a - b);
      const p99 = s[Math.floor(0.99 * (s.length - 1))]!;
      const model = { registryModel: 'm', version: `${id}.0.0`, variant: 'fp32', ref: 'm' };
      return { id, model, run: { executionProvider: 'cpu', threads: 1 }, latency: { samples, p99: { median: p99, min: p99, max: p99, runs: [p99] } } } as unknown as BenchResultDTO;
    };
    const fast = result(1, [...Array.from({ length: 99 }, (_, i) => 1 + i / 100), 500]);
    const slow = result(2, Array.from({ length: 50 }, (_, i) => 2 + i / 50));
    const { rows, table } = latencyData([fast, slow]);
    const sum = (key: string): number => rows.reduce((a, r) => a + (r[key] as number), 0);
    expect(sum('r1')).toBeCloseTo(100, 0);
    expect(sum('r2')).toBeCloseTo(100, 0);
    expect(rows[rows.length - 1]!.r1).toBeGreaterThan(0);
    expect(table.headers.slice(0, 2)).toEqual(['from_ms', 'to_ms']);
  });
});

describe('a version’s metrics history', () => {
  const HERE = 'aaaaaaaaaaaa';
  const ELSEWHERE = 'ffffffffffff';
  let id = 0;
  const row = (day: number, source: string | null, metrics: Record<string, number>): MetricsRow => ({ id: ++id, recordedAt: `2025-03-0${day}T10:00:00.000Z`, source, metrics });
  const bench = (jobId: number, executionProvider: string, threads: number, machineId: string): string => benchMetricsSource({ jobId, executionProvider, threads, machineId });
  const rows = [
    row(1, bench(1, 'cpu', 4, HERE), { throughput_b32: 100 }),
    row(2, bench(2, 'webgpu', 0, HERE), { throughput_b32: 900 }),
    row(3, bench(3, 'cpu', 4, ELSEWHERE), { throughput_b32: 250 }),
    row(4, 'typed in by hand', { throughput_b32: 120 }),
    row(5, bench(5, 'cpu', 4, HERE), { throughput_b32: 110 }),
    row(6, bench(6, 'cpu', 4, HERE), { latency_p50_ms: 3 }),
  ];

  it('reads back the source a benchmark writes, and nothing else', () => {
    expect(parseBenchMetricsSource(bench(12, 'cpu', 4, HERE))).toEqual({ jobId: 12, executionProvider: 'cpu', threads: 4, machineId: HERE });
    expect(parseBenchMetricsSource('typed in by hand')).toBeNull();
    expect(parseBenchMetricsSource(null)).toBeNull();
  });

  it('is one series per provider × threads and machine, this machine first, other machines marked, hand-entered rows apart', () => {
    const { rows: chart, series, table } = historyData(rows, 'throughput_b32', HERE);
    expect(series.map((s) => [s.label, s.points, s.otherMachine])).toEqual([
      ['cpu×4 · this machine (aaaaaaaaaaaa)', 2, false],
      ['webgpu×0 · this machine (aaaaaaaaaaaa)', 1, false],
      ['cpu×4 · other machine ffffffffffff, not comparable', 1, true],
      ['not from a benchmark (by hand or another tool)', 1, false],
    ]);
    // Each point sits in its own series' column only: the CPU line here never passes through the other machine's point.
    const cpuHere = series[0]!.key;
    expect(chart.filter((r) => r[cpuHere] !== undefined).map((r) => r[cpuHere])).toEqual([100, 110]);
    expect(chart).toHaveLength(5);
    expect(chart[2]).toMatchObject({ [series[2]!.key]: 250, series: 'cpu×4 · other machine ffffffffffff, not comparable', source: bench(3, 'cpu', 4, ELSEWHERE) });
    expect(table.headers).toEqual(['recorded_at', 'execution_provider', 'threads', 'machine_id', 'other_machine', 'source', 'throughput_b32']);
    expect(table.rows[2]).toEqual(['2025-03-03T10:00:00.000Z', 'cpu', 4, ELSEWHERE, 'true', bench(3, 'cpu', 4, ELSEWHERE), 250]);
    expect(table.rows[3]).toEqual(['2025-03-04T10:00:00.000Z', null, null, null, null, 'typed in by hand', 120]);
  });

  it('names machines by id alone while this machine is not known', () => {
    const { series } = historyData(rows, 'throughput_b32', null);
    expect(series.every((s) => !s.otherMachine)).toBe(true);
    expect(series[0]!.label).toBe('cpu×4 · machine aaaaaaaaaaaa');
  });
});

describe('benchmark corpus', () => {
  it('is mixed Russian and English of mixed lengths, and a limit cuts it (and says so)', () => {
    const c = builtinCorpus();
    expect(c.texts.length).toBeGreaterThanOrEqual(200);
    expect(c.languages.ru).toBeGreaterThan(50);
    expect(c.languages.en).toBeGreaterThan(50);
    const words = c.texts.map((t) => t.split(/\s+/).length);
    expect(Math.min(...words)).toBeLessThanOrEqual(5);
    expect(Math.max(...words)).toBeGreaterThanOrEqual(80);
    const cut = benchCorpus({ corpus: { kind: 'builtin' }, limit: 10 });
    expect(cut).toMatchObject({ name: 'builtin (first 10)' });
    expect(cut.texts).toEqual(c.texts.slice(0, 10));
    expect(cut.hash).not.toBe(c.hash);
    expect(benchCorpus({ corpus: { kind: 'builtin' }, limit: 10_000 }).name).toBe('builtin');
  });

  it('typed in the window: one text per line, blank lines skipped, held to the contract’s caps on inline texts', () => {
    expect(typedCorpus('  \n', 'x')).toEqual({ corpus: undefined, texts: 0, chars: 0, error: null });
    expect(typedCorpus('один\r\n\r\ntwo words\n', '')).toEqual({ corpus: { kind: 'texts', name: 'typed corpus', texts: ['один', 'two words'] }, texts: 2, chars: 13, error: null });
    const line = 'x'.repeat(1023);
    const atCap = Array.from({ length: MAX_INLINE_CORPUS_CHARS / 1024 }, () => line).join('\n');
    expect(typedCorpus(atCap, 'mine').error).toBeNull();
    expect(typedCorpus(`${atCap}\n${'y'.repeat(300)}`, 'mine').error).toMatch(/^texts: .*as a file/);
    const tooMany = typedCorpus(Array.from({ length: MAX_USER_CORPUS_TEXTS + 1 }, (_, i) => `t${i}`).join('\n'), 'mine');
    expect(tooMany).toMatchObject({ texts: MAX_USER_CORPUS_TEXTS + 1, error: expect.stringContaining(`at most ${MAX_USER_CORPUS_TEXTS} texts`) });
  });
});
