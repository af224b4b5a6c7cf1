import net from 'node:net';
import tls from 'node:tls';

/**
 * A minimal HTTP/1.1 GET for large file bodies. Node's `fetch` (undici web streams) and `http` (a fresh 64 KiB
 * Buffer per read, the parser and stream machinery per chunk) cost 1–3 ms of CPU per MiB on loopback; reading the
 * socket straight into memory the caller owns (`onread` with a caller-chosen buffer) costs ~0.3 ms, as curl does.
 * That is the difference between keeping up with curl and not. Only what downloading a file needs is spoken:
 * GET, redirects, Content-Length / chunked / close-delimited bodies, one request per connection.
 */

/** Where the body goes: the socket reads straight into `space()`, so the bytes are never copied on the way. */
export interface BodySink {
  /** Memory for the next read; it must stay untouched until the matching `commit`. */
  space(): Uint8Array;
  /** `n` bytes were read into the last `space()`; false pauses the socket until `HttpResponse.resume()`. */
  commit(n: number): boolean;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Map<string, string>;
  /** The URL that answered, after redirects. */
  url: URL;
  /** Body bytes announced by Content-Length, or -1 (chunked, or until the server closes). */
  length: number;
  /** Streams the body into `sink`; resolves with the byte count at its end, rejects if the connection ends first. */
  readBody(sink: BodySink): Promise<number>;
  /** Continues reading after the sink paused it. */
  resume(): void;
  /** Drops the connection; a body being read rejects with `reason`. */
  close(reason?: unknown): void;
}

export interface GetOptions {
  headers: Record<string, string>;
  signal: AbortSignal;
  maxRedirects?: number;
}

/** The connection failed or ended early: worth retrying. */
export class HttpConnectionError extends Error {}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const HEAD_LIMIT = 64 * 1024;

/** GET `url`, following redirects (Authorization is dropped on a hop to another origin, as fetch does). */
export async function httpGet(url: URL, o: GetOptions): Promise<HttpResponse> {
  let headers = { ...o.headers };
  let current = url;
  for (let hop = 0; ; hop++) {
    const res = await getOnce(current, headers, o.signal);
    const location = res.headers.get('location');
    if (!REDIRECTS.has(res.status) || location === undefined) return res;
    res.close();
    if (hop >= (o.maxRedirects ?? 10)) throw new HttpConnectionError(`too many redirects (last to ${location})`);
    const next = new URL(location, current);
    if (next.origin !== current.origin) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
    current = next;
  }
}

