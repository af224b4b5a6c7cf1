import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../../../shared/errors';

export type Db = Database.Database;

export interface OpenDatabaseOptions {
  file: string;
  /** Path to a better_sqlite3.node built for the running runtime (Electron's ABI differs from Node's). */
  nativeBinding?: string;
  busyTimeoutMs?: number;
}

function sqliteCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function ensureWritableDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (cause) {
    throw new AppError('DATA_DIR_NOT_WRITABLE', `The data folder ${dir} cannot be written to.`, {
      hint: 'Give your user write permission on it, or point MODEL_CENTER_HOME at a writable folder.',
      cause,
    });
  }
}

/**
 * Opens the store: WAL so the CLI and the app can share it, foreign keys on, a busy timeout so a second
 * process waits instead of failing. A file that is not SQLite is refused without being touched.
 */
export function openDatabase(options: OpenDatabaseOptions): Db {
  ensureWritableDir(path.dirname(options.file));
  let db: Db | undefined;
  try {
    db = new Database(options.file, {
      timeout: options.busyTimeoutMs ?? 5000,
      ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    });
    // Reading the schema is the first access that touches the file's header: a corrupt file fails here.
    db.prepare('SELECT count(*) AS n FROM sqlite_master').get();
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    return db;
  } catch (cause) {
    db?.close();
    const code = sqliteCode(cause);
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new AppError('DB_CORRUPT', `The database ${options.file} is not a readable SQLite file (${code}).`, {
        hint: 'Model Center left it untouched. Move it aside (or restore a backup) and start again: a new empty database will be created.',
        cause,
      });
    }
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      throw new AppError('DB_BUSY', `The database ${options.file} is locked by another process.`, {
        hint: 'Wait for the other Model Center process to finish, or close it, then try again.',
        cause,
      });
    }
    if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') {
      throw new AppError('DATA_DIR_NOT_WRITABLE', `The database ${options.file} cannot be opened for writing (${code}).`, {
        hint: 'Check the permissions of the file and its folder, or point MODEL_CENTER_HOME at a writable folder.',
        cause,
      });
    }
    throw cause;
  }
}
