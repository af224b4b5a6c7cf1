import { createHmac } from 'node:crypto';
import { ensureApiToken, tokensEqual } from '../auth/api-token';

const TTL_MS = 5 * 60_000;

function sign(dataDir: string, name: string, expires: number): string {
  // Keyed with the API token: only a holder of the token can mint a ticket, and rotating it voids them all.
  return createHmac('sha256', ensureApiToken(dataDir)).update(`bundle-download\0${name}\0${expires}`).digest('base64url');
}

/**
 * A ticket lets a browser link download one file of the exports folder for five minutes without the bearer
 * header (a plain `<a href>` cannot send one, and the token itself must never go into a URL).
 */
export function makeDownloadTicket(dataDir: string, name: string, now = Date.now()): { ticket: string; expiresAt: string } {
  const expires = now + TTL_MS;
  return { ticket: `${expires}.${sign(dataDir, name, expires)}`, expiresAt: new Date(expires).toISOString() };
}

export function checkDownloadTicket(dataDir: string, name: string, ticket: string, now = Date.now()): boolean {
  const [exp, sig] = ticket.split('.');
  const expires = Number(exp);
  if (!sig || !Number.isInteger(expires) || expires < now || expires > now + TTL_MS) return false;
  return tokensEqual(sig, sign(dataDir, name, expires));
}
