import type { IncomingMessage } from 'node:http';
import { AppError } from '../../shared/errors';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Reads a JSON body, refusing (413) as soon as it passes the limit rather than after buffering it all. */
export async function readJsonBody(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  const tooLarge = (): AppError =>
    new AppError('PAYLOAD_TOO_LARGE', `The request body is larger than ${Math.round(limit / 1024)} KiB.`, {
      hint: 'Send less at once (split the list into several calls).',
    });
  if (declared > limit) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      req.resume();
      throw tooLarge();
    }
    chunks.push(buf);
  }
  if (size === 0) return {};
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new AppError('INVALID_INPUT', `The request body is not valid JSON: ${(err as Error).message}`, {
      hint: 'Send a JSON object with Content-Type: application/json.',
    });
  }
}
