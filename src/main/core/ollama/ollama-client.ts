import { Ollama } from 'ollama';
import { AppError } from '../../../shared/errors';
import { ollamaHost } from '../detect/detect-roots';
import type { Env } from '../paths';

export interface OllamaConn {
  host: string;
  client: Ollama;
}

export function ollamaConn(env: Env): OllamaConn {
  const host = ollamaHost(env);
  return { host, client: new Ollama({ host }) };
}

/** Ollama names without a tag mean `:latest`, as `ollama pull` reads them. */
export function ollamaKey(name: string): string {
  const last = name.split('/').pop() ?? name;
  return last.includes(':') ? name : `${name}:latest`;
}

/**
 * A name as the store lists it (`ollamaNameFromManifestPath`): `ollama:` prefix dropped, `:latest` added, and
 * Ollama's own registry and `library/` namespace left out, so `registry.ollama.ai/library/llama3` is `llama3:latest`.
 */
export function ollamaStoreName(ref: string): string {
  const name = ollamaKey(ref.trim().replace(/^ollama:/i, ''));
  return name.replace(/^registry\.ollama\.ai\//, '').replace(/^library\//, '');
}

/** The client's ResponseError carries the HTTP status; a failed fetch (nothing listening) does not. */
function httpStatus(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'status_code' in err) {
    const s = (err as { status_code: unknown }).status_code;
    return typeof s === 'number' ? s : undefined;
  }
  return undefined;
}

export function ollamaUnavailable(host: string, cause?: unknown): AppError {
  return new AppError('OLLAMA_UNAVAILABLE', `Ollama is not running at ${host}; start it with \`ollama serve\`.`, {
    hint: 'Or set OLLAMA_HOST to where your Ollama server listens.',
    cause,
  });
}

/** Turns what the `ollama` client throws into errors a person can act on. */
export function ollamaError(err: unknown, host: string, model?: string): AppError {
  if (err instanceof AppError) return err;
  const status = httpStatus(err);
  const message = err instanceof Error ? err.message : String(err);
  if (status === undefined && !(err instanceof Error && err.name === 'AbortError')) {
    // fetch() failed before any answer: connection refused, DNS, reset — the server is not there.
    if (/fetch failed|ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|socket|network/i.test(message + String((err as { cause?: unknown }).cause ?? ''))) {
      return ollamaUnavailable(host, err);
    }
  }
  if (status === 404 && model) {
    return new AppError('MODEL_NOT_FOUND', `Ollama has no model "${model}": ${message}`, { hint: 'List models with `model-center detect` or pull it with `model-center ollama pull <name>`.', cause: err });
  }
  return new AppError('OLLAMA_ERROR', `Ollama at ${host} answered: ${message}`, { cause: err });
}
