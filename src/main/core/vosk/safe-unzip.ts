import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import yauzl from 'yauzl';
import { AppError } from '../../../shared/errors';
import { resolveEntryPath } from '../archive/safe-entry-path';

export interface SafeUnzipLimits {
  /** Total bytes all entries may expand to (Vosk's biggest models are ~2-3 GB). */
  maxTotalBytes: number;
  maxEntries: number;
  /** Expansion ratio one entry may reach; real model files compress 1.1-4x, bombs reach 1000x. */
  maxRatio: number;
}

export const DEFAULT_UNZIP_LIMITS: SafeUnzipLimits = { maxTotalBytes: 8 * 1024 ** 3, maxEntries: 20_000, maxRatio: 200 };

function refuse(zipPath: string, why: string): AppError {
  return new AppError('ARCHIVE_REFUSED', `Refused to extract ${path.basename(zipPath)}: ${why}.`, { hint: 'The archive is damaged or not a genuine model archive; download it again from the official source.' });
}

function openZip(zipPath: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    // lazyEntries: read one entry at a time so limits are checked before anything is written.
    yauzl.open(zipPath, { lazyEntries: true, autoClose: true, validateEntrySizes: true }, (err, zip) => (err ? reject(err) : resolve(zip)));
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))));
}

/**
 * Extracts a zip into `dest`, refusing zip-slip (an entry that resolves outside `dest`, absolute or `..` paths),
 * symlinks, and zip bombs (too many entries, too many bytes in total, or an entry expanding past `maxRatio`). Sizes
 * are counted as bytes actually come out, not as the headers claim, since a bomb can lie in its headers.
 */
export async function safeExtractZip(
  zipPath: string,
  dest: string,
  limits: SafeUnzipLimits = DEFAULT_UNZIP_LIMITS,
  signal?: AbortSignal,
  /** After each entry: entries done of the archive's count, and the bytes written so far. */
  onEntry?: (done: number, count: number, bytes: number) => void,
): Promise<{ files: number; bytes: number }> {
  const root = path.resolve(dest);
  fs.mkdirSync(root, { recursive: true });
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(zipPath);
  } catch (err) {
    throw refuse(zipPath, `not a readable zip (${(err as Error).message})`);
  }
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    throw refuse(zipPath, `${zip.entryCount} entries, more than the ${limits.maxEntries} allowed`);
  }
  let files = 0;
  let total = 0;
  let seen = 0;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      zip.close();
      // A full disk or a permission problem while writing is not a damaged archive: it keeps its own error.
      const fsCode = (err as NodeJS.ErrnoException).code;
      if (fsCode === 'ENOSPC' || fsCode === 'EDQUOT') {
        reject(new AppError('DISK_FULL', `No space left while unpacking ${path.basename(zipPath)} into ${root}.`, { hint: 'Free some space and run the install again: the downloaded zip is kept.' }));
      } else if (fsCode === 'EACCES' || fsCode === 'EPERM' || fsCode === 'EROFS') {
        reject(new AppError('INTERNAL', `Cannot write into ${root} while unpacking (${fsCode}).`, { hint: 'Check the folder\'s permissions; the downloaded zip is kept.' }));
      } else reject(err instanceof AppError ? err : refuse(zipPath, (err as Error).message));
    };
    zip.on('error', fail);
    zip.on('end', () => {
      if (settled) return;
      settled = true;
      resolve({ files, bytes: total });
    });
    zip.on('entry', (entry: yauzl.Entry) => {
      void (async () => {
        seen++;
        if (signal?.aborted) throw new AppError('CANCELLED', 'Extraction cancelled.');
        const name = entry.fileName.replace(/\\/g, '/');
        const resolved = resolveEntryPath(root, name);
        if ('refused' in resolved) throw refuse(zipPath, resolved.refused);
        const target = resolved.target;
        // Unix mode lives in the high 16 bits of the external attributes; 0o120000 is a symbolic link.
        if (((entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000) throw refuse(zipPath, `entry "${name}" is a symbolic link`);
        if (name.endsWith('/')) {
          fs.mkdirSync(target, { recursive: true });
          onEntry?.(seen, zip.entryCount, total);
          zip.readEntry();
          return;
        }
        if (entry.compressedSize > 0 && entry.uncompressedSize / entry.compressedSize > limits.maxRatio) {
          throw refuse(zipPath, `entry "${name}" expands ${Math.round(entry.uncompressedSize / entry.compressedSize)}x (a zip bomb?)`);
        }
        fs.mkdirSync(path.dirname(target), { recursive: true });
        let entryBytes = 0;
        const counter = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            entryBytes += chunk.length;
            total += chunk.length;
            if (total > limits.maxTotalBytes) return cb(refuse(zipPath, `contents exceed ${limits.maxTotalBytes} bytes (a zip bomb?)`));
            if (entry.compressedSize > 0 && entryBytes / entry.compressedSize > limits.maxRatio) return cb(refuse(zipPath, `entry "${name}" expands more than ${limits.maxRatio}x (a zip bomb?)`));
            cb(null, chunk);
          },
        });
        await pipeline(await openEntry(zip, entry), counter, fs.createWriteStream(target), signal ? { signal } : {});
        files++;
        onEntry?.(seen, zip.entryCount, total);
        zip.readEntry();
      })().catch(fail);
    });
    zip.readEntry();
  });
}
