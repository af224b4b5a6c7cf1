import fs from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { AppError } from '../../../shared/errors';
import type { ResolvedStore } from './store-config';

/** What the publish and pull jobs need of an S3-compatible server; nothing else of the SDK leaks out. */
export interface ObjectStore {
  readonly describe: string;
  head(key: string, signal?: AbortSignal): Promise<{ size: number; metadata: Record<string, string> } | null>;
  getText(key: string, signal?: AbortSignal): Promise<string | null>;
  putText(key: string, text: string, contentType: string, signal?: AbortSignal): Promise<void>;
  /**
   * One PUT up to `partBytes`, a multipart upload above it. With `resume`, a multipart upload goes on from the
   * parts a paused or killed run finished (each part is reported to `resume.save` as it lands); a failure or a
   * cancel aborts it, a pause or a shutdown keeps it in the bucket to go on later.
   */
  putFile(key: string, file: string, size: number, metadata: Record<string, string>, onBytes: (n: number) => void, signal?: AbortSignal, resume?: MultipartResume): Promise<void>;
  /** Drops a multipart upload and its parts (best effort: it may be gone already). */
  abortUpload(key: string, uploadId: string): Promise<void>;
  /** The object from byte `start` on; `start` is where the returned stream begins. */
  getFrom(key: string, start: number, signal?: AbortSignal): Promise<{ stream: Readable; start: number; size: number }>;
  list(prefix: string, delimiter?: string, signal?: AbortSignal): Promise<{ keys: Array<{ key: string; size: number }>; prefixes: string[] }>;
}

/** A multipart upload in progress: its id, the part size it was cut with, and the parts the store has. */
export interface MultipartState {
  uploadId: string;
  partBytes: number;
  parts: Array<{ PartNumber: number; ETag: string }>;
}

export interface MultipartResume {
  previous: MultipartState | null;
  /** Called after each part (and with null once the upload is completed or aborted). */
  save(state: MultipartState | null): void;
}

/** Aborts that mean "stop for now, go on later": the upload's parts stay in the bucket. */
const KEEP_PARTS_ON = new Set<unknown>(['pause', 'shutdown']);

type Sdk = typeof import('@aws-sdk/client-s3');

let sdk: Promise<Sdk> | undefined;
/** The SDK is big: loaded on first use only, so the CLI's other commands start as fast as before. */
function loadSdk(): Promise<Sdk> {
  // The SDK warns on Node < 22 at its first client; Electron 39 and Node 20.19 are what we support.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  sdk ??= import('@aws-sdk/client-s3');
  return sdk;
}

const DEFAULT_PART_BYTES = 64 * 1024 * 1024;
const MIN_PART_BYTES = 5 * 1024 * 1024;

export function partBytes(env: Record<string, string | undefined>): number {
  const n = Number(env.MODEL_CENTER_S3_PART_BYTES);
  return Number.isInteger(n) && n >= MIN_PART_BYTES ? n : DEFAULT_PART_BYTES;
}

function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound' || (status(err) === 404 && name !== 'NoSuchBucket');
}

/** An SDK failure as one of our codes, naming the store and what was being done. */
export function storeError(err: unknown, what: string, where: string): AppError {
  if (err instanceof AppError) return err;
  const name = (err as { name?: string }).name ?? '';
  const code = status(err);
  const message = (err as Error).message ?? String(err);
  if (name === 'NoSuchBucket') {
    return new AppError('STORE_NOT_CONFIGURED', `${where} has no such bucket (${what}).`, { hint: 'Create the bucket (e.g. `mc mb` for MinIO) or correct it with `model-center store configure --bucket NAME`.' });
  }
  if (code === 401 || code === 403 || /AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch/.test(name)) {
    return new AppError('STORE_AUTH', `${where} refused the keys while ${what} (${name || `HTTP ${code}`}).`, {
      hint: 'Check the access key id and secret: `model-center store configure --access-key-id ID --secret-access-key KEY`.',
    });
  }
  const s3Code = /^[A-Z][A-Za-z]+$/.test(name) && !message.startsWith(name) && name !== 'Error' ? `${name}: ` : '';
  return new AppError('STORE_UNAVAILABLE', `${where} failed while ${what}: ${code ? `HTTP ${code} ` : ''}${s3Code}${message}`, {
    hint: 'Check that the endpoint is reachable (`model-center store show`) and try again.',
  });
}

function counter(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      onBytes(chunk.length);
      cb(null, chunk);
    },
  });
}

