import { parseOllamaManifest, type ParsedOllamaManifest } from '../detect/ollama-store-scan';
import type { Env } from '../paths';

/** The host `ollama pull llama3` uses; a store's manifests folder names it for every model pulled from it. */
export const OLLAMA_DEFAULT_REGISTRY = 'registry.ollama.ai';

/** What `ollama pull` asks for (server/images.go pullModelManifest): the Docker v2 schema, which Ollama stores. */
const MANIFEST_ACCEPT = 'application/vnd.docker.distribution.manifest.v2+json';

/** A manifest is a few hundred bytes; anything this big is not one, and must not be read into memory. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

const DEFAULT_TIMEOUT_MS = 20_000;

/**
 * Where to ask about a model pulled from `host`: MODEL_CENTER_OLLAMA_REGISTRY replaces Ollama's own registry (a
 * mirror, or a loopback one in tests); any other registry is asked at its own host over https, as Ollama does.
 */
export function ollamaRegistryBase(env: Env, host: string): string {
  const override = env.MODEL_CENTER_OLLAMA_REGISTRY?.trim();
  if (host === OLLAMA_DEFAULT_REGISTRY && override) return override.replace(/\/+$/, '');
  return `https://${host}`;
}

export type RemoteManifest =
  | { state: 'found'; manifest: ParsedOllamaManifest; url: string }
  | { state: 'gone' | 'gated' | 'unreachable'; message: string; url: string };

/** The registry's own words from an error body (`{"errors":[{"code","message"}]}`), when it sent that. */
function registryError(body: string): { code: string; message: string } | null {
  try {
    const parsed = JSON.parse(body) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = parsed.errors?.[0];
    if (first && typeof first.code === 'string') return { code: first.code, message: typeof first.message === 'string' ? first.message : '' };
  } catch {
    /* not JSON: the status says enough */
  }
  return null;
}

/**
 * The tag's manifest as the registry has it now, without a layer download. One request, no retry: a check of many
 * models must not hammer a registry that is down, and "unreachable" is an answer the caller reports.
 */
export async function fetchOllamaManifest(
  base: string,
  ref: { namespace: string; model: string; tag: string },
  opts: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<RemoteManifest> {
  const url = `${base}/v2/${encodeURIComponent(ref.namespace)}/${encodeURIComponent(ref.model)}/manifests/${encodeURIComponent(ref.tag)}`;
  const what = `${ref.namespace}/${ref.model}:${ref.tag}`;
  let res: Response;
  let body: Buffer;
  try {
    res = await (opts.fetch ?? globalThis.fetch)(url, { headers: { Accept: MANIFEST_ACCEPT }, signal: AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) });
    const announced = Number(res.headers.get('content-length') ?? 0);
    if (announced > MAX_MANIFEST_BYTES) {
      await res.body?.cancel();
      return { state: 'unreachable', url, message: `${base} sent ${announced} bytes for the manifest of ${what}: not a manifest.` };
    }
    body = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer in ${Math.round((opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s` : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { state: 'unreachable', url, message: `Could not reach the Ollama registry at ${base} (${why}).` };
  }
  if (res.status === 404) {
    const said = registryError(body.toString('utf8'));
    const message =
      said?.code === 'NAME_UNKNOWN'
        ? `${base} no longer has the model ${ref.namespace}/${ref.model}.`
        : `${base} no longer has the tag ${what}${said?.code === 'MANIFEST_UNKNOWN' ? '' : ` (${res.status})`}.`;
    return { state: 'gone', url, message };
  }
  if (res.status === 401 || res.status === 403) {
    return { state: 'gated', url, message: `${base} wants credentials for ${what} (${res.status}); Ollama pulls it with its own key.` };
  }
  if (res.status !== 200) {
    const said = registryError(body.toString('utf8'));
    return { state: 'unreachable', url, message: `The Ollama registry at ${base} answered ${res.status} for ${what}${said ? `: ${said.code} ${said.message}`.trimEnd() : ''}.` };
  }
  const manifest = parseOllamaManifest(body);
  if (!manifest) return { state: 'unreachable', url, message: `${base} answered ${what} with something that is not an image manifest.` };
  // The registry names the digest of the bytes it stores; the body's own hash stands in when it does not.
  const header = res.headers.get('docker-content-digest');
  if (header && /^sha256:[0-9a-f]{64}$/.test(header)) manifest.digest = header;
  return { state: 'found', manifest, url };
}

