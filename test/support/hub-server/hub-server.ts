import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildRepo, type HubFault, type HubFile, type HubRepo, type HubRepoInput, type HubRevision } from './hub-repo';

export interface HubServerOptions {
  repos: HubRepoInput[];
  /** The token gated repos accept (`Authorization: Bearer <token>`). */
  token?: string;
  /** Entries per page of the tree listing before a `Link: <…>; rel="next"` header (the Hub pages at 1000). */
  treePageSize?: number;
  /**
   * Serve LFS files from a CDN on another host (127.0.0.2, Linux only; elsewhere the Hub's own), as the Hub does:
   * what huggingface_hub needs (it follows same-host redirects) and what shows a token is not sent to the CDN.
   */
  separateCdnHost?: boolean;
}

export interface HubRequestLog {
  method: string;
  url: string;
  range: string | undefined;
  status: number;
  /** The client's port: requests with the same one came over the same (kept-alive) connection. */
  port: number;
  /** When the request arrived (ms since the epoch); it is logged when its answer ends. */
  at: number;
  /** Whether it carried an Authorization header (a token must not travel to the CDN's host). */
  authorized: boolean;
}

export interface HubServer {
  url: string;
  repos: Map<string, HubRepo>;
  requests: HubRequestLog[];
  setFault(repoId: string, path: string, fault: HubFault | null): void;
  /** The next `times` metadata requests (`/api/…`) get this status (503 with Retry-After: 0 by default), as an overloaded Hub answers. */
  failApi(times: number, status?: number): void;
  /** Resolves once every request so far has been answered or cut (and logged). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

interface FaultState {
  fault: HubFault;
  used: number;
}

/**
 * A loopback Hugging Face Hub, following what huggingface_hub and @huggingface/hub read:
 * - `GET /api/models/{repo}[/revision/{rev}]`: id, sha, siblings, gated…
 * - `GET /api/models/{repo}/tree/{rev}[/{path}]?recursive=`: entries {type, oid, size, path, lfs?}, paged by Link header
 * - `POST /api/models/{repo}/paths-info/{rev}` with {paths, expand}: the same entries for the paths named
 * - `GET|HEAD /{repo}/resolve/{rev}/{path}`: regular files served directly with ETag (git blob id) and X-Repo-Commit;
 *   LFS files answered 302 to `/cdn-lfs/{sha256}` (on another host with separateCdnHost) with X-Linked-Etag, X-Linked-Size, X-Repo-Commit
 * - Range requests (206, 416), 401 with X-Error-Code GatedRepo, 404 with RepoNotFound / RevisionNotFound / EntryNotFound.
 */
export async function startHubServer(options: HubServerOptions): Promise<HubServer> {
  const repos = new Map(options.repos.map((r) => [r.id, buildRepo(r)]));
  const faults = new Map<string, FaultState>();
  const requests: HubRequestLog[] = [];
  const pageSize = options.treePageSize ?? 1000;
  let baseUrl = '';
  let cdnBaseUrl = '';

  const faultFor = (repoId: string, path: string): FaultState | undefined => faults.get(`${repoId}\0${path}`);
  const apiFault = { left: 0, status: 503 };

  const sendJson = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };

  const hubError = (res: http.ServerResponse, status: number, code: string, message: string): void =>
    sendJson(res, status, { error: message }, { 'X-Error-Code': code, 'X-Error-Message': message });

  const authorized = (req: http.IncomingMessage): boolean =>
    options.token !== undefined && req.headers.authorization === `Bearer ${options.token}`;

  const findRevision = (repo: HubRepo, rev: string): HubRevision | undefined => repo.branches.get(rev) ?? repo.commits.get(rev);

  /** Splits `org/name/rest…` into the repo id and what follows. */
  const splitRepo = (parts: string[]): { repo: HubRepo | undefined; repoId: string; rest: string[] } => {
    const repoId = parts.slice(0, 2).join('/');
    return { repo: repos.get(repoId), repoId, rest: parts.slice(2) };
  };

  const modelInfo = (res: http.ServerResponse, repo: HubRepo, rev: HubRevision): void =>
    sendJson(res, 200, {
      _id: `id-${repo.id}`,
      id: repo.id,
      modelId: repo.id,
      sha: rev.commit,
      private: false,
      gated: repo.gated ? 'auto' : false,
      disabled: false,
      downloads: 0,
      likes: 0,
      lastModified: repo.lastModified,
      pipeline_tag: 'feature-extraction',
      library_name: 'sentence-transformers',
      tags: [],
      siblings: [...rev.files.keys()].sort().map((rfilename) => ({ rfilename })),
    });

