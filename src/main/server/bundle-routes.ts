import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../shared/errors';
import { checkDownloadTicket } from '../core/bundles/download-ticket';
import { exportFile, uploadsDir } from '../core/bundles/exports-folder';
import type { Core } from '../core/create-core';
import { checkBearer } from './request-guard';

/** Bundles are big: uploads may be this large (MODEL_CENTER_UPLOAD_LIMIT, in bytes, changes it). */
export const DEFAULT_UPLOAD_LIMIT = 64 * 1024 ** 3;

function uploadLimit(core: Core): number {
  const n = Number(core.env.MODEL_CENTER_UPLOAD_LIMIT);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_UPLOAD_LIMIT;
}

function tooLarge(limit: number): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', `The bundle is larger than the ${(limit / 1024 ** 3).toFixed(1)} GiB this server accepts.`, {
    hint: 'Import it from the command line instead (`model-center import FILE`), or raise MODEL_CENTER_UPLOAD_LIMIT.',
  });
}

/** `GET /api/bundles/exports/<name>`: a bundle of the exports folder, streamed; bearer header or a download ticket. */
async function sendExport(core: Core, req: IncomingMessage, res: ServerResponse, url: URL, token: string, name: string): Promise<void> {
  const ticket = url.searchParams.get('ticket');
  if (ticket === null) checkBearer(req, token);
  else if (!checkDownloadTicket(core.dataDir, name, ticket)) {
    throw new AppError('UNAUTHORIZED', 'This download link has expired or is not for this file.', { hint: 'Click Download again in the window for a fresh link.' });
  }
  const file = exportFile(core.dataDir, name);
  const st = await fs.promises.stat(file).catch(() => undefined);
  if (!st?.isFile()) throw new AppError('NOT_FOUND', `There is no ${name} in the exports folder.`);
  res.writeHead(200, {
    'Content-Type': name.endsWith('.tar') ? 'application/x-tar' : name.endsWith('.zst') ? 'application/zstd' : 'application/gzip',
    'Content-Length': st.size,
    'Content-Disposition': `attachment; filename="${name}"`,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await pipeline(fs.createReadStream(file, { highWaterMark: 1024 * 1024 }), res).catch(() => res.destroy());
}

/**
 * `POST /api/bundles/upload?name=<file name>`: the raw bundle as the body (not JSON, so not under the 1 MiB
 * body limit), streamed to the data dir's uploads folder with its own size limit and a free-space check, then
 * imported as a job (the job deletes the upload when it ends). Answers `{ result: <the import job> }`.
 */
async function receiveUpload(core: Core, req: IncomingMessage, res: ServerResponse, url: URL, token: string): Promise<void> {
  checkBearer(req, token);
  const limit = uploadLimit(core);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  const dir = uploadsDir(core.dataDir);
  await fs.promises.mkdir(dir, { recursive: true });
  if (Number.isFinite(declared)) {
    const st = await fs.promises.statfs(dir);
    if (Number(st.bavail) * Number(st.bsize) < declared) {
      req.resume();
      throw new AppError('DISK_FULL', `Not enough free space in ${dir} for a ${declared}-byte bundle.`, { hint: 'Free some space, or import it from the command line.' });
    }
  }
  const base = (url.searchParams.get('name') ?? 'bundle.tar.gz').replace(/[^A-Za-z0-9._-]/g, '_').slice(-100);
  const file = path.join(dir, `${randomBytes(6).toString('hex')}-${base}`);
  const partial = `${file}.partial`;
  let size = 0;
  try {
    await pipeline(
      req,
      new Transform({
        transform(chunk: Buffer, _e, cb) {
          size += chunk.length;
          cb(size > limit ? tooLarge(limit) : null, chunk);
        },
      }),
      fs.createWriteStream(partial, { flags: 'wx' }),
    );
    if (Number.isFinite(declared) && size !== declared) throw new AppError('INVALID_INPUT', `The upload ended after ${size} of ${declared} bytes.`, { hint: 'Upload it again.' });
    await fs.promises.rename(partial, file);
  } catch (err) {
    await fs.promises.rm(partial, { force: true });
    throw err instanceof AppError ? err : new AppError('INVALID_INPUT', `The upload failed: ${(err as Error).message}.`, { hint: 'Upload it again.' });
  }
  try {
    const job = await core.call('bundles.import', { file });
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify({ result: job }));
  } catch (err) {
    await fs.promises.rm(file, { force: true });
    throw err;
  }
}

/** The two routes that move bundle bytes over HTTP; everything else about bundles is an ordinary contract method. */
export async function handleBundleRoute(core: Core, req: IncomingMessage, res: ServerResponse, url: URL, token: string): Promise<void> {
  const download = /^\/api\/bundles\/exports\/([^/]+)$/.exec(url.pathname);
  if (download?.[1] && (req.method === 'GET' || req.method === 'HEAD')) return sendExport(core, req, res, url, token, decodeURIComponent(download[1]));
  if (url.pathname === '/api/bundles/upload' && req.method === 'POST') return receiveUpload(core, req, res, url, token);
  checkBearer(req, token);
  throw new AppError('NOT_FOUND', `No API route ${req.method} ${url.pathname}.`, { hint: 'Bundles: GET /api/bundles/exports/<name>, POST /api/bundles/upload?name=<file>.' });
}
