import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

function write(file: string, data: string | Buffer): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  return file;
}

export const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** A small file that starts like a GGUF model (magic, version 3), deterministic for a seed. */
export function fakeGguf(bytes: number, seed = 1): Buffer {
  const b = Buffer.alloc(bytes);
  b.write('GGUF', 0, 'latin1');
  b.writeUInt32LE(3, 4);
  let x = seed * 2654435761;
  for (let i = 8; i < bytes; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/**
 * An Ollama model as `ollama pull` / `ollama create` leaves it: the weights as `blobs/sha256-<hex>` (layer
 * `application/vnd.ollama.image.model`), a params layer, a config blob and the manifest under
 * `manifests/registry.ollama.ai/library/<name>/<tag>`.
 */
export function makeOllamaModel(root: string, name: string, tag: string, weights: Buffer): { manifest: string; weightsBlob: string } {
  const blob = (data: Buffer | string): { digest: string; size: number; file: string } => {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    const digest = `sha256:${sha256(buf)}`;
    return { digest, size: buf.length, file: write(path.join(root, 'blobs', digest.replace(':', '-')), buf) };
  };
  const model = blob(weights);
  const params = blob(JSON.stringify({ stop: ['<|end|>'] }));
  const config = blob(JSON.stringify({ model_format: 'gguf', model_family: 'llama', model_type: '1B', file_type: 'Q4_K_M' }));
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: config.digest, size: config.size },
    layers: [
      { mediaType: 'application/vnd.ollama.image.model', digest: model.digest, size: model.size },
      { mediaType: 'application/vnd.ollama.image.params', digest: params.digest, size: params.size },
    ],
  };
  const file = write(path.join(root, 'manifests', 'registry.ollama.ai', 'library', name, tag), JSON.stringify(manifest));
  return { manifest: file, weightsBlob: model.file };
}

/** LM Studio's layout: `<models>/<publisher>/<repo>/<file>.gguf`, the Hub repo id as two folders. */
export function makeLmStudioModel(modelsDir: string, repoId: string, files: Record<string, Buffer | string>): string {
  const dir = path.join(modelsDir, ...repoId.split('/'));
  for (const [name, data] of Object.entries(files)) write(path.join(dir, name), data);
  return dir;
}

/**
 * Jan's llama.cpp layout: `<data>/llamacpp/models/<model id>/model.yml` and `model.gguf`, with `model_path`
 * relative to the data folder, as the llamacpp extension writes it.
 */
export function makeJanModel(dataFolder: string, modelId: string, weights: Buffer): string {
  const dir = path.join(dataFolder, 'llamacpp', 'models', ...modelId.split('/'));
  write(path.join(dir, 'model.gguf'), weights);
  write(path.join(dir, 'model.yml'), [`model_path: llamacpp/models/${modelId}/model.gguf`, `name: ${modelId}`, `size_bytes: ${weights.length}`, ''].join('\n'));
  return dir;
}

/** The name huggingface_hub gives a regular (non-LFS) file's blob: its git blob id, sha1("blob <len>\\0" + content). */
export function gitBlobId(content: Buffer | string): string {
  const buf = typeof content === 'string' ? Buffer.from(content) : content;
  return createHash('sha1').update(`blob ${buf.length}\0`).update(buf).digest('hex');
}

/**
 * Renames a cached file's blob to its git blob id and relinks the snapshot, as huggingface_hub stores small files
 * (only LFS files are named by their sha256).
 */
export function asRegularHubFile(repoDir: string, commit: string, repoPath: string): string {
  const link = path.join(repoDir, 'snapshots', commit, ...repoPath.split('/'));
  const blob = fs.realpathSync(link);
  const renamed = path.join(path.dirname(blob), gitBlobId(fs.readFileSync(blob)));
  fs.renameSync(blob, renamed);
  fs.rmSync(link);
  fs.symlinkSync(path.relative(path.dirname(link), renamed), link);
  return renamed;
}
