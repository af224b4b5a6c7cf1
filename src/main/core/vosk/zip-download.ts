import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { DEFAULT_SEGMENTS, partialFilesOf, removeFiles, transferFile } from '../hub/resumable-transfer';
import { retryingFetch } from '../hub/retrying-fetch';

/** What the server says about a zip before any byte of it is fetched. */
export interface RemoteZip {
  /** Bytes the server says the zip has: what the download is checked against. */
  size: number;
  /** A strong ETag, sent back as If-Range so that a partial file is continued only from the same zip. */
  etag: string | null;
}

/** `<name>.zip.json`: where the partial file beside it comes from (read back as untrusted JSON). */
interface SourceNote {
  url?: unknown;
  size?: unknown;
  etag?: unknown;
}

const probeFetch = retryingFetch(globalThis.fetch, { attempts: 3 });

function notReachable(url: string, why: string): AppError {
  return new AppError('DOWNLOAD_FAILED', `Could not download ${url}: ${why}.`, { hint: 'Check the URL and the network (a proxy?), or download the zip by hand.' });
}

/** HEAD for the zip's size and ETag; a server that refuses HEAD (or gives no size to it) is asked for one byte. */
export async function probeZip(url: string, signal: AbortSignal): Promise<RemoteZip> {
  const headers = { 'Accept-Encoding': 'identity' };
  let res: Response;
  try {
    res = await probeFetch(url, { method: 'HEAD', headers, signal });
    // Presigned S3/GCS URLs are signed for GET only: their HEAD answers 403 (or 400).
    if ([400, 403, 405, 501].includes(res.status) || (res.ok && !res.headers.get('content-length'))) {
      res = await probeFetch(url, { headers: { ...headers, Range: 'bytes=0-0' }, signal });
      await res.body?.cancel();
    }
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw notReachable(url, err instanceof Error ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}` : String(err));
  }
  if (res.status === 404 || res.status === 410) {
    throw new AppError('NOT_FOUND', `There is no zip at ${url} (HTTP ${res.status}).`, {
      hint: 'See `model-center vosk recommended`, or https://alphacephei.com/vosk/models for the current model names.',
    });
  }
  if (!res.ok) throw notReachable(url, `the server answered HTTP ${res.status}`);
  const total = /^bytes \d+-\d+\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1];
  const size = Number(res.status === 206 ? total : res.headers.get('content-length'));
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw notReachable(url, 'the server does not say how big the zip is, so the download can be neither checked nor resumed');
  }
  const etag = res.headers.get('etag');
  return { size, etag: etag && !etag.startsWith('W/') ? etag : null };
}

/**
 * A zip being downloaded to `<dir>/<name>.zip`: the partial file `<name>.zip.incomplete` (always a prefix of the
 * zip) and `<name>.zip.json`, the URL, size and ETag it belongs to. The names are fixed, so any later install of
 * the same model (after a cancel, a failure or a restart) continues where the last one stopped.
 */
export class StagedZip {
  readonly file: string;
  private readonly meta: string;

  constructor(
    private readonly dir: string,
    name: string,
  ) {
    this.file = path.join(dir, `${name}.zip`);
    this.meta = `${this.file}.json`;
  }

  /** Keeps what is on disk only if it came from this URL and the server still has the same zip. */
  async adopt(url: string, remote: RemoteZip): Promise<void> {
    let prev: SourceNote | null = null;
    try {
      prev = JSON.parse(await fs.promises.readFile(this.meta, 'utf8')) as SourceNote;
    } catch {
      // None, or unreadable: whatever partial file there is cannot be trusted.
    }
    const same = prev?.url === url && prev.size === remote.size && (typeof prev.etag !== 'string' || remote.etag === null || prev.etag === remote.etag);
    if (!same) await this.discard();
    await fs.promises.mkdir(this.dir, { recursive: true });
    await fs.promises.writeFile(`${this.meta}.tmp`, JSON.stringify({ url, size: remote.size, etag: remote.etag }));
    await fs.promises.rename(`${this.meta}.tmp`, this.meta);
  }

  /**
   * Fetches the rest of the zip over one connection (alphacephei is a small project's server: no parallel ranges),
   * resuming with Range after a dropped connection, retrying with backoff, starting over when the server ignores
   * Range, refusing more bytes than announced; renamed to `<name>.zip` once complete.
   */
  async fetch(url: string, remote: RemoteZip, signal: AbortSignal, onProgress: (bytes: number) => void): Promise<void> {
    const u = new URL(url);
    try {
      await transferFile({
        url,
        headers: remote.etag ? { 'If-Range': remote.etag } : {},
        dest: this.file,
        size: remote.size,
        algorithm: 'sha256',
        expected: undefined,
        label: path.basename(this.file),
        repo: u.host,
        hubUrl: u.origin,
        plainUrl: true,
        signal,
        onProgress,
        segments: { ...DEFAULT_SEGMENTS, connections: 1 },
      });
    } catch (err) {
      // Retries ran out: the transfer's code names the Hub's unavailability; this is another server.
      if (!(err instanceof AppError) || err.code !== 'HUB_UNAVAILABLE') throw err;
      throw new AppError('DOWNLOAD_FAILED', err.message, {
        hint: 'The partial file is kept: install the same model again (or resume the job) to continue where it stopped.',
      });
    }
  }

  /** Removes the zip, its partial files and its source note, and the downloads folder once it is empty; resolves with the bytes freed. */
  async discard(): Promise<number> {
    const freed = await removeFiles([...partialFilesOf(this.file), this.file, this.meta, `${this.meta}.tmp`]);
    await fs.promises.rmdir(this.dir).catch(() => undefined);
    return freed;
  }
}
