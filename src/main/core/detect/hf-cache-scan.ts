import fs from 'node:fs/promises';
import path from 'node:path';
import { scanCacheDir } from '@huggingface/hub';
import type { DetectedModelDTO } from '../../../shared/contract';
import { isDir, listFiles } from './fs-walk';

/** Partial downloads left in `blobs/` (`<etag>.incomplete`): disk used by nothing usable. */
async function incompleteBlobs(repoPath: string): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  try {
    for (const name of await fs.readdir(path.join(repoPath, 'blobs'))) {
      if (!name.endsWith('.incomplete')) continue;
      count++;
      try {
        bytes += (await fs.stat(path.join(repoPath, 'blobs', name))).size;
      } catch {
        // Finished or removed while we looked.
      }
    }
  } catch {
    // No blobs folder: nothing partial.
  }
  return { count, bytes };
}

/**
 * A snapshot's files at every depth and the blobs they resolve to. @huggingface/hub's scanCacheDir reads only a
 * snapshot's top level, so a sentence-transformers repo would count its config files and miss `onnx/model.onnx`;
 * huggingface_hub's scan_cache_dir walks them all, and so do we.
 */
async function snapshotBlobs(repoPath: string, commit: string, sizes: Map<string, { size: number; atimeMs: number; mtimeMs: number }>): Promise<{ files: number; blobs: Set<string> }> {
  const blobs = new Set<string>();
  const files = await listFiles(path.join(repoPath, 'snapshots', commit));
  for (const f of files) {
    const real = await fs.realpath(f.abs).catch(() => null);
    if (!real) continue;
    if (!sizes.has(real)) {
      const st = await fs.stat(real).catch(() => null);
      if (!st) continue;
      sizes.set(real, { size: st.size, atimeMs: st.atimeMs, mtimeMs: st.mtimeMs });
    }
    blobs.add(real);
  }
  return { files: files.length, blobs };
}

/**
 * Repos in a Hugging Face hub cache, found by @huggingface/hub's own scanner (repo ids, refs, revisions, warnings,
 * as `hf cache scan` reports them), with sizes and file counts taken from the snapshots at full depth.
 */
export async function scanHfCache(root: string, warnings: string[]): Promise<DetectedModelDTO[]> {
  if (!(await isDir(root))) return [];
  const info = await scanCacheDir(root);
  for (const w of info.warnings) warnings.push(w.message);
  const out: DetectedModelDTO[] = [];
  for (const repo of info.repos) {
    const partial = await incompleteBlobs(repo.path);
    const blobSizes = new Map<string, { size: number; atimeMs: number; mtimeMs: number }>();
    const walked = new Map<string, { files: number; blobs: Set<string> }>();
    for (const r of repo.revisions) walked.set(r.commitOid, await snapshotBlobs(repo.path, r.commitOid, blobSizes));
    const sum = (blobs: Iterable<string>): number => [...blobs].reduce((n, b) => n + (blobSizes.get(b)?.size ?? 0), 0);
    const revisions = repo.revisions
      .map((r) => ({
        commit: r.commitOid,
        refs: [...r.refs].sort(),
        detached: r.refs.length === 0,
        sizeBytes: sum(walked.get(r.commitOid)!.blobs),
        files: walked.get(r.commitOid)!.files,
        lastModified: r.lastModifiedAt.toISOString(),
      }))
      .sort((a, b) => (b.lastModified ?? '').localeCompare(a.lastModified ?? ''));
    const main = revisions.find((r) => r.refs.includes('main')) ?? revisions.find((r) => !r.detached) ?? revisions[0];
    const missing: string[] = [];
    if (revisions.length === 0) missing.push('no snapshot: nothing downloaded yet');
    if (partial.count > 0) missing.push(`${partial.count} partial download(s) in blobs/ (.incomplete, ${partial.bytes} bytes)`);
    const detached = revisions.filter((r) => r.detached).length;
    const prefix = repo.id.type === 'model' ? '' : `${repo.id.type}s/`;
    out.push({
      source: 'huggingface',
      name: `${prefix}${repo.id.name}`,
      // Every blob a snapshot links to, once (two revisions sharing a file share its blob), plus partial downloads.
      sizeBytes: sum(blobSizes.keys()) + partial.bytes,
      location: repo.path,
      revision: main?.commit ?? null,
      complete: missing.length === 0,
      missing,
      lastUsed: new Date(Math.max(repo.lastAccessedAt.getTime(), ...[...blobSizes.values()].map((b) => b.atimeMs))).toISOString(),
      notes: [
        `${revisions.length} revision(s)`,
        ...(detached > 0 ? [`${detached} detached revision(s) no ref points at (safe to clean up)`] : []),
      ],
      language: null,
      running: false,
      revisions,
      registryModel: null,
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
