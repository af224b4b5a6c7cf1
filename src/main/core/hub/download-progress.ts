import type { FileBytes } from '../../../shared/file-progress';
import type { JobReport } from '../jobs/job-kind';
import { RateMeter } from '../jobs/rate-meter';
import type { RemoteFile } from './hub-client';

/** The figures of a download's transfer phase (10–90 % by bytes): totals, speed, ETA and each file in flight. */
export class DownloadProgress {
  private readonly bytes = new Map<string, number>();
  private readonly sizes: Map<string, number>;
  private readonly active = new Set<string>();
  private readonly meter = new RateMeter();
  private readonly total: number;
  private readonly filesTotal: number;
  private filesDone = 0;
  private lastReport = 0;

  constructor(
    files: RemoteFile[],
    private readonly report: (r: JobReport) => void,
  ) {
    this.sizes = new Map(files.map((f) => [f.path, f.size]));
    this.total = files.reduce((s, f) => s + f.size, 0);
    this.filesTotal = files.length;
  }

  /** A file in place: all its bytes count. */
  complete(path: string): void {
    this.active.delete(path);
    this.bytes.set(path, this.sizes.get(path) ?? 0);
    this.filesDone++;
  }

  start(path: string): void {
    this.active.add(path);
  }

  received(path: string, bytes: number): void {
    this.bytes.set(path, bytes);
  }

  /** Reports at most every 100 ms unless forced: transfers call it for every chunk, thousands of times a second. */
  send(force = false): void {
    const now = Date.now();
    if (!force && now - this.lastReport < 100) return;
    this.lastReport = now;
    const doneBytes = [...this.bytes.values()].reduce((s, n) => s + n, 0);
    this.meter.add(doneBytes);
    const speed = this.meter.rate();
    const current = [...this.active];
    const files: FileBytes[] = current.map((path) => ({ path, bytesDone: this.bytes.get(path) ?? 0, bytesTotal: this.sizes.get(path) ?? 0 }));
    this.report({
      progress: 10 + (this.total > 0 ? (doneBytes / this.total) * 80 : 80),
      phase: 'transfer',
      message: current.length ? `Downloading ${current.join(', ')}` : 'Downloading',
      detail: {
        bytesDone: doneBytes,
        bytesTotal: this.total,
        speed: Math.round(speed),
        eta: speed > 0 ? Math.round((this.total - doneBytes) / speed) : null,
        currentFile: current[0] ?? null,
        filesDone: this.filesDone,
        filesTotal: this.filesTotal,
        files,
      },
    });
  }
}
