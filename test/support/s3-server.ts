import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';

export interface S3RequestLog {
  method: string;
  url: string;
  range: string | undefined;
}

export interface S3Server {
  /** The proxy in front of s3rver: what the app is configured with. */
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  requests: S3RequestLog[];
  /** The next GET of a key containing `match` is cut after `afterBytes` of body (the socket destroyed). */
  dropNextGet(match: string, afterBytes: number): void;
  /** GETs of keys containing `match` send their body in `chunkBytes` pieces, `delayMs` apart (null: full speed). */
  slowGets(match: string | null, chunkBytes?: number, delayMs?: number): void;
  /** PUTs whose URL contains `match` wait, unanswered, until `holdPuts(null)` lets them (and later ones) through. */
  holdPuts(match: string | null): void;
  /** Objects as s3rver stores them, for checks: key → size. */
  objects(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/**
 * s3rver (a real S3 protocol implementation: SigV4, Range, multipart, ListObjectsV2) on loopback, behind a
 * small proxy that logs requests and can drop a connection mid-body to test resume.
 */
export async function startS3Server(bucket = 'models'): Promise<S3Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-s3-'));
  const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: bucket, configs: [] }] });
  const { port: s3Port } = (await s3.run()) as AddressInfo;
  const requests: S3RequestLog[] = [];
  const drops: Array<{ match: string; afterBytes: number }> = [];
  let slow: { match: string; chunkBytes: number; delayMs: number } | null = null;
  let hold: string | null = null;
  const held: Array<() => void> = [];
  /** Requests to s3rver in flight: a client gone mid-body must not leave one waiting (s3rver's close would wait on it). */
  const upstreams = new Set<http.ClientRequest>();

  const proxy = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', range: req.headers.range });
    if (hold !== null && req.method === 'PUT' && (req.url ?? '').includes(hold)) {
      held.push(() => forward(req, res));
      return;
    }
    forward(req, res);
  });
  const forward = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    // A client that gave up while its request was held (a paused job) is not answered.
    if (req.destroyed || res.destroyed) return;
    const dropAt = req.method === 'GET' ? drops.findIndex((d) => (req.url ?? '').includes(d.match)) : -1;
    const drop = dropAt >= 0 ? drops.splice(dropAt, 1)[0] : undefined;
    const upstream = http.request({ host: '127.0.0.1', port: s3Port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (!drop && slow && req.method === 'GET' && (req.url ?? '').includes(slow.match)) {
        const { chunkBytes, delayMs } = slow;
        void (async () => {
          for await (const chunk of up) {
            for (let i = 0; i < (chunk as Buffer).length; i += chunkBytes) {
              if (res.destroyed) return;
              res.write((chunk as Buffer).subarray(i, i + chunkBytes));
              await new Promise((r) => setTimeout(r, delayMs));
            }
          }
          res.end();
        })().catch(() => res.destroy());
        res.on('close', () => up.destroy());
        return;
      }
      if (!drop) {
        up.pipe(res);
        return;
      }
      let sent = 0;
      up.on('end', () => {
        if (sent < drop.afterBytes) res.end();
      });
      up.on('data', (chunk: Buffer) => {
        if (sent >= drop.afterBytes) return;
        const room = drop.afterBytes - sent;
        res.write(room >= chunk.length ? chunk : chunk.subarray(0, room));
        sent += Math.min(room, chunk.length);
        if (sent >= drop.afterBytes) {
          up.destroy();
          // Flush what was written, then cut the connection as a dropped network would.
          setTimeout(() => res.socket?.destroy(), 20);
        }
      });
    });
    upstreams.add(upstream);
    upstream.on('close', () => upstreams.delete(upstream));
    upstream.on('error', () => res.destroy());
    req.on('close', () => {
      if (!req.complete) upstream.destroy();
    });
    req.pipe(upstream);
  };
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const port = (proxy.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    // s3rver's built-in account.
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    requests,
    dropNextGet: (match, afterBytes) => drops.push({ match, afterBytes }),
    slowGets: (match, chunkBytes = 64 * 1024, delayMs = 20) => {
      slow = match === null ? null : { match, chunkBytes, delayMs };
    },
    holdPuts: (match) => {
      hold = match;
      if (match === null) for (const go of held.splice(0)) go();
    },
    async objects() {
      const out = new Map<string, number>();
      const root = path.join(dir, bucket);
      const walk = (d: string, rel: string): void => {
        for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
          const r = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) walk(path.join(d, e.name), r);
          else if (e.name.endsWith('._S3rver_object')) out.set(r.replace(/\._S3rver_object$/, ''), fs.statSync(path.join(d, e.name)).size);
        }
      };
      walk(root, '');
      return out;
    },
    async close() {
      held.length = 0;
      for (const u of upstreams) u.destroy();
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
      await s3.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