function requestText(url: URL, headers: Record<string, string>): string {
  const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'User-Agent: model-center', 'Accept-Encoding: identity', 'Connection: close'];
  for (const [k, v] of Object.entries(headers)) {
    // A header value is ours (token, Range), but a CR or LF in it would let it forge requests.
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) throw new Error(`invalid character in the ${k} header`);
    lines.push(`${k}: ${v}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

type Phase = 'head' | 'waiting' | 'body' | 'done';

function getOnce(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<HttpResponse> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported URL scheme ${url.protocol}`);
  signal.throwIfAborted();
  const request = requestText(url, headers);
  return new Promise<HttpResponse>((resolveHead, rejectHead) => {
    // Head bytes land here; once the head is parsed, the body's first bytes (if any) are copied to the sink.
    let headBuf = Buffer.allocUnsafe(16 * 1024);
    let headFill = 0;
    let phase: Phase = 'head';
    let sink: BodySink | undefined;
    let length = -1;
    let received = 0;
    let chunked: ChunkedDecoder | undefined;
    let bodyDone: { resolve(n: number): void; reject(err: unknown): void } | undefined;
    let failure: unknown;

    const fail = (err: unknown): void => {
      if (failure !== undefined) return;
      failure = err;
      socket.destroy();
      signal.removeEventListener('abort', onAbort);
      if (phase === 'head') rejectHead(err);
      else bodyDone?.reject(err);
    };
    const onAbort = (): void => fail(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });

    // A function, so TypeScript does not narrow `phase` across the calls that change it.
    const stillReading = (): boolean => phase === 'body';
    const finishBody = (): void => {
      phase = 'done';
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      bodyDone?.resolve(received);
    };

    /** Hands body bytes that arrived in a buffer other than the sink's own (the head buffer, chunk framing) to the sink. */
    const copyToSink = (bytes: Uint8Array): boolean => {
      let more = true;
      for (let off = 0; off < bytes.length; ) {
        const room = sink!.space();
        const n = Math.min(room.length, bytes.length - off);
        room.set(bytes.subarray(off, off + n));
        off += n;
        more = sink!.commit(n);
      }
      return more;
    };

    /** Body bytes just read (already in the sink's memory when `inSink`); false pauses the socket. */
    const onBody = (bytes: Uint8Array, inSink: boolean): boolean => {
      if (chunked) {
        let more = true;
        for (const piece of chunked.feed(bytes)) {
          received += piece.length;
          more = copyToSink(piece) && more;
        }
        if (chunked.done) finishBody();
        return more;
      }
      if (length >= 0 && received + bytes.length > length) {
        fail(new HttpConnectionError(`the server sent more than the ${length} bytes it announced`));
        return false;
      }
      received += bytes.length;
      const more = inSink ? sink!.commit(bytes.length) : copyToSink(bytes);
      if (length >= 0 && received === length) finishBody();
      return more;
    };

    const parseHead = (): void => {
      for (;;) {
        const end = headBuf.subarray(0, headFill).indexOf('\r\n\r\n');
        if (end < 0) {
          if (headFill === headBuf.length) {
            if (headBuf.length >= HEAD_LIMIT) return fail(new HttpConnectionError('response head too large'));
            const bigger = Buffer.allocUnsafe(headBuf.length * 4);
            headBuf.copy(bigger, 0, 0, headFill);
            headBuf = bigger;
          }
          return;
        }
        const lines = headBuf.toString('latin1', 0, end).split('\r\n');
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
        if (!m) return fail(new HttpConnectionError(`not an HTTP response: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`));
        const status = Number(m[1]);
        const rest = end + 4;
        // Interim 1xx answers precede the real one: drop them.
        if (status >= 100 && status < 200) {
          headBuf.copy(headBuf, 0, rest, headFill);
          headFill -= rest;
          continue;
        }
        const map = new Map<string, string>();
        for (const line of lines.slice(1)) {
          const i = line.indexOf(':');
          if (i <= 0) continue;
          const k = line.slice(0, i).trim().toLowerCase();
          const v = line.slice(i + 1).trim();
          map.set(k, map.has(k) ? `${map.get(k)}, ${v}` : v);
        }
        const te = map.get('transfer-encoding')?.toLowerCase();
        if (status === 204 || status === 304) length = 0;
        else if (te && te !== 'identity') {
          if (!te.endsWith('chunked')) return fail(new HttpConnectionError(`unsupported Transfer-Encoding ${te}`));
          chunked = new ChunkedDecoder();
        } else if (map.has('content-length')) {
          length = Number(map.get('content-length'));
          if (!Number.isSafeInteger(length) || length < 0) return fail(new HttpConnectionError(`bad Content-Length ${map.get('content-length')}`));
        }
        // Keep the body bytes that came with the head at the start of the buffer; the next read lands after them.
        headBuf.copy(headBuf, 0, rest, headFill);
        headFill -= rest;
        phase = 'waiting';
        resolveHead(response(status, map));
        return;
      }
    };

    const response = (status: number, map: Map<string, string>): HttpResponse => ({
      status,
      headers: map,
      url,
      length,
      readBody(s) {
        if (sink) throw new Error('body already read');
        sink = s;
        return new Promise<number>((resolve, reject) => {
          bodyDone = { resolve, reject };
          if (failure !== undefined) return reject(failure);
          phase = 'body';
          const early = headBuf.subarray(0, headFill);
          headFill = 0;
          // onBody may have finished the body already (all of it came with the head).
          if (onBody(early, false) && stillReading()) socket.resume();
        });
      },
      resume: () => {
        if (phase === 'body') socket.resume();
      },
      close: (reason) => {
        if (phase === 'done') return;
        if (phase === 'waiting') phase = 'done';
        fail(reason ?? new HttpConnectionError('connection closed'));
      },
    });

    // The memory the next read lands in: the head buffer's free tail until the body is being read, then the
    // sink's. Node asks for it after every read (and once before the first).
    let armed: Uint8Array = headBuf;
    let armedIsSink = false;
    const onread: net.OnReadOpts = {
      buffer: (): Uint8Array => {
        armedIsSink = phase === 'body';
        armed = armedIsSink ? sink!.space() : headBuf.subarray(headFill);
        return armed;
      },
      callback: (n: number, buf: Uint8Array): boolean => {
        try {
          if (phase === 'head') {
            headFill += n;
            parseHead();
            return phase === 'head';
          }
          if (phase === 'waiting') {
            // Paused as soon as the head was parsed, so this is not expected; keep the bytes for readBody anyway.
            headFill += n;
            return false;
          }
          if (phase !== 'body') return false;
          return onBody(buf.subarray(0, n), armedIsSink && buf === armed);
        } catch (err) {
          fail(err);
          return false;
        }
      },
    };
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    let socket: net.Socket;
    if (url.protocol === 'https:') {
      // tls.connect reads into `onread` like net.connect does; @types/node leaves it out of ConnectionOptions.
      const opts: tls.ConnectionOptions & { onread: net.OnReadOpts } = {
        host,
        port,
        servername: net.isIP(host) ? undefined : host,
        ALPNProtocols: ['http/1.1'],
        onread,
      };
      socket = tls.connect(opts, () => socket.write(request));
    } else {
      socket = net.connect({ host, port, onread }, () => socket.write(request));
    }
    socket.setNoDelay(true);
    socket.on('error', (err) => fail(new HttpConnectionError(err.message, { cause: err })));
    socket.on('end', () => {
      if (phase === 'done') return;
      if (phase === 'body' && length < 0 && !chunked) return finishBody();
      const at = phase === 'head' || phase === 'waiting' ? 'before the response was complete' : `after ${received} of ${length < 0 ? '?' : length} bytes`;
      fail(new HttpConnectionError(`connection closed ${at}`));
    });
    socket.on('close', () => {
      if (phase !== 'done') fail(new HttpConnectionError(`connection closed after ${received} bytes`));
    });
  });
}

