import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback registry speaking what Model Center asks of registry.ollama.ai: `GET /v2/<ns>/<model>/manifests/<tag>`
 * answered with the stored bytes, `Docker-Content-Digest` and the Docker v2 media type, and the OCI distribution
 * spec's error bodies (`{"errors":[{"code":"MANIFEST_UNKNOWN"…}]}`, `NAME_UNKNOWN`) for what it does not have.
 * Blob requests are answered 404 and recorded, so a test can prove none was made.
 */
export interface FakeOllamaRegistry {
  url: string;
  requests: Array<{ method: string; path: string; accept: string }>;
  /** Publishes (or replaces) a tag's manifest; returns its digest. */
  setManifest(repo: string, tag: string, manifest: Buffer | string): string;
  deleteTag(repo: string, tag: string): void;
  deleteRepo(repo: string): void;
  close(): Promise<void>;
}

/**
 * A tag as upstream republishes it: the same weights (the first layer), a chat template layer added, the params
 * layer replaced by `params`. The JSON as Ollama writes manifests (compact), ready for `setManifest`.
 */
export function republishedManifest(pulled: Buffer, params: string, template: string): string {
  const m = JSON.parse(pulled.toString('utf8')) as { layers: Array<{ mediaType: string; digest: string; size: number }> };
  const layer = (mediaType: string, text: string): { mediaType: string; digest: string; size: number } => ({
    mediaType,
    digest: `sha256:${createHash('sha256').update(text).digest('hex')}`,
    size: Buffer.byteLength(text),
  });
  m.layers = [m.layers[0]!, layer('application/vnd.ollama.image.template', template), layer('application/vnd.ollama.image.params', params)];
  return JSON.stringify(m);
}

const MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';

function ociError(res: http.ServerResponse, status: number, code: string, message: string, detail: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Docker-Distribution-Api-Version': 'registry/2.0' });
  res.end(JSON.stringify({ errors: [{ code, message, detail }] }));
}

export async function startFakeOllamaRegistry(): Promise<FakeOllamaRegistry> {
  // repo (`library/gemma2`) → tag → manifest bytes
  const repos = new Map<string, Map<string, Buffer>>();
  const requests: FakeOllamaRegistry['requests'] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ method: req.method ?? '', path: url.pathname, accept: String(req.headers.accept ?? '') });
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    if (!m || (req.method !== 'GET' && req.method !== 'HEAD')) return ociError(res, 404, 'NAME_UNKNOWN', 'repository name not known to registry', {});
    const [, repo, kind, ref] = m.map((p) => decodeURIComponent(p)) as [string, string, string, string];
    const tags = repos.get(repo);
    if (!tags) return ociError(res, 404, 'NAME_UNKNOWN', 'repository name not known to registry', { name: repo });
    if (kind === 'blobs') return ociError(res, 404, 'BLOB_UNKNOWN', 'blob unknown to registry', { digest: ref });
    const body = tags.get(ref);
    if (!body) return ociError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown', { Tag: ref });
    res.writeHead(200, {
      'Content-Type': MANIFEST_TYPE,
      'Content-Length': body.length,
      'Docker-Content-Digest': `sha256:${createHash('sha256').update(body).digest('hex')}`,
      'Docker-Distribution-Api-Version': 'registry/2.0',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    setManifest(repo, tag, manifest) {
      const body = Buffer.from(manifest);
      if (!repos.has(repo)) repos.set(repo, new Map());
      repos.get(repo)!.set(tag, body);
      return `sha256:${createHash('sha256').update(body).digest('hex')}`;
    },
    deleteTag: (repo, tag) => void repos.get(repo)?.delete(tag),
    deleteRepo: (repo) => void repos.delete(repo),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