  const treeEntries = (rev: HubRevision, prefix: string, recursive: boolean): Array<Record<string, unknown>> => {
    const dirs = new Set<string>();
    const out: Array<Record<string, unknown>> = [];
    const base = prefix ? `${prefix}/` : '';
    for (const f of [...rev.files.values()].sort((a, b) => a.path.localeCompare(b.path))) {
      if (!f.path.startsWith(base)) continue;
      const rel = f.path.slice(base.length);
      const segs = rel.split('/');
      for (let i = 1; i < segs.length; i++) {
        const dir = base + segs.slice(0, i).join('/');
        if (!recursive && i > 1) break;
        if (!dirs.has(dir)) {
          dirs.add(dir);
          out.push({ type: 'directory', oid: '0'.repeat(40), size: 0, path: dir });
        }
      }
      if (!recursive && segs.length > 1) continue;
      out.push({
        type: 'file',
        oid: f.gitOid,
        size: f.size,
        path: f.path,
        ...(f.lfsOid ? { lfs: { oid: f.lfsOid, size: f.size, pointerSize: 134 } } : {}),
      });
    }
    return out;
  };

  /** Serves bytes with Range support and the file's fault, if any. */
  const serveBytes = async (req: http.IncomingMessage, res: http.ServerResponse, file: HubFile, state: FaultState | undefined, headers: Record<string, string>): Promise<void> => {
    let body = file.content;
    const fault = state?.fault;
    if (fault?.kind === 'error500' && state && state.used < fault.times) {
      state.used++;
      hubError(res, 500, 'InternalError', 'Internal Error - We\'re working hard to fix this as soon as possible!');
      return;
    }
    if (fault?.kind === 'corrupt') {
      body = Buffer.from(body);
      for (let i = 0; i < body.length; i += 997) body[i] = (body[i] ?? 0) ^ 0xff;
    }
    let start = 0;
    let end = file.size - 1;
    let status = 200;
    const range = fault?.kind === 'ignoreRange' ? undefined : req.headers.range;
    if (range) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      if (m && (m[1] || m[2])) {
        if (m[1]) {
          start = Number(m[1]);
          if (m[2]) end = Math.min(Number(m[2]), file.size - 1);
        } else {
          start = Math.max(0, file.size - Number(m[2]));
        }
        if (start >= file.size || start > end) {
          res.writeHead(416, { 'Content-Range': `bytes */${file.size}`, ...headers });
          res.end();
          return;
        }
        status = 206;
      }
    }
    const slice = body.subarray(start, end + 1);
    res.writeHead(status, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(slice.length),
      'Accept-Ranges': 'bytes',
      ...(status === 206 ? { 'Content-Range': `bytes ${start}-${end}/${file.size}` } : {}),
      ...headers,
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (fault?.kind === 'drop' && state && state.used < (fault.times ?? 1) && fault.afterBytes < slice.length) {
      state.used++;
      res.write(slice.subarray(0, fault.afterBytes), () => {
        // Let the bytes reach the client before the connection is cut mid-body.
        setTimeout(() => res.socket?.destroy(), 20);
      });
      return;
    }
    if (fault?.kind === 'stall' && state && state.used < (fault.times ?? 1)) {
      state.used++;
      // The answer never ends: the client's stall watchdog has to notice and cut it.
      res.write(slice.subarray(0, fault.afterBytes));
      return;
    }
    if (fault?.kind === 'trickle') {
      for (let off = 0; off < slice.length; off += fault.chunkBytes) {
        if (res.destroyed || req.destroyed) return;
        res.write(slice.subarray(off, off + fault.chunkBytes));
        await new Promise((r) => setTimeout(r, fault.delayMs));
      }
      res.end();
      return;
    }
    res.end(slice);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', baseUrl);
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);

    if (parts[0] === 'api' && apiFault.left > 0) {
      apiFault.left--;
      res.writeHead(apiFault.status, { 'Content-Type': 'application/json', 'Retry-After': '0' });
      return void res.end(JSON.stringify({ error: 'The server is overloaded, try again later' }));
    }
    if (parts[0] === 'api' && parts[1] === 'models') {
      const { repo, repoId, rest } = splitRepo(parts.slice(2));
      if (!repo) return hubError(res, 404, 'RepoNotFound', `Repository not found: ${repoId}`);
      if (rest.length === 0) return modelInfo(res, repo, repo.branches.get('main')!);
      if (rest[0] === 'revision' && rest.length >= 2) {
        const revName = rest.slice(1).join('/');
        const rev = findRevision(repo, revName === 'HEAD' ? 'main' : revName);
        if (!rev) return hubError(res, 404, 'RevisionNotFound', `Invalid rev id: ${revName}`);
        return modelInfo(res, repo, rev);
      }
      if (rest[0] === 'paths-info' && rest.length >= 2 && req.method === 'POST') {
        const rev = findRevision(repo, rest.slice(1).join('/'));
        if (!rev) return hubError(res, 404, 'RevisionNotFound', `Invalid rev id: ${rest.slice(1).join('/')}`);
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { paths?: string[]; expand?: boolean };
        const entries = treeEntries(rev, '', true).filter((e) => (body.paths ?? []).includes(String(e.path)));
        return sendJson(
          res,
          200,
          body.expand ? entries.map((e) => ({ ...e, lastCommit: { id: rev.commit, title: 'Upload', date: repo.lastModified } })) : entries,
        );
      }
      if (rest[0] === 'tree' && rest.length >= 2) {
        const rev = findRevision(repo, rest[1]!);
        if (!rev) return hubError(res, 404, 'RevisionNotFound', `Invalid rev id: ${rest[1]}`);
        const all = treeEntries(rev, rest.slice(2).join('/'), url.searchParams.get('recursive') === 'true');
        const cursor = Number(url.searchParams.get('cursor') ?? '0');
        const page = all.slice(cursor, cursor + pageSize);
        const headers: Record<string, string> = {};
        if (cursor + pageSize < all.length) {
          const next = new URL(url);
          next.searchParams.set('cursor', String(cursor + pageSize));
          headers.Link = `<${next.toString()}>; rel="next"`;
        }
        return sendJson(res, 200, page, headers);
      }
      return hubError(res, 404, 'EntryNotFound', `Not found: ${url.pathname}`);
    }

