import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { contract, isMethodName } from '../../shared/contract';
import { AppError, toErrorDTO } from '../../shared/errors';
import { APP_NAME, APP_VERSION } from '../core/app-info';
import type { Core } from '../core/create-core';
import { healthSummary } from '../core/inference/inference-health';
import { handleBundleRoute } from './bundle-routes';
import { readJsonBody } from './read-json-body';
import { checkBearer, checkHostAndOrigin } from './request-guard';
import { openEventStream } from './sse-stream';
import { serveStatic } from './static-files';

export const DEFAULT_PORT = 4717;

export interface HttpServerOptions {
  port?: number;
  token: string;
  rendererDir?: string;
}

export interface RunningServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown): void {
  const dto = toErrorDTO(err);
  const status = err instanceof AppError ? err.httpStatus : 500;
  if (!res.headersSent) sendJson(res, status, { error: dto });
  else res.end();
}

function contractListing(): unknown {
  return Object.entries(contract).map(([name, def]) => ({
    name,
    kind: def.kind,
    summary: def.summary,
    http: def.kind === 'query' ? ['GET', 'POST'] : ['POST'],
    input: z.toJSONSchema(def.input, { unrepresentable: 'any', io: 'input' }),
  }));
}

/**
 * The contract over HTTP on loopback: `POST /api/rpc/<method>` with a JSON body (queries also as
 * `GET /api/rpc/<method>?input=<json>`), events at `GET /api/events` (SSE), the built window everywhere else.
 */
export function startHttpServer(core: Core, options: HttpServerOptions): Promise<RunningServer> {
  let port = options.port ?? DEFAULT_PORT;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    checkHostAndOrigin(req, port);
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname === '/api/health') {
      // No token: the embedding service's summary only (healthSummary names no model and no path).
      const inference = healthSummary(await core.invoke('inference.health', {}));
      sendJson(res, 200, { ok: true, app: APP_NAME, version: APP_VERSION, inference });
      return;
    }
    if (url.pathname.startsWith('/api/bundles/')) {
      await handleBundleRoute(core, req, res, url, options.token);
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      checkBearer(req, options.token);
      if (url.pathname === '/api/events' && req.method === 'GET') {
        const only = url.searchParams.get('events');
        openEventStream(res, core.bus, only ? new Set(only.split(',')) : undefined);
        return;
      }
      if (url.pathname === '/api/contract' && req.method === 'GET') {
        sendJson(res, 200, contractListing());
        return;
      }
      const match = /^\/api\/rpc\/([A-Za-z0-9_.-]+)$/.exec(url.pathname);
      if (!match?.[1]) throw new AppError('NOT_FOUND', `No API route ${req.method} ${url.pathname}.`, { hint: 'Methods live under /api/rpc/<method>; GET /api/contract lists them.' });
      const method = match[1];
      if (!isMethodName(method)) throw new AppError('UNKNOWN_METHOD', `Unknown method "${method}".`, { hint: 'GET /api/contract lists the methods.' });
      let input: unknown;
      if (req.method === 'POST') input = await readJsonBody(req);
      else if (req.method === 'GET' && contract[method].kind === 'query') {
        const raw = url.searchParams.get('input');
        try {
          input = raw ? (JSON.parse(raw) as unknown) : {};
        } catch {
          throw new AppError('INVALID_INPUT', 'The `input` query parameter is not valid JSON.');
        }
      } else {
        res.setHeader('Allow', contract[method].kind === 'query' ? 'GET, POST' : 'POST');
        sendJson(res, 405, { error: { code: 'INVALID_INPUT', message: `${method} must be called with POST.`, retryable: false } });
        return;
      }
      sendJson(res, 200, { result: await core.call(method, input) });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new AppError('NOT_FOUND', `No route ${req.method} ${url.pathname}.`);
    if (!options.rendererDir) throw new AppError('NOT_FOUND', 'This server has no window to serve.');
    serveStatic(options.rendererDir, url.pathname, res);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => sendError(res, err));
  });
  server.headersTimeout = 30_000;
  server.requestTimeout = 0; // SSE streams stay open
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new AppError('PORT_IN_USE', `Port ${port} on 127.0.0.1 is already in use (another \`model-center serve\`?).`, {
            hint: 'Stop the other server, or choose another port with --port N (--port 0 picks a free one).',
          }),
        );
      } else reject(err);
    });
    server.listen(port, '127.0.0.1', () => {
      port = (server.address() as AddressInfo).port;
      resolve({
        port,
        url: `http://127.0.0.1:${port}/`,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
