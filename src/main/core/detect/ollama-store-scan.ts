import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { DetectedModelDTO } from '../../../shared/contract';
import { isDir, lastReadAt, listDirs } from './fs-walk';

/** The parts of an Ollama manifest (OCI image manifest) that tell which blobs a model needs. */
const Layer = z.object({ mediaType: z.string().default(''), digest: z.string(), size: z.number().nonnegative() });
const Manifest = z.object({ config: Layer.optional(), layers: z.array(Layer) });

/** `registry.ollama.ai/library/llama3/8b` → `llama3:8b`, `registry.ollama.ai/user/m/latest` → `user/m:latest`. */
export function ollamaNameFromManifestPath(host: string, namespace: string, model: string, tag: string): string {
  if (host === 'registry.ollama.ai') return namespace === 'library' ? `${model}:${tag}` : `${namespace}/${model}:${tag}`;
  return `${host}/${namespace}/${model}:${tag}`;
}

function blobPath(root: string, digest: string): string {
  // Ollama names blob files `sha256-<hex>` (a colon is not allowed in Windows file names).
  return path.join(root, 'blobs', digest.replace(':', '-'));
}

/** One manifest file of a store: the model name it stands for and the registry path it was pulled from. */
export interface OllamaManifestFile {
  file: string;
  name: string;
  host: string;
  namespace: string;
  model: string;
  tag: string;
}

/** A manifest's layers (config first) and its digest: sha256 of the file's bytes, the ID `ollama list` shows. */
export interface ParsedOllamaManifest {
  digest: string;
  layers: Array<{ mediaType: string; digest: string; size: number }>;
}

/** Null when the bytes are not a manifest of the expected shape. */
export function parseOllamaManifest(raw: Buffer): ParsedOllamaManifest | null {
  let parsed;
  try {
    parsed = Manifest.safeParse(JSON.parse(raw.toString('utf8')));
  } catch {
    return null;
  }
  if (!parsed.success) return null;
  return {
    digest: `sha256:${createHash('sha256').update(raw).digest('hex')}`,
    layers: [...(parsed.data.config ? [parsed.data.config] : []), ...parsed.data.layers],
  };
}

/** Every manifest file in one Ollama store with the model name it stands for. */
export async function listOllamaManifests(root: string): Promise<OllamaManifestFile[]> {
  const manifests = path.join(root, 'manifests');
  if (!(await isDir(manifests))) return [];
  const out: OllamaManifestFile[] = [];
  for (const host of await listDirs(manifests)) {
    for (const ns of await listDirs(path.join(manifests, host))) {
      for (const model of await listDirs(path.join(manifests, host, ns))) {
        const dir = path.join(manifests, host, ns, model);
        let tags: string[];
        try {
          tags = (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
        } catch {
          continue;
        }
        for (const tag of tags) out.push({ file: path.join(dir, tag), name: ollamaNameFromManifestPath(host, ns, model, tag), host, namespace: ns, model, tag });
      }
    }
  }
  return out;
}

/** Models in one Ollama store, read from manifests and blobs so they show even when no server runs. */
export async function scanOllamaStore(root: string, warnings: string[]): Promise<DetectedModelDTO[]> {
  const out: DetectedModelDTO[] = [];
  for (const { file, name } of await listOllamaManifests(root)) {
    const entry = await readManifest(root, file, name, warnings);
    if (entry) out.push(entry);
  }
  return out;
}

/**
 * Bytes that removing these models from a store frees, per model: its blobs (config and layers) that no kept
 * manifest references, each counted once. Ollama shares blobs between tags (same weights, other template), so
 * sizes must not simply add up.
 */
export async function ollamaBytesFreed(root: string, names: string[]): Promise<Map<string, number>> {
  const gone = new Set(names);
  const keptBlobs = new Set<string>();
  const goneBlobs = new Map<string, string[]>();
  for (const { file, name } of await listOllamaManifests(root)) {
    const parsed = parseOllamaManifest(await fs.readFile(file).catch(() => Buffer.alloc(0)));
    if (!parsed) continue;
    const digests = parsed.layers.map((l) => l.digest);
    if (gone.has(name)) goneBlobs.set(name, digests);
    else for (const d of digests) keptBlobs.add(d);
  }
  const counted = new Set<string>();
  const out = new Map<string, number>();
  for (const name of names) {
    let bytes = 0;
    for (const d of goneBlobs.get(name) ?? []) {
      if (keptBlobs.has(d) || counted.has(d)) continue;
      counted.add(d);
      bytes += await fs.stat(blobPath(root, d)).then((s) => s.size, () => 0);
    }
    out.set(name, bytes);
  }
  return out;
}

async function readManifest(root: string, file: string, name: string, warnings: string[]): Promise<DetectedModelDTO | null> {
  let raw: Buffer;
  try {
    raw = await fs.readFile(file);
  } catch (err) {
    warnings.push(`Cannot read Ollama manifest ${file}: ${(err as Error).message}`);
    return null;
  }
  const parsed = parseOllamaManifest(raw);
  const st = await fs.stat(file);
  if (!parsed) {
    return {
      source: 'ollama', name, sizeBytes: 0, location: file, revision: null, complete: false,
      missing: ['manifest is not valid JSON of the expected shape (re-pull the model)'],
      lastUsed: null, notes: [], language: null, running: false, revisions: [], registryModel: null,
    };
  }
  const { layers } = parsed;
  const missing: string[] = [];
  let size = 0;
  for (const layer of layers) {
    try {
      const bst = await fs.stat(blobPath(root, layer.digest));
      size += bst.size;
      if (bst.size !== layer.size) missing.push(`blob ${layer.digest.slice(0, 19)}… is ${bst.size} bytes, manifest says ${layer.size} (${layer.mediaType || 'layer'})`);
    } catch {
      missing.push(`blob ${layer.digest.slice(0, 19)}… (${layer.mediaType || 'layer'}, ${layer.size} bytes)`);
    }
  }
  // `ollama list` shows the manifest's own sha256 as the model id; its first 12 hex digits are what people recognise.
  const digest = parsed.digest.slice('sha256:'.length);
  return {
    source: 'ollama',
    name,
    sizeBytes: size,
    location: file,
    revision: digest.slice(0, 12),
    complete: missing.length === 0,
    missing,
    // Ollama rewrites the manifest on pull only (its mtime is the pull); loading the model reads its weights blob.
    lastUsed: await lastReadAt(layers.filter((l) => l.mediaType.endsWith('.model')).map((l) => blobPath(root, l.digest))),
    notes: [`pulled ${st.mtime.toISOString()}`],
    language: null,
    running: false,
    revisions: [],
    registryModel: null,
  };
}