    if (parts[0] === 'cdn-lfs' && parts.length === 2) {
      for (const repo of repos.values()) {
        for (const rev of repo.commits.values()) {
          for (const f of rev.files.values()) {
            if (f.lfsOid === parts[1]) return serveBytes(req, res, f, faultFor(repo.id, f.path), { ETag: `"${f.lfsOid}"` });
          }
        }
      }
      return hubError(res, 404, 'EntryNotFound', 'Not found');
    }

    // /{org}/{name}/resolve/{rev}/{path…}
    const { repo, repoId, rest } = splitRepo(parts);
    if (rest[0] === 'resolve' && rest.length >= 3) {
      if (!repo) return hubError(res, 404, 'RepoNotFound', `Repository not found: ${repoId}`);
      if (repo.gated && !authorized(req)) {
        return hubError(
          res,
          401,
          'GatedRepo',
          `Access to model ${repo.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
        );
      }
      const rev = findRevision(repo, rest[1]!);
      if (!rev) return hubError(res, 404, 'RevisionNotFound', `Invalid rev id: ${rest[1]}`);
      const file = rev.files.get(rest.slice(2).join('/'));
      if (!file) return hubError(res, 404, 'EntryNotFound', `Entry not found: ${rest.slice(2).join('/')}`);
      const common = { 'X-Repo-Commit': rev.commit };
      if (file.lfsOid) {
        res.writeHead(302, {
          ...common,
          Location: `${cdnBaseUrl}/cdn-lfs/${file.lfsOid}`,
          ETag: `"${file.gitOid}"`,
          'X-Linked-Etag': `"${file.lfsOid}"`,
          'X-Linked-Size': String(file.size),
          'Content-Length': '0',
        });
        res.end();
        return;
      }
      return serveBytes(req, res, file, faultFor(repo.id, file.path), { ...common, ETag: `"${file.gitOid}"` });
    }
    hubError(res, 404, 'EntryNotFound', `Not found: ${url.pathname}`);
  };

  let inFlight = 0;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    inFlight++;
    res.once('close', () => inFlight--);
    const at = Date.now();
    const log = (status: number): number =>
      requests.push({ method: req.method ?? 'GET', url: req.url ?? '', range: req.headers.range, status, port: req.socket.remotePort ?? 0, at, authorized: req.headers.authorization !== undefined });
    res.on('finish', () => log(res.statusCode));
    res.on('close', () => {
      if (!res.writableFinished) log(-1);
    });
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) hubError(res, 500, 'InternalError', String(err));
      else res.destroy();
    });
  };
  const server = http.createServer(onRequest);
  // Idle connections are kept a minute, as the Hub's front ends do: Node's default 5 s races undici reusing one
  // on a busy machine ("other side closed" from a metadata fetch between two downloads).
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // With separateCdnHost the CDN answers on another host, as the Hub's does (cdn-lfs.hf.co): huggingface_hub
  // follows a redirect to the same host and then misses the redirect's X-Repo-Commit, and clients must drop
  // Authorization on the hop. Linux routes all of 127/8 to loopback; elsewhere the CDN shares the Hub's host.
  const cdn = http.createServer(onRequest);
  cdn.keepAliveTimeout = 60_000;
  cdnBaseUrl = options.separateCdnHost
    ? await new Promise<string>((resolve) => {
        cdn.once('error', () => resolve(baseUrl));
        cdn.listen(0, '127.0.0.2', () => resolve(`http://127.0.0.2:${(cdn.address() as AddressInfo).port}`));
      })
    : baseUrl;

  return {
    url: baseUrl,
    repos,
    requests,
    failApi(times, status = 503) {
      apiFault.left = times;
      apiFault.status = status;
    },
    setFault(repoId, path, fault) {
      const key = `${repoId}\0${path}`;
      if (fault) faults.set(key, { fault, used: 0 });
      else faults.delete(key);
    },
    settled: async () => {
      while (inFlight > 0) await new Promise((r) => setTimeout(r, 10));
    },
    close: async () => {
      const stop = (srv: http.Server): Promise<void> =>
        new Promise<void>((resolve) => {
          if (!srv.listening) return resolve();
          srv.closeAllConnections();
          srv.close(() => resolve());
        });
      await Promise.all([stop(server), stop(cdn)]);
    },
  };
}
