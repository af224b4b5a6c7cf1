import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A model the fake server knows: what /api/tags lists and /api/show describes. */
export interface FakeOllamaModel {
  name: string;
  size: number;
  digest: string;
  modifiedAt?: string;
  family?: string;
}

export interface FakeOllamaOptions {
  version?: string;
  models?: FakeOllamaModel[];
  running?: string[];
  /** Layers a pull streams, each in `chunks` progress lines. */
  pullLayers?: Array<{ digest: string; total: number }>;
  chunks?: number;
  /** Milliseconds between progress lines (lets a test cancel mid-stream). */
  lineDelayMs?: number;
  /** Send `{error}` after this many progress lines of the first layer, as a real registry failure does. */
  failAfterLines?: number;
}

export interface FakeOllama {
  host: string;
  models: FakeOllamaModel[];
  requests: Array<{ method: string; path: string; body: unknown }>;
  /** Pulls whose client went away before the end (cancel = abort of the stream). */
  abortedPulls: number;
  close(): Promise<void>;
}

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (d: Buffer) => (data += d.toString()));
    req.on('end', () => {
      try {
        resolve(data ? JSON.parse(data) : {});
      } catch {
        resolve({});
      }
    });
  });
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/**
 * A loopback Ollama speaking the endpoints Model Center uses, shaped as the real server answers (see ollama's
 * api/types.go and the `ollama` npm client): the pull streams NDJSON progress lines and ends with "success".
 */
export async function startFakeOllama(opts: FakeOllamaOptions = {}): Promise<FakeOllama> {
  const models = [...(opts.models ?? [])];
  const state: FakeOllama = { host: '', models, requests: [], abortedPulls: 0, close: async () => undefined };
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = await readBody(req);
      state.requests.push({ method: req.method ?? '', path: url.pathname, body });
      const name = typeof body === 'object' && body !== null ? ((body as { model?: string; name?: string }).model ?? (body as { name?: string }).name) : undefined;
      const find = (): FakeOllamaModel | undefined => models.find((m) => m.name === name || m.name === `${name}:latest`);
      if (req.method === 'GET' && url.pathname === '/api/version') return json(res, 200, { version: opts.version ?? '0.12.6' });
      if (req.method === 'GET' && url.pathname === '/api/tags') {
        return json(res, 200, {
          models: models.map((m) => ({
            name: m.name, model: m.name, modified_at: m.modifiedAt ?? '2026-01-02T03:04:05.000Z', size: m.size, digest: m.digest,
            details: { parent_model: '', format: 'gguf', family: m.family ?? 'llama', families: [m.family ?? 'llama'], parameter_size: '8.0B', quantization_level: 'Q4_0' },
          })),
        });
      }
      if (req.method === 'GET' && url.pathname === '/api/ps') {
        return json(res, 200, {
          models: models.filter((m) => opts.running?.includes(m.name)).map((m) => ({
            name: m.name, model: m.name, size: m.size, digest: m.digest, expires_at: '2026-01-02T03:09:05.000Z', size_vram: m.size,
            details: { format: 'gguf', family: m.family ?? 'llama' },
          })),
        });
      }
      if (req.method === 'POST' && url.pathname === '/api/show') {
        const m = find();
        if (!m) return json(res, 404, { error: `model '${name}' not found` });
        return json(res, 200, {
          license: 'MIT', modelfile: `FROM ${m.name}`, parameters: 'stop "<|eot|>"', template: '{{ .Prompt }}',
          details: { format: 'gguf', family: m.family ?? 'llama', parameter_size: '8.0B', quantization_level: 'Q4_0' },
          model_info: { 'general.architecture': m.family ?? 'llama', 'llama.context_length': 8192 },
          capabilities: ['completion'], modified_at: m.modifiedAt ?? '2026-01-02T03:04:05.000Z',
        });
      }
      if (req.method === 'DELETE' && url.pathname === '/api/delete') {
        const m = find();
        if (!m) return json(res, 404, { error: `model '${name}' not found` });
        models.splice(models.indexOf(m), 1);
        res.writeHead(200);
        return res.end();
      }
      if (req.method === 'POST' && url.pathname === '/api/pull') {
        res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
        let gone = false;
        res.on('close', () => {
          if (!res.writableFinished) {
            gone = true;
            state.abortedPulls++;
          }
        });
        const line = async (o: unknown): Promise<void> => {
          if (gone) return;
          res.write(`${JSON.stringify(o)}\n`);
          if (opts.lineDelayMs) await sleep(opts.lineDelayMs);
        };
        await line({ status: 'pulling manifest' });
        const layers = opts.pullLayers ?? [{ digest: `sha256:${'a'.repeat(64)}`, total: 4_000_000 }, { digest: `sha256:${'b'.repeat(64)}`, total: 1_200 }];
        const chunks = opts.chunks ?? 4;
        let lines = 0;
        for (const layer of layers) {
          for (let i = 1; i <= chunks; i++) {
            if (gone) return;
            if (opts.failAfterLines !== undefined && lines >= opts.failAfterLines) {
              await line({ error: 'max retries exceeded: unexpected EOF' });
              return res.end();
            }
            await line({ status: `pulling ${layer.digest.slice(7, 19)}`, digest: layer.digest, total: layer.total, completed: Math.round((layer.total * i) / chunks) });
            lines++;
          }
        }
        await line({ status: 'verifying sha256 digest' });
        await line({ status: 'writing manifest' });
        // Stored before "success", as the real server writes the manifest first: the client stops reading at success.
        if (!models.some((m) => m.name === name)) models.push({ name: String(name), size: layers.reduce((s, l) => s + l.total, 0), digest: 'c'.repeat(64) });
        await line({ status: 'success' });
        return res.end();
      }
      json(res, 404, { error: 'not found' });
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}
