/**
 * Errors as data: every failure that crosses the contract carries a stable code, the HTTP status it maps to,
 * whether retrying can help, and a hint a person can act on. Stacks stay in the log.
 */
export const ERROR_CODES = {
  INVALID_INPUT: { http: 400, retryable: false },
  UNKNOWN_METHOD: { http: 404, retryable: false },
  NOT_FOUND: { http: 404, retryable: false },
  CONFLICT: { http: 409, retryable: false },
  UNAUTHORIZED: { http: 401, retryable: false },
  FORBIDDEN: { http: 403, retryable: false },
  PAYLOAD_TOO_LARGE: { http: 413, retryable: false },
  DATA_DIR_NOT_WRITABLE: { http: 500, retryable: false },
  DB_CORRUPT: { http: 500, retryable: false },
  DB_SCHEMA_TOO_NEW: { http: 500, retryable: false },
  DB_BUSY: { http: 503, retryable: true },
  JOB_NOT_FOUND: { http: 404, retryable: false },
  JOB_STATE: { http: 409, retryable: false },
  JOB_NOT_RESUMABLE: { http: 409, retryable: false },
  CANCELLED: { http: 409, retryable: false },
  PORT_IN_USE: { http: 500, retryable: false },
  MODEL_NOT_FOUND: { http: 404, retryable: false },
  VERSION_NOT_FOUND: { http: 404, retryable: false },
  ILLEGAL_TRANSITION: { http: 409, retryable: false },
  /** Compare-and-set lost: another process switched the current version first. Re-read, then decide again. */
  CURRENT_CHANGED: { http: 409, retryable: true },
  NO_MIGRATION_PATH: { http: 409, retryable: false },
  /** The MLflow tracking server could not be reached or answered with an error. */
  MLFLOW_UNAVAILABLE: { http: 502, retryable: true },
  HUB_OFFLINE: { http: 409, retryable: false },
  HUB_AUTH: { http: 401, retryable: false },
  HUB_NOT_FOUND: { http: 404, retryable: false },
  HUB_UNAVAILABLE: { http: 502, retryable: true },
  /** A download from a server other than the Hub (a Vosk model zip) could not be made: unreachable, or an HTTP error. */
  DOWNLOAD_FAILED: { http: 502, retryable: true },
  INTEGRITY: { http: 422, retryable: false },
  DISK_FULL: { http: 507, retryable: false },
  MODEL_IN_USE: { http: 409, retryable: false },
  /** The Ollama server could not be reached (not started, wrong OLLAMA_HOST). */
  OLLAMA_UNAVAILABLE: { http: 503, retryable: true },
  /** The Ollama server answered with an error (unknown model, failed pull…). */
  OLLAMA_ERROR: { http: 502, retryable: false },
  /** An archive was refused before or while extracting: paths escaping the folder, links, or a zip bomb. */
  ARCHIVE_REFUSED: { http: 422, retryable: false },
  /** A bundle written by a newer Model Center (its manifest's format version is above the one this app reads). */
  BUNDLE_TOO_NEW: { http: 422, retryable: false },
  /** The compression asked for (zstd) could not be loaded: its package is missing from this install. */
  COMPRESSION_UNAVAILABLE: { http: 422, retryable: false },
  /** The S3-compatible model store has no bucket or no keys yet. */
  STORE_NOT_CONFIGURED: { http: 409, retryable: false },
  /** The model store refused the keys (403/401, or a signature mismatch). */
  STORE_AUTH: { http: 401, retryable: false },
  /** The model store could not be reached, or answered with an error. */
  STORE_UNAVAILABLE: { http: 502, retryable: true },
  /** A model folder that is not a usable embedding model: bad config, ONNX inputs we cannot feed, a Dense head. */
  INVALID_MODEL: { http: 422, retryable: false },
  /** The model's files are not (all) in the cache, or failed verification: download or repair it first. */
  MODEL_NOT_PRESENT: { http: 409, retryable: false },
  /** The model's output dimension differs from what the registry says. */
  DIMENSION_MISMATCH: { http: 409, retryable: false },
  /** onnxruntime failed while loading or running a model. */
  INFERENCE_FAILED: { http: 500, retryable: true },
  /** An import found malformed lines and was told to refuse them all (issues name file:line); nothing was imported. */
  IMPORT_REFUSED: { http: 422, retryable: false },
  /** A collection migration cannot do this in its current state (see its hint for what can). */
  MIGRATION_STATE: { http: 409, retryable: false },
  /** A migration's dry-run found a blocking problem (B not downloaded or not validated, no disk space…); issues list them. */
  MIGRATION_REFUSED: { http: 409, retryable: false },
  /** The quality gate failed: a rollout was refused, or rolled back (the message has the numbers). */
  GATE_FAILED: { http: 409, retryable: false },
  /** The quality gate cannot run: no golden queries yet, or no migration ready to compare. */
  GATE_NOT_READY: { http: 409, retryable: false },
  INTERNAL: { http: 500, retryable: false },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorIssue {
  path: string;
  message: string;
}

export interface ErrorDTO {
  code: ErrorCode;
  message: string;
  hint?: string;
  retryable: boolean;
  issues?: ErrorIssue[];
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly issues?: ErrorIssue[];

  constructor(code: ErrorCode, message: string, options: { hint?: string; issues?: ErrorIssue[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.hint = options.hint;
    this.issues = options.issues;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  toDTO(): ErrorDTO {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      retryable: ERROR_CODES[this.code].retryable,
      ...(this.issues ? { issues: this.issues } : {}),
    };
  }

  static fromDTO(dto: ErrorDTO): AppError {
    return new AppError(dto.code, dto.message, { hint: dto.hint, issues: dto.issues });
  }
}

export function isErrorDTO(value: unknown): value is ErrorDTO {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    (value as { code: string }).code in ERROR_CODES &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** Any thrown value as an ErrorDTO; unknown errors become INTERNAL with their message (never their stack). */
export function toErrorDTO(err: unknown): ErrorDTO {
  if (err instanceof AppError) return err.toDTO();
  if (isErrorDTO(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message, retryable: false };
}

/** One line for a terminal or a toast: message, then the hint. */
export function describeError(dto: ErrorDTO): string {
  const issues = dto.issues?.map((i) => `  ${i.path || '(input)'}: ${i.message}`).join('\n');
  return [dto.message, issues, dto.hint ? `Hint: ${dto.hint}` : undefined].filter(Boolean).join('\n');
}