/** Undoes `Transfer-Encoding: chunked`, yielding the data pieces of whatever bytes arrive. */
class ChunkedDecoder {
  done = false;
  private left = 0;
  private state: 'size' | 'data' | 'crlf' | 'trailer' = 'size';
  private line = '';

  *feed(bytes: Uint8Array): Generator<Uint8Array> {
    let i = 0;
    while (i < bytes.length && !this.done) {
      if (this.state === 'data') {
        const n = Math.min(this.left, bytes.length - i);
        yield bytes.subarray(i, i + n);
        i += n;
        this.left -= n;
        if (this.left === 0) this.state = 'crlf';
        continue;
      }
      const ch = bytes[i++]!;
      if (ch !== 0x0a) {
        if (ch !== 0x0d) this.line += String.fromCharCode(ch);
        if (this.line.length > 4096) throw new HttpConnectionError('chunk header too long');
        continue;
      }
      const line = this.line;
      this.line = '';
      if (this.state === 'crlf') {
        this.state = 'size';
      } else if (this.state === 'size') {
        const size = parseInt(line.split(';')[0]!.trim(), 16);
        if (!Number.isSafeInteger(size) || size < 0) throw new HttpConnectionError(`bad chunk size ${JSON.stringify(line)}`);
        this.left = size;
        this.state = size === 0 ? 'trailer' : 'data';
      } else if (line === '') {
        this.done = true;
      }
    }
  }
}