export async function openObjectStore(cfg: ResolvedStore, env: Record<string, string | undefined>): Promise<ObjectStore> {
  const s3 = await loadSdk();
  const client: S3Client = new s3.S3Client({
    endpoint: cfg.endpoint || undefined,
    region: cfg.region,
    forcePathStyle: cfg.forcePathStyle,
    credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey },
    // MinIO and older S3-compatible servers reject the SDK's default CRC trailers (aws-chunked uploads).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    // A server that stops sending (half-open connection) fails the request instead of hanging the job.
    requestHandler: { connectionTimeout: 15_000, requestTimeout: 60_000 },
  });
  const Bucket = cfg.bucket;
  const where = `The model store (${cfg.endpoint || 'AWS S3'}, bucket ${Bucket})`;
  const part = partBytes(env);
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if ((err as { name?: string }).name === 'AbortError') throw err;
      throw storeError(err, what, where);
    }
  };
  return {
    describe: where,
    async head(Key, abortSignal) {
      try {
        const r = await client.send(new s3.HeadObjectCommand({ Bucket, Key }), { abortSignal });
        return { size: r.ContentLength ?? 0, metadata: r.Metadata ?? {} };
      } catch (err) {
        if (isNotFound(err)) return null;
        if ((err as { name?: string }).name === 'AbortError') throw err;
        throw storeError(err, `reading ${Key}`, where);
      }
    },
    async getText(Key, abortSignal) {
      try {
        const r = await client.send(new s3.GetObjectCommand({ Bucket, Key }), { abortSignal });
        return (await r.Body?.transformToString('utf8')) ?? '';
      } catch (err) {
        if (isNotFound(err)) return null;
        if ((err as { name?: string }).name === 'AbortError') throw err;
        throw storeError(err, `reading ${Key}`, where);
      }
    },
    putText: (Key, text, ContentType, abortSignal) =>
      call(`writing ${Key}`, async () => {
        await client.send(new s3.PutObjectCommand({ Bucket, Key, Body: text, ContentType }), { abortSignal });
      }),
    async putFile(Key, file, size, Metadata, onBytes, abortSignal, resume) {
      if (size <= part) {
        await call(`uploading ${Key}`, () =>
          client.send(
            new s3.PutObjectCommand({ Bucket, Key, Body: fs.createReadStream(file).pipe(counter(onBytes)), ContentLength: size, Metadata, ContentType: 'application/octet-stream' }),
            { abortSignal },
          ),
        );
        return;
      }
      // Parts already in the bucket count only if they were cut the same way and follow each other from 1.
      const prev = resume?.previous;
      const usable = prev && prev.partBytes === part && prev.parts.every((p, i) => p.PartNumber === i + 1 && p.ETag) ? prev : null;
      // Cut with another part size: of no use, and its parts would stay billed in the bucket.
      if (prev && !usable) await client.send(new s3.AbortMultipartUploadCommand({ Bucket, Key, UploadId: prev.uploadId })).catch(() => undefined);
      const start = async (): Promise<MultipartState> => {
        const { UploadId } = await call(`starting the upload of ${Key}`, () => client.send(new s3.CreateMultipartUploadCommand({ Bucket, Key, Metadata, ContentType: 'application/octet-stream' }), { abortSignal }));
        const state = { uploadId: UploadId ?? '', partBytes: part, parts: [] };
        resume?.save(state);
        return state;
      };
      const upload = async (state: MultipartState): Promise<void> => {
        const UploadId = state.uploadId;
        const parts = [...state.parts];
        onBytes(Math.min(size, parts.length * part));
        for (let PartNumber = parts.length + 1, from = parts.length * part; from < size; from += part, PartNumber++) {
          const end = Math.min(size, from + part);
          const body = fs.createReadStream(file, { start: from, end: end - 1 }).pipe(counter(onBytes));
          const r = await call(`uploading part ${PartNumber} of ${Key}`, () =>
            client.send(new s3.UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: body, ContentLength: end - from }), { abortSignal }),
          );
          parts.push({ PartNumber, ETag: r.ETag ?? '' });
          resume?.save({ ...state, parts });
        }
        await call(`finishing the upload of ${Key}`, () => client.send(new s3.CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }), { abortSignal }));
      };
      let state = usable ?? (await start());
      try {
        try {
          await upload(state);
        } catch (err) {
          // The store forgot the upload we were resuming (expired by a lifecycle rule, aborted by someone): anew.
          if (!usable || !(err instanceof Error) || !err.message.includes('NoSuchUpload') || abortSignal?.aborted) throw err;
          state = await start();
          await upload(state);
        }
        resume?.save(null);
      } catch (err) {
        if (abortSignal?.aborted && KEEP_PARTS_ON.has(abortSignal.reason) && resume) throw err;
        // No orphaned parts billed in the bucket after a failure or a cancel.
        await client.send(new s3.AbortMultipartUploadCommand({ Bucket, Key, UploadId: state.uploadId })).catch(() => undefined);
        resume?.save(null);
        throw err;
      }
    },
    async abortUpload(Key, UploadId) {
      await client.send(new s3.AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
    },
    async getFrom(Key, start, abortSignal) {
      const r = await call(`downloading ${Key}`, () => client.send(new s3.GetObjectCommand({ Bucket, Key, ...(start > 0 ? { Range: `bytes=${start}-` } : {}) }), { abortSignal }));
      const m = /^bytes (\d+)-\d+\/(\d+)$/.exec(r.ContentRange ?? '');
      const from = m ? Number(m[1]) : 0;
      const size = m ? Number(m[2]) : (r.ContentLength ?? 0);
      return { stream: r.Body as Readable, start: from, size };
    },
    async list(Prefix, Delimiter, abortSignal) {
      const keys: Array<{ key: string; size: number }> = [];
      const prefixes: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const r = await call(`listing ${Prefix || '/'}`, () => client.send(new s3.ListObjectsV2Command({ Bucket, Prefix, Delimiter, ContinuationToken }), { abortSignal }));
        for (const c of r.Contents ?? []) if (c.Key) keys.push({ key: c.Key, size: c.Size ?? 0 });
        for (const p of r.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix);
        ContinuationToken = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return { keys, prefixes };
    },
  };
}
