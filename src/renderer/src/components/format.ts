import { formatBytes } from '../../../shared/format-bytes';

export { formatBytes };

export function formatSeconds(s: number): string {
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** "12.3 MB of 80.0 MB · 4.1 MB/s · 17 s left", when a job reports bytes. */
export function transferFigures(detail: Record<string, unknown> | null): string | null {
  const done = detail?.bytesDone;
  const total = detail?.bytesTotal;
  if (typeof done !== 'number' || typeof total !== 'number') return null;
  const parts = [`${formatBytes(done)} of ${formatBytes(total)}`];
  if (typeof detail?.speed === 'number' && detail.speed > 0) parts.push(`${formatBytes(detail.speed)}/s`);
  if (typeof detail?.eta === 'number') parts.push(`${formatSeconds(detail.eta)} left`);
  return parts.join(' · ');
}
