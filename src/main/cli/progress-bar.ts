import type { JobDTO } from '../../shared/contract';
import { formatBytes } from './cli-output';

const WIDTH = 30;

/** "12.3 MB / 80.0 MB · 4.1 MB/s · ETA 17s" when a job reports bytes (downloads). */
export function transferFigures(detail: Record<string, unknown> | null): string | null {
  const done = detail?.bytesDone;
  const total = detail?.bytesTotal;
  if (typeof done !== 'number' || typeof total !== 'number') return null;
  const parts = [`${formatBytes(done)} / ${formatBytes(total)}`];
  if (typeof detail?.speed === 'number' && detail.speed > 0) parts.push(`${formatBytes(detail.speed)}/s`);
  if (typeof detail?.eta === 'number') parts.push(`ETA ${detail.eta}s`);
  return parts.join(' · ');
}

/** One redrawn terminal line per job update; nothing at all when stdout is not a terminal. */
export class ProgressBar {
  private lastLine = '';

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  get enabled(): boolean {
    return Boolean(this.stream.isTTY);
  }

  update(job: JobDTO): void {
    if (!this.enabled) return;
    const filled = Math.round((job.progress / 100) * WIDTH);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
    const label = [job.phase, transferFigures(job.detail), job.message].filter(Boolean).join(' · ');
    const cols = this.stream.columns || 100;
    const line = `${bar} ${job.progress.toFixed(0).padStart(3)}%  ${label}`.slice(0, cols - 1);
    if (line === this.lastLine) return;
    this.lastLine = line;
    this.stream.write(`\r\x1b[2K${line}`);
  }

  done(): void {
    if (this.enabled && this.lastLine) this.stream.write('\n');
    this.lastLine = '';
  }
}
