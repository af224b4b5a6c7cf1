import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { listFiles } from '../detect/fs-walk';
import { ollamaNameFromManifestPath } from '../detect/ollama-store-scan';
import { SHA256_HEX, subdirs, type FileRef, type FoundModel } from './found-model';

const REPO_FOLDER = /^(models|datasets|spaces)--(.+)$/;

/** `models--org--name` → `org/name`, `datasets--org--x` → `datasets/org/x` (huggingface_hub splits on `--`). */
export function hfRepoName(folder: string): string | null {
  const m = REPO_FOLDER.exec(folder);
  if (!m?.[1] || !m[2]) return null;
  const id = m[2].split('--').join('/');
  return m[1] === 'models' ? id : `${m[1]}/${id}`;
}

/**
 * Repos of a Hugging Face hub cache with every blob they hold. Snapshots are walked to their full depth
 * (`onnx/model.onnx`, `1_Pooling/config.json`): @huggingface/hub's scanCacheDir lists only a snapshot's top-level
 * files, huggingface_hub's scan_cache_dir walks them all. Blobs no snapshot links to still take disk space and are
 * listed too; `.incomplete` downloads are not (they are partial, never final content).
 *
 * A blob named by 64 hex digits is an LFS file named by its sha256. huggingface_hub does not check that claim when
 * it downloads (huggingface/huggingface_hub#3643), Model Center does: `verifiedCommits` are the revisions Model
 * Center downloaded, whose blobs are marked verified.
 */
export async function scanHfCacheRoot(root: string, verifiedCommits: (repo: string) => Set<string>): Promise<FoundModel[]> {
  const out: FoundModel[] = [];
  for (const folder of await subdirs(root)) {
    const name = hfRepoName(folder);
    if (!name) continue;
    const repoDir = path.join(root, folder);
    const blobsDir = path.join(repoDir, 'blobs');
    const verified = verifiedCommits(name);
    const byBlob = new Map<string, FileRef & { commits: Set<string> }>();
    const realBlobs = await fs.realpath(blobsDir).catch(() => blobsDir);
    const commits = await subdirs(path.join(repoDir, 'snapshots'));
    for (const commit of commits) {
      for (const f of await listFiles(path.join(repoDir, 'snapshots', commit))) {
        const real = await fs.realpath(f.abs).catch(() => null);
        if (!real) continue;
        const inBlobs = path.dirname(real) === realBlobs;
        const prev = byBlob.get(real);
        if (prev) {
          prev.commits.add(commit);
          if (verified.has(commit) && prev.named) prev.named.verified = true;
          continue;
        }
        const base = path.basename(real);
        byBlob.set(real, {
          path: real,
          label: f.rel,
          blob: inBlobs,
          named: inBlobs && SHA256_HEX.test(base) ? { sha256: base, verified: verified.has(commit) } : undefined,
          commits: new Set([commit]),
        });
      }
    }
    let orphans = 0;
    try {
      for (const e of await fs.readdir(blobsDir, { withFileTypes: true })) {
        if (!e.isFile() || e.name.endsWith('.incomplete') || e.name.startsWith('.')) continue;
        const abs = await fs.realpath(path.join(blobsDir, e.name)).catch(() => path.join(blobsDir, e.name));
        if (byBlob.has(abs)) continue;
        orphans++;
        byBlob.set(abs, {
          path: abs,
          label: `blobs/${e.name} (no snapshot links to it)`,
          blob: true,
          named: SHA256_HEX.test(e.name) ? { sha256: e.name, verified: false } : undefined,
          commits: new Set(),
        });
      }
    } catch {
      // No blobs folder (a repo folder with only refs): nothing stored.
    }
    const refs = (await listFiles(path.join(repoDir, 'refs'))).map((r) => r.rel);
    out.push({
      tool: 'huggingface',
      name,
      location: repoDir,
      files: [...byBlob.values()].map(({ commits: _c, ...ref }) => ref),
      notes: [
        `${commits.length} revision(s)${refs.length ? `, refs ${refs.join(', ')}` : ''}`,
        ...(orphans ? [`${orphans} blob(s) no snapshot links to`] : []),
      ],
    });
  }
  return out;
}

const Layer = z.object({ mediaType: z.string().default(''), digest: z.string(), size: z.number().nonnegative() });
const Manifest = z.object({ config: Layer.optional(), layers: z.array(Layer) });

/** `application/vnd.ollama.image.model` → `model`. */
function layerLabel(mediaType: string, digest: string): string {
  const kind = mediaType.split('.').pop() || 'layer';
  return `${kind} ${digest.slice(0, 19)}…`;
}

/**
 * Models of one Ollama store: each manifest (`manifests/<registry>/<ns>/<model>/<tag>`) with the blobs it names
 * (`blobs/sha256-<hex>`). Ollama checks every blob's sha256 against its digest when it pulls (verifyBlob in
 * ollama's server), so the names are trusted. The manifest itself is listed too (Ollama rewrites it on pull).
 */
export async function scanOllamaRoot(root: string, warnings: string[]): Promise<FoundModel[]> {
  const manifests = path.join(root, 'manifests');
  const out: FoundModel[] = [];
  for (const host of await subdirs(manifests)) {
    for (const ns of await subdirs(path.join(manifests, host))) {
      for (const model of await subdirs(path.join(manifests, host, ns))) {
        const dir = path.join(manifests, host, ns, model);
        for (const tagFile of await listFiles(dir)) {
          if (tagFile.rel.includes('/')) continue;
          const name = ollamaNameFromManifestPath(host, ns, model, tagFile.rel);
          let parsed;
          try {
            parsed = Manifest.safeParse(JSON.parse(await fs.readFile(tagFile.abs, 'utf8')));
          } catch {
            parsed = null;
          }
          if (!parsed?.success) {
            warnings.push(`Ollama manifest ${tagFile.abs} is not valid JSON of the expected shape; only the manifest is listed.`);
          }
          const files: FileRef[] = [{ path: tagFile.abs, label: 'manifest', blob: false }];
          const notes: string[] = [];
          const layers = parsed?.success ? [...(parsed.data.config ? [parsed.data.config] : []), ...parsed.data.layers] : [];
          for (const layer of layers) {
            const m = /^sha256:([0-9a-f]{64})$/.exec(layer.digest);
            const file = path.join(root, 'blobs', layer.digest.replace(':', '-'));
            if (!(await fs.stat(file).then((s) => s.isFile(), () => false))) {
              notes.push(`blob ${layer.digest.slice(0, 19)}… missing`);
              continue;
            }
            files.push({ path: file, label: layerLabel(layer.mediaType, layer.digest), blob: true, named: m?.[1] ? { sha256: m[1], verified: true } : undefined });
          }
          out.push({ tool: 'ollama', name, location: tagFile.abs, files, notes });
        }
      }
    }
  }
  return out;
}
