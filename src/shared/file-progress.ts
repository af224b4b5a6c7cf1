/** Bytes of one file of a download, as a download job reports them in `detail.files`. */
export interface FileBytes {
  path: string;
  bytesDone: number;
  bytesTotal: number;
}

const isByteCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * A download job's `detail.files`, when it reports bytes per file. The detail is free-form JSON from the job, so an
 * entry of another shape is left out rather than drawn as "NaN of undefined"; null when there is no such list.
 */
export function fileProgress(detail: Record<string, unknown> | null): FileBytes[] | null {
  const files = detail?.files;
  if (!Array.isArray(files)) return null;
  const out: FileBytes[] = [];
  for (const f of files as unknown[]) {
    if (typeof f !== 'object' || f === null) continue;
    const { path, bytesDone, bytesTotal } = f as Record<string, unknown>;
    if (typeof path !== 'string' || path === '' || !isByteCount(bytesDone) || !isByteCount(bytesTotal)) continue;
    out.push({ path, bytesDone: Math.min(bytesDone, bytesTotal), bytesTotal });
  }
  return out;
}
