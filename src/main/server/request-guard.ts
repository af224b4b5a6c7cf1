import type { IncomingMessage } from 'node:http';
import { AppError } from '../../shared/errors';
import { tokensEqual } from '../core/auth/api-token';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function isLoopbackAuthority(url: URL, port: number): boolean {
  return LOOPBACK_HOSTS.has(url.hostname.toLowerCase()) && Number(url.port || 80) === port;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/**
 * DNS rebinding defence: a page on evil.example that resolves to 127.0.0.1 still sends `Host: evil.example`,
 * and a cross-site page sends its own Origin. Both are refused before anything else happens.
 */
export function checkHostAndOrigin(req: IncomingMessage, port: number): void {
  const host = req.headers.host ?? '';
  const hostUrl = parseUrl(`http://${host}`);
  if (!hostUrl || !isLoopbackAuthority(hostUrl, port)) {
    throw new AppError('FORBIDDEN', `Host "${host}" is not this loopback server.`, {
      hint: `Open http://127.0.0.1:${port}/ directly.`,
    });
  }
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const originUrl = parseUrl(origin);
    if (!originUrl || originUrl.protocol !== 'http:' || !isLoopbackAuthority(originUrl, port)) {
      throw new AppError('FORBIDDEN', `Origin "${origin}" may not call this server.`, {
        hint: 'Only pages served by Model Center itself may call its API.',
      });
    }
  }
}

export function checkBearer(req: IncomingMessage, token: string): void {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1] || !tokensEqual(match[1], token)) {
    throw new AppError('UNAUTHORIZED', header ? 'The bearer token is wrong.' : 'This API needs a bearer token.', {
      hint: 'Send `Authorization: Bearer <token>`; `model-center token` prints it (it is kept in the data folder, file api-token).',
    });
  }
}
