import net from 'node:net';
import tls from 'node:tls';

/**
 * A minimal HTTP/1.1 GET client for large file bodies. Node's `fetch` (undici web streams) and `http` (a fresh
 * 64 KiB Buffer per read, the parser and stream machinery per chunk) cost 1–3 ms of CPU per MiB on loopback;
 * reading the socket straight into memory the caller owns (`onread` with a caller-chosen buffer) costs ~0.3 ms,
 * as curl does. That is the difference between keeping up with curl and not. Only what downloading files needs
 * is spoken: GET, redirects, Content-Length / chunked / close-delimited bodies, keep-alive for the ranged
 * requests of one file.
 */

/** Where a body goes: the socket reads straight into `space()`, so the bytes are never copied on the way. */
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
  /** Abandons the response and its connection; a body being read rejects with `reason`. */
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
const HEAD_BYTES = 16 * 1024;
const HEAD_LIMIT = 256 * 1024;
/** An idle kept-alive connection is closed after this long (servers drop theirs after 5–60 s). */
const IDLE_MS = 4000;

/**
 * GETs with a pool of kept-alive connections per origin, so the many ranged requests of one file do not pay a
 * TCP and TLS handshake (and a slow start) each. `close()` drops the idle ones.
 */
export class HttpClient {
  private readonly idle = new Map<string, Connection[]>();
  private closed = false;

  /** `ca`: certificates to trust instead of Node's bundled ones (tests with a self-signed server). */
  constructor(private readonly tlsOptions: { ca?: string | Buffer } = {}) {}

  /** GET `url`, following redirects (Authorization is dropped on a hop to another origin, as fetch does). */
  async get(url: URL, o: GetOptions): Promise<HttpResponse> {
    let headers = { ...o.headers };
    let current = url;
    for (let hop = 0; ; hop++) {
      const res = await this.getOnce(current, headers, o.signal);
      const location = res.headers.get('location');
      if (!REDIRECTS.has(res.status) || location === undefined) return res;
      res.close();
      if (hop >= (o.maxRedirects ?? 10)) throw new HttpConnectionError(`too many redirects (last to ${location})`);
      const next = new URL(location, current);
      if (next.origin !== current.origin) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
      current = next;
    }
  }

  close(): void {
    this.closed = true;
    for (const list of this.idle.values()) for (const c of list) c.destroy();
    this.idle.clear();
  }

