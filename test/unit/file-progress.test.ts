import { describe, expect, it } from 'vitest';
import { fileProgress } from '../../src/shared/file-progress';

describe("a download job's per-file bytes, as the job row reads them", () => {
  it('reads the files a job reports, in its order', () => {
    const detail = {
      bytesDone: 150,
      files: [
        { path: 'onnx/model.onnx', bytesDone: 100, bytesTotal: 400 },
        { path: 'config.json', bytesDone: 50, bytesTotal: 50 },
      ],
    };
    expect(fileProgress(detail)).toEqual([
      { path: 'onnx/model.onnx', bytesDone: 100, bytesTotal: 400 },
      { path: 'config.json', bytesDone: 50, bytesTotal: 50 },
    ]);
  });

  it('is null for a job that reports no file list (nothing per file is drawn)', () => {
    expect(fileProgress(null)).toBeNull();
    expect(fileProgress({ bytesDone: 1, bytesTotal: 2 })).toBeNull();
    expect(fileProgress({ files: 'onnx/model.onnx' })).toBeNull();
  });

  it('leaves out entries of another shape instead of drawing "NaN of undefined"', () => {
    const files = [
      null,
      'config.json',
      { path: 'a', bytesDone: '1', bytesTotal: 2 },
      { path: 'b', bytesDone: 1 },
      { path: '', bytesDone: 1, bytesTotal: 2 },
      { path: 'c', bytesDone: Number.NaN, bytesTotal: 2 },
      { path: 'd', bytesDone: -5, bytesTotal: 2 },
      { path: 'ok.json', bytesDone: 3, bytesTotal: 3 },
    ];
    expect(fileProgress({ files })).toEqual([{ path: 'ok.json', bytesDone: 3, bytesTotal: 3 }]);
  });

  it('never draws a file past its end, whatever the job reports', () => {
    expect(fileProgress({ files: [{ path: 'x', bytesDone: 900, bytesTotal: 500 }] })).toEqual([{ path: 'x', bytesDone: 500, bytesTotal: 500 }]);
  });
});
