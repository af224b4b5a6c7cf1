import type { EventMessage } from '../../../shared/bridge';
import { AppError, isErrorDTO } from '../../../shared/errors';
import { createSseParser } from './sse-parser';
import type { Transport } from './transport';

/**
 * The contract over `model-center serve`: JSON POSTs and one SSE stream read with fetch (EventSource cannot
 * send the Authorization header, and the token must not go into a URL).
 */
export function createHttpTransport(token: string, base = ''): Transport {
  const listeners = new Set<(m: EventMessage) => void>();
  const connectionListeners = new Set<(c: boolean) => void>();
  let controller: AbortController | undefined;
  const setConnected = (c: boolean): void => connectionListeners.forEach((l) => l(c));

  const connect = async (): Promise<void> => {
    let delay = 500;
    while (listeners.size > 0) {
      controller = new AbortController();
      try {
        const res = await fetch(`${base}/api/events`, { headers: { Authorization: `Bearer ${token}` }, signal: controller.signal });
        if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
        setConnected(true);
        delay = 500;
        const parse = createSseParser((m) => listeners.forEach((l) => l(m)));
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parse(value);
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      setConnected(false);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  };

  return {
    kind: 'http',
    async call(method, input) {
      const res = await fetch(`${base}/api/rpc/${method}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(input ?? {}),
      });
      const body = (await res.json().catch(() => ({}))) as { result?: unknown; error?: unknown };
      if (!res.ok || body.error) {
        if (isErrorDTO(body.error)) throw AppError.fromDTO(body.error);
        throw new AppError('INTERNAL', `HTTP ${res.status} from ${method}`);
      }
      return body.result;
    },
    // XMLHttpRequest rather than fetch: it reports upload progress, and sends the File from disk without
    // reading it into memory first.
    uploadFile(route, file, onProgress) {
      return new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', `${base}${route}`);
        xhr.setRequestHeader('Authorization', `Bearer ${token}`);
        xhr.setRequestHeader('Content-Type', 'application/octet-stream');
        xhr.upload.onprogress = (e) => onProgress(e.loaded, e.total || file.size);
        xhr.onerror = () => reject(new AppError('INTERNAL', `The upload of ${file.name} was interrupted.`, { hint: 'Check that `model-center serve` is still running, then try again.' }));
        xhr.onload = () => {
          let body: { result?: unknown; error?: unknown } = {};
          try {
            body = JSON.parse(xhr.responseText) as typeof body;
          } catch {
            /* not JSON: reported below */
          }
          if (xhr.status === 200 && body.result !== undefined) resolve(body.result);
          else reject(isErrorDTO(body.error) ? AppError.fromDTO(body.error) : new AppError('INTERNAL', `HTTP ${xhr.status} from the upload`));
        };
        xhr.send(file);
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1) void connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) controller?.abort();
      };
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
  };
}