  private async getOnce(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<HttpResponse> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported URL scheme ${url.protocol}`);
    signal.throwIfAborted();
    const request = requestText(url, headers);
    const list = this.idle.get(url.origin) ?? [];
    for (let c = list.pop(); c; c = list.pop()) {
      if (!c.usable()) continue;
      try {
        return await c.exchange(url, request, signal, (conn) => this.release(conn));
      } catch (err) {
        // The server may close an idle connection just as we reuse it: a fresh one decides.
        if (!(err instanceof StaleConnection)) throw err;
      }
    }
    return new Connection(url, this.tlsOptions).exchange(url, request, signal, (conn) => this.release(conn));
  }

  private release(c: Connection): void {
    if (this.closed) return c.destroy();
    const list = this.idle.get(c.origin) ?? [];
    list.push(c);
    this.idle.set(c.origin, list);
  }
}

/** A reused connection failed before any byte of the answer: the request can go again on a new one. */
class StaleConnection extends HttpConnectionError {}

function requestText(url: URL, headers: Record<string, string>): string {
  const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'User-Agent: model-center', 'Accept-Encoding: identity'];
  for (const [k, v] of Object.entries(headers)) {
    // A header value is ours (token, Range), but a CR or LF in it would let it forge requests.
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) throw new Error(`invalid character in the ${k} header`);
    lines.push(`${k}: ${v}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** What one request on a connection is doing; `idle` between requests of a kept-alive connection. */
type Phase = 'idle' | 'head' | 'waiting' | 'body';

interface Exchange {
  url: URL;
  signal: AbortSignal;
  onAbort(): void;
  resolveHead(res: HttpResponse): void;
  rejectHead(err: unknown): void;
  sink: BodySink | undefined;
  length: number;
  received: number;
  chunked: ChunkedDecoder | undefined;
  keepAlive: boolean;
  bodyDone: { resolve(n: number): void; reject(err: unknown): void } | undefined;
  failure: unknown;
  release(c: Connection): void;
}

class Connection {
  readonly origin: string;
  private readonly socket: net.Socket;
  private phase: Phase = 'idle';
  private ex: Exchange | undefined;
  private headBuf = Buffer.allocUnsafe(HEAD_BYTES);
  private headFill = 0;
  /** The memory the next read lands in, and whether it is the sink's (else the head buffer's tail). */
  private armed: Uint8Array = this.headBuf;
  private armedIsSink = false;
  private used = false;
  private dead = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(url: URL, tlsOptions: { ca?: string | Buffer }) {
    this.origin = url.origin;
    const onread: net.OnReadOpts = {
      // Node asks for the next read's memory after every read (and once before the first).
      buffer: (): Uint8Array => {
        this.armedIsSink = this.phase === 'body' && this.ex?.sink !== undefined;
        this.armed = this.armedIsSink ? this.ex!.sink!.space() : this.headBuf.subarray(this.headFill);
        return this.armed;
      },
      callback: (n: number, buf: Uint8Array): boolean => {
        try {
          return this.onRead(n, buf);
        } catch (err) {
          this.fail(err);
          return false;
        }
      },
    };
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    if (url.protocol === 'https:') {
      // tls.connect reads into `onread` like net.connect does; @types/node leaves it out of ConnectionOptions.
      const opts: tls.ConnectionOptions & { onread: net.OnReadOpts } = {
        host,
        port,
        servername: net.isIP(host) ? undefined : host,
        ALPNProtocols: ['http/1.1'],
        ...tlsOptions,
        onread,
      };
      this.socket = tls.connect(opts);
    } else {
      this.socket = net.connect({ host, port, onread });
    }
    this.socket.setNoDelay(true);
    this.socket.on('error', (err) => this.fail(new HttpConnectionError(err.message, { cause: err })));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('close', () => this.onEnd());
  }

  usable(): boolean {
    return !this.dead && this.phase === 'idle';
  }

  destroy(): void {
    this.dead = true;
    clearTimeout(this.idleTimer);
    this.socket.destroy();
  }

  /** Sends one GET (written at once: a socket still connecting queues it) and resolves at the answer's head. */
  exchange(url: URL, request: string, signal: AbortSignal, release: (c: Connection) => void): Promise<HttpResponse> {
    clearTimeout(this.idleTimer);
    const reused = this.used;
    this.used = true;
    return new Promise<HttpResponse>((resolveHead, rejectHead) => {
      const ex: Exchange = {
        url,
        signal,
        onAbort: () => this.fail(signal.reason),
        resolveHead,
        // Only a reused connection that fails before any byte of the answer is stale; anything later is real.
        rejectHead: (err) => rejectHead(reused && this.headFill === 0 && err instanceof HttpConnectionError ? new StaleConnection(err.message, { cause: err }) : err),
        sink: undefined,
        length: -1,
        received: 0,
        chunked: undefined,
        keepAlive: false,
        bodyDone: undefined,
        failure: undefined,
        release,
      };
      this.ex = ex;
      this.phase = 'head';
      this.headFill = 0;
      signal.addEventListener('abort', ex.onAbort, { once: true });
      this.socket.ref();
      this.socket.write(request);
      // Reading may have been paused when the last body ended.
      this.socket.resume();
    });
  }

  private fail(err: unknown): void {
    const ex = this.ex;
    this.destroy();
    if (!ex || ex.failure !== undefined) return;
    ex.failure = err;
    ex.signal.removeEventListener('abort', ex.onAbort);
    if (this.phase === 'head') ex.rejectHead(err);
    else ex.bodyDone?.reject(err);
  }

  private onEnd(): void {
    const ex = this.ex;
    if (this.phase === 'idle' || !ex) {
      this.destroy();
      return;
    }
    if (this.phase === 'body' && ex.length < 0 && !ex.chunked) {
      // A close-delimited body ends with the connection.
      ex.keepAlive = false;
      this.finishBody();
      return;
    }
    const at = this.phase === 'body' ? `after ${ex.received} of ${ex.length < 0 ? '?' : ex.length} bytes` : 'before the response was complete';
    this.fail(new HttpConnectionError(`connection closed ${at}`));
  }

  private onRead(n: number, buf: Uint8Array): boolean {
    if (this.phase === 'head') {
      this.landInHead(n, buf);
      this.parseHead();
      return this.phase === 'head';
    }
    if (this.phase === 'waiting') {
      // Paused as soon as the head was parsed, so this is not expected; keep the bytes for readBody anyway.
      this.landInHead(n, buf);
      return false;
    }
    if (this.phase === 'idle') {
      this.fail(new HttpConnectionError('unexpected bytes on an idle connection'));
      return false;
    }
    return this.onBody(buf.subarray(0, n), this.armedIsSink && buf === this.armed);
  }

  /**
   * Appends a read to the head buffer. It normally landed right there, but a read armed before the last body
   * ended (all of it came with the head) lands where the head buffer's tail was then: move it.
   */
  private landInHead(n: number, buf: Uint8Array): void {
    if (buf.buffer !== this.headBuf.buffer || buf.byteOffset !== this.headBuf.byteOffset + this.headFill) {
      if (this.headFill + n > this.headBuf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(this.headBuf.length * 2, this.headFill + n));
        this.headBuf.copy(bigger, 0, 0, this.headFill);
        this.headBuf = bigger;
      }
      // set() copies as memmove does, so a source overlapping the destination is fine.
      this.headBuf.set(buf.subarray(0, n), this.headFill);
    }
    this.headFill += n;
  }

  /** Hands body bytes that arrived in memory other than the sink's (the head buffer, chunk framing) to the sink. */
  private copyToSink(bytes: Uint8Array): boolean {
    const sink = this.ex!.sink!;
    let more = true;
    for (let off = 0; off < bytes.length; ) {
      const room = sink.space();
      const n = Math.min(room.length, bytes.length - off);
      room.set(bytes.subarray(off, off + n));
      off += n;
      more = sink.commit(n);
    }
    return more;
  }

  /** Body bytes just read (already in the sink's memory when `inSink`); false pauses the socket. */
  private onBody(bytes: Uint8Array, inSink: boolean): boolean {
    const ex = this.ex!;
    if (ex.chunked) {
      let more = true;
      for (const piece of ex.chunked.feed(bytes)) {
        ex.received += piece.length;
        more = this.copyToSink(piece) && more;
      }
      if (ex.chunked.done) this.finishBody();
      return more;
    }
    if (ex.length >= 0 && ex.received + bytes.length > ex.length) {
      this.fail(new HttpConnectionError(`the server sent more than the ${ex.length} bytes it announced`));
      return false;
    }
    ex.received += bytes.length;
    const more = inSink ? ex.sink!.commit(bytes.length) : this.copyToSink(bytes);
    if (ex.length >= 0 && ex.received === ex.length) this.finishBody();
    return more;
  }

  private finishBody(): void {
    const ex = this.ex!;
    ex.signal.removeEventListener('abort', ex.onAbort);
    this.ex = undefined;
    if (ex.keepAlive && !this.dead && this.headFill === 0) {
      this.phase = 'idle';
      this.idleTimer = setTimeout(() => this.destroy(), IDLE_MS);
      this.idleTimer.unref();
      // Idle, it must not keep the process alive.
      this.socket.unref();
      ex.release(this);
    } else {
      this.phase = 'idle';
      this.destroy();
    }
    ex.bodyDone?.resolve(ex.received);
  }

  private parseHead(): void {
    const ex = this.ex!;
    for (;;) {
      const end = this.headBuf.subarray(0, this.headFill).indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.headFill === this.headBuf.length) {
          if (this.headBuf.length >= HEAD_LIMIT) return this.fail(new HttpConnectionError('response head too large'));
          const bigger = Buffer.allocUnsafe(this.headBuf.length * 4);
          this.headBuf.copy(bigger, 0, 0, this.headFill);
          this.headBuf = bigger;
        }
        return;
      }
      const lines = this.headBuf.toString('latin1', 0, end).split('\r\n');
      const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? '');
      if (!m) return this.fail(new HttpConnectionError(`not an HTTP/1 response: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`));
      const status = Number(m[2]);
      const rest = end + 4;
      this.headBuf.copy(this.headBuf, 0, rest, this.headFill);
      this.headFill -= rest;
      // Interim 1xx answers precede the real one: drop them.
      if (status >= 100 && status < 200) continue;
      const map = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        if (i <= 0) continue;
        const k = line.slice(0, i).trim().toLowerCase();
        const v = line.slice(i + 1).trim();
        map.set(k, map.has(k) ? `${map.get(k)}, ${v}` : v);
      }
      const te = map.get('transfer-encoding')?.toLowerCase();
      if (status === 204 || status === 304) ex.length = 0;
      else if (te && te !== 'identity') {
        if (!te.endsWith('chunked')) return this.fail(new HttpConnectionError(`unsupported Transfer-Encoding ${te}`));
        ex.chunked = new ChunkedDecoder();
      } else if (map.has('content-length')) {
        ex.length = Number(map.get('content-length'));
        if (!Number.isSafeInteger(ex.length) || ex.length < 0) return this.fail(new HttpConnectionError(`bad Content-Length ${map.get('content-length')}`));
      }
      const connection = map.get('connection')?.toLowerCase() ?? '';
      ex.keepAlive = m[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
      ex.keepAlive &&= ex.length >= 0 || ex.chunked !== undefined;
      this.phase = 'waiting';
      ex.resolveHead(this.response(status, map));
      return;
    }
  }

  private response(status: number, headers: Map<string, string>): HttpResponse {
    const ex = this.ex!;
    return {
      status,
      headers,
      url: ex.url,
      length: ex.chunked ? -1 : ex.length,
      readBody: (sink) => {
        if (ex.sink) throw new Error('body already read');
        ex.sink = sink;
        return new Promise<number>((resolve, reject) => {
          ex.bodyDone = { resolve, reject };
          if (ex.failure !== undefined) return reject(ex.failure);
          this.phase = 'body';
          // Body bytes that came with the head: they are copied to the sink; the next read lands in the sink.
          const early = this.headBuf.subarray(0, this.headFill);
          this.headFill = 0;
          const more = this.onBody(early, false);
          // onBody may have finished the body already (all of it came with the head).
          if (more && this.ex === ex) this.socket.resume();
        });
      },
      resume: () => {
        if (this.ex === ex && this.phase === 'body') this.socket.resume();
      },
      close: (reason) => {
        if (this.ex !== ex) return;
        this.fail(reason ?? new HttpConnectionError('response abandoned'));
      },
    };
  }
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
