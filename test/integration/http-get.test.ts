import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient, HttpConnectionError, type BodySink, type HttpResponse } from '../../src/main/core/hub/http-get';
import { pseudoRandomBytes } from '../support/hub-server/hub-repo';
import { TEST_TLS_CERT, TEST_TLS_KEY } from '../support/tls-fixture';

/** The download client's own HTTP/1.1: framing, redirects, keep-alive, TLS, backpressure. */
const closers: Array<() => void> = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => {
    if (server instanceof http.Server) server.closeAllConnections();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

/** Collects a body; pauses the socket every `pauseEvery` reads and resumes on the next tick. */
function collector(res: HttpResponse, pauseEvery = 0): BodySink & { bytes(): Buffer } {
  let buf = Buffer.alloc(64 * 1024);
  let fill = 0;
  let reads = 0;
  return {
    space() {
      if (buf.length - fill < 16 * 1024) {
        const bigger = Buffer.alloc(buf.length * 2);
        buf.copy(bigger, 0, 0, fill);
        buf = bigger;
      }
      return buf.subarray(fill, fill + 16 * 1024);
    },
    commit(n) {
      fill += n;
      if (pauseEvery && ++reads % pauseEvery === 0) {
        setImmediate(() => res.resume());
        return false;
      }
      return true;
    },
    bytes: () => buf.subarray(0, fill),
  };
}

const signal = (): AbortSignal => new AbortController().signal;

describe('HttpClient', () => {
  it('reads a chunked body, and a Content-Length one with the socket paused and resumed along the way', async () => {
    const big = pseudoRandomBytes(2 * 1024 * 1024, 3);
    const port = await listen(
      http.createServer((req, res) => {
        if (req.url === '/chunked') {
          res.write(big.subarray(0, 1000));
          setTimeout(() => res.end(big.subarray(1000, 300_000)), 5);
        } else {
          res.writeHead(200, { 'Content-Length': big.length });
          res.end(big);
        }
      }),
    );
    const client = new HttpClient();
    const chunked = await client.get(new URL(`http://127.0.0.1:${port}/chunked`), { headers: {}, signal: signal() });
    expect(chunked.headers.get('transfer-encoding')).toBe('chunked');
    expect(chunked.length).toBe(-1);
    const c = collector(chunked);
    expect(await chunked.readBody(c)).toBe(300_000);
    expect(c.bytes().equals(big.subarray(0, 300_000))).toBe(true);
    const whole = await client.get(new URL(`http://127.0.0.1:${port}/whole`), { headers: {}, signal: signal() });
    expect(whole.length).toBe(big.length);
    const w = collector(whole, 3);
    await whole.readBody(w);
    expect(w.bytes().equals(big)).toBe(true);
    client.close();
  });

  it('follows redirects, dropping Authorization on a hop to another origin only', async () => {
    const seen: Array<{ url: string; auth: string | undefined }> = [];
    let otherPort = 0;
    const other = http.createServer((req, res) => {
      seen.push({ url: `other${req.url}`, auth: req.headers.authorization });
      res.end('cdn');
    });
    otherPort = await listen(other);
    const port = await listen(
      http.createServer((req, res) => {
        seen.push({ url: req.url ?? '', auth: req.headers.authorization });
        if (req.url === '/a') res.writeHead(302, { Location: '/b' }).end();
        else res.writeHead(307, { Location: `http://localhost:${otherPort}/c` }).end();
      }),
    );
    const client = new HttpClient();
    const res = await client.get(new URL(`http://127.0.0.1:${port}/a`), { headers: { Authorization: 'Bearer t' }, signal: signal() });
    expect(res.url.href).toBe(`http://localhost:${otherPort}/c`);
    const sink = collector(res);
    await res.readBody(sink);
    expect(sink.bytes().toString()).toBe('cdn');
    expect(seen).toEqual([
      { url: '/a', auth: 'Bearer t' },
      { url: '/b', auth: 'Bearer t' },
      { url: 'other/c', auth: undefined },
    ]);
    client.close();
  });

  it('reuses a kept-alive connection, and sends again on a new one when the server dropped the idle one', async () => {
    const ports: number[] = [];
    let requestsOnSocket = new WeakMap<net.Socket, number>();
    const port = await listen(
      net.createServer((socket) => {
        socket.on('data', () => {
          const n = (requestsOnSocket.get(socket) ?? 0) + 1;
          requestsOnSocket.set(socket, n);
          // The third request on a connection finds it closed, as a server ends idle keep-alive connections.
          if (n === 3) return socket.destroy();
          ports.push(socket.remotePort ?? 0);
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        });
      }),
    );
    const client = new HttpClient();
    for (let i = 0; i < 3; i++) {
      const res = await client.get(new URL(`http://127.0.0.1:${port}/x`), { headers: {}, signal: signal() });
      const sink = collector(res);
      await res.readBody(sink);
      expect(sink.bytes().toString()).toBe('ok');
    }
    expect(ports[0]).toBe(ports[1]);
    expect(ports[2]).not.toBe(ports[1]);
    requestsOnSocket = new WeakMap();
    client.close();
  });

  it('speaks HTTPS, reading the decrypted bytes into the sink', async () => {
    const big = pseudoRandomBytes(3 * 1024 * 1024, 5);
    const port = await listen(
      https.createServer({ key: TEST_TLS_KEY, cert: TEST_TLS_CERT }, (req, res) => {
        res.writeHead(206, { 'Content-Range': `bytes 0-${big.length - 1}/${big.length}`, 'Content-Length': big.length });
        res.end(big);
      }),
    );
    const client = new HttpClient({ ca: TEST_TLS_CERT });
    const res = await client.get(new URL(`https://localhost:${port}/f`), { headers: { Range: 'bytes=0-' }, signal: signal() });
    expect(res.status).toBe(206);
    const sink = collector(res, 5);
    await res.readBody(sink);
    expect(sink.bytes().equals(big)).toBe(true);
    client.close();
    // Without the test CA the certificate is refused.
    await expect(new HttpClient().get(new URL(`https://localhost:${port}/f`), { headers: {}, signal: signal() })).rejects.toThrow(/certificate/);
  });

  it('rejects a body cut short, and a header that would forge a request', async () => {
    const port = await listen(
      net.createServer((socket) => {
        socket.once('data', () => {
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n');
          socket.end(Buffer.alloc(500, 1));
        });
      }),
    );
    const client = new HttpClient();
    const res = await client.get(new URL(`http://127.0.0.1:${port}/x`), { headers: {}, signal: signal() });
    await expect(res.readBody(collector(res))).rejects.toThrow(HttpConnectionError);
    await expect(client.get(new URL(`http://127.0.0.1:${port}/x`), { headers: { Range: 'bytes=0-\r\nX: y' }, signal: signal() })).rejects.toThrow(/invalid character/);
    client.close();
  });
});
