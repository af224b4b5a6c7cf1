import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import type { ReadEntry } from 'tar';
import { BUNDLE_MANIFEST_NAME, type BundleManifest, type Compression } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { resolveEntryPath } from '../archive/safe-entry-path';
import { repoFolderName } from '../hub/hf-cache';
import { checkManifest } from './bundle-manifest';
import { decompressor, detectCompression } from './compression';
import { readTar } from './tar-reader';

const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

export function refuseBundle(file: string, why: string, hint = 'The bundle is damaged, truncated or was changed; copy or export it again. Nothing was imported.'): AppError {
  return new AppError('ARCHIVE_REFUSED', `Refused ${path.basename(file)}: ${why}.`, { hint });
}

/** The first bytes of a file, for the compression magic. */
async function head(file: string): Promise<Buffer> {
  const fd = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.alloc(8);
    const { bytesRead } = await fd.read(buf, 0, 8, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fd.close();
  }
}

/** The file's plain tar bytes as a stream (decompressed as its magic says), counting raw bytes read for progress. */
export async function openBundle(file: string, onRawBytes?: (n: number) => void): Promise<{ stream: Readable; compression: Compression; size: number }> {
  const st = await fs.promises.stat(file).catch(() => undefined);
  if (!st?.isFile()) throw new AppError('NOT_FOUND', `There is no bundle file at ${file}.`, { hint: 'Give the path of a .tar, .tar.gz or .tar.zst made by `model-center export`.' });
  const compression = detectCompression(await head(file));
  const unzip = decompressor(compression);
  const raw = fs.createReadStream(file, { highWaterMark: 1024 * 1024 });
  const counted = onRawBytes
    ? raw.pipe(
        new Transform({
          transform(chunk: Buffer, _e, cb) {
            onRawBytes(chunk.length);
            cb(null, chunk);
          },
        }),
      )
    : raw;
  raw.on('error', (err) => counted.destroy(err));
  if (!unzip) return { stream: counted, compression, size: st.size };
  counted.on('error', (err: Error) => unzip.destroy(err));
  return { stream: counted.pipe(unzip), compression, size: st.size };
}

export async function readEntryText(entry: ReadEntry, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of entry) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error(`${entry.path} is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Whether the entry is the manifest, and the manifest it holds; anything else first means it is not a bundle. */
export async function readManifestEntry(file: string, entry: ReadEntry): Promise<BundleManifest> {
  if (entry.path !== BUNDLE_MANIFEST_NAME || entry.type !== 'File') {
    entry.resume();
    throw refuseBundle(file, `it does not start with ${BUNDLE_MANIFEST_NAME} (first entry: "${entry.path}"), so it is not a Model Center bundle`);
  }
  if ((entry.size ?? 0) > MAX_MANIFEST_BYTES) throw refuseBundle(file, 'its manifest is implausibly large');
  return checkManifest(await readEntryText(entry, MAX_MANIFEST_BYTES));
}

/** Reads only the manifest, stopping right after the first entry. */
export async function inspectBundle(file: string): Promise<{ manifest: BundleManifest; compression: Compression; size: number }> {
  const { stream, compression, size } = await openBundle(file);
  let manifest: BundleManifest | undefined;
  const STOP = new Error('stop');
  try {
    await readTar(stream, async (entry) => {
      manifest = await readManifestEntry(file, entry);
      throw STOP;
    });
  } catch (err) {
    if (err !== STOP) throw err instanceof AppError ? err : refuseBundle(file, (err as Error).message);
  }
  if (!manifest) throw refuseBundle(file, 'it is empty');
  return { manifest, compression, size };
}

/** What each blob entry of a bundle must be, from its manifest, and which files of which model it serves. */
export interface ExpectedBlob {
  repo: string;
  blob: string;
  size: number;
  sha256: string;
  /** e.g. `onnx/model.onnx of org/name`, for messages. */
  label: string;
}

export function expectedBlobs(manifest: BundleManifest): Map<string, ExpectedBlob> {
  const out = new Map<string, ExpectedBlob>();
  for (const m of manifest.models) {
    for (const f of m.files) {
      const key = `${repoFolderName(m.repo)}/blobs/${f.blob}`;
      const prev = out.get(key);
      if (prev) prev.label += `, ${f.path}`;
      else out.set(key, { repo: m.repo, blob: f.blob, size: f.size, sha256: f.sha256, label: `${f.path} of ${m.repo}` });
    }
  }
  return out;
}

/** Snapshot links and refs a bundle may carry (recreated from the manifest, never extracted as they are). */
export function expectedExtras(manifest: BundleManifest): Set<string> {
  const out = new Set<string>();
  for (const m of manifest.models) {
    const folder = repoFolderName(m.repo);
    for (const f of m.files) out.add(`${folder}/snapshots/${m.commit}/${f.path}`);
    for (const r of m.refs) out.add(`${folder}/refs/${r}`);
  }
  return out;
}

/** Checks an entry's name is safe and known; returns how to treat it. */
export function classifyEntry(file: string, stage: string, entry: ReadEntry, blobs: Map<string, ExpectedBlob>, extras: Set<string>): 'blob' | 'skip' {
  const name = entry.path.replace(/\/+$/, '');
  const resolved = resolveEntryPath(stage, name);
  if ('refused' in resolved) throw refuseBundle(file, resolved.refused);
  if (entry.type === 'Directory') return 'skip';
  if (blobs.has(name)) {
    if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') throw refuseBundle(file, `entry "${name}" is a ${entry.type}, not a file`);
    return 'blob';
  }
  if (extras.has(name) && (entry.type === 'SymbolicLink' || entry.type === 'File')) return 'skip';
  throw refuseBundle(file, `entry "${name}" (${entry.type}) is not listed in its manifest`);
}

/** Writes a chunk, waiting for the stream to drain when it asks to; a write error rejects instead of crashing. */
function writeChunk(out: fs.WriteStream, buf: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    out.once('error', onError);
    const settle = (): void => {
      out.off('error', onError);
      resolve();
    };
    if (out.write(buf)) settle();
    else out.once('drain', settle);
  });
}

/** Streams a blob entry to `dest` (or only hashes it when `dest` is null), returning its size and hashes. */
export async function receiveBlob(entry: ReadEntry, dest: string | null, gitSize: number | null): Promise<{ size: number; sha256: string; git?: string }> {
  const sha = createHash('sha256');
  const git = gitSize !== null ? createHash('sha1').update(`blob ${gitSize}\0`) : undefined;
  let size = 0;
  const out = dest ? fs.createWriteStream(dest, { flags: 'wx' }) : undefined;
  let failed: Error | undefined;
  out?.on('error', (err) => (failed ??= err));
  try {
    for await (const chunk of entry) {
      const buf = chunk as Buffer;
      size += buf.length;
      sha.update(buf);
      git?.update(buf);
      if (out) await writeChunk(out, buf);
    }
  } finally {
    if (out && !failed) await new Promise<void>((resolve) => out.end(() => resolve()));
    else out?.destroy();
  }
  if (failed) throw failed;
  return { size, sha256: sha.digest('hex'), git: git?.digest('hex') };
}
