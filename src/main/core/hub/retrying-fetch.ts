import { abortableSleep } from '../jobs/abortable-sleep';

export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
  maxDelayMs?: number;
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);

function retryAfterMs(res: Response): number | null {
  const v = res.headers.get('retry-after');
  if (!v) return null;
  const secs = Number(v);
  if (Number.isFinite(secs)) return secs * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : null;
}

/**
 * fetch for the Hub's metadata calls (model info, file listings, pages of them): a transient failure — a dropped
 * connection, a timeout, 429 or a 5xx — is tried again with backoff (honouring Retry-After, capped) instead of
 * failing a download or an upstream check outright. Only GET and HEAD, which change nothing, are retried; each
 * attempt has its own timeout so a server that stops answering cannot hang the job.
 */
export function retryingFetch(base: typeof fetch = globalThis.fetch, options: RetryOptions = {}): typeof fetch {
  const attempts = options.attempts ?? 4;
  const baseDelay = options.baseDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  return async (input, init) => {
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const idempotent = method === 'GET' || method === 'HEAD';
    const caller = init?.signal ?? null;
    for (let attempt = 1; ; attempt++) {
      const signal = caller ? AbortSignal.any([caller, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
      const last = !idempotent || attempt >= attempts;
      let res: Response;
      try {
        res = await base(input, { ...init, signal });
      } catch (err) {
        // The caller's own abort is final; a timeout or a dropped connection is worth another try.
        if (last || caller?.aborted) throw err;
        await abortableSleep(Math.min(maxDelay, baseDelay * 2 ** (attempt - 1)), caller);
        continue;
      }
      if (last || !RETRY_STATUS.has(res.status)) return res;
      const wait = Math.min(maxDelay, retryAfterMs(res) ?? baseDelay * 2 ** (attempt - 1));
      await res.body?.cancel().catch(() => undefined);
      await abortableSleep(wait, caller);
    }
  };
}
