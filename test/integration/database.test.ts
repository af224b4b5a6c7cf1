import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors';
import { makeTempDir, openTestCore, removeDir } from '../support/temp-home';
import { runCliProcess } from '../support/run-cli';

let home: string;
beforeEach(() => {
  home = makeTempDir();
});
afterEach(() => removeDir(home));

function expectAppError(fn: () => unknown, code: string): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(code);
    return err as AppError;
  }
  throw new Error(`expected ${code}`);
}

describe('the SQLite store', () => {
  it('creates the schema on first start, in WAL mode with foreign keys on', async () => {
    const core = openTestCore(home);
    expect(core.schemaVersions).toMatchObject({ settings: 1, jobs: 1 });
    expect(core.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(core.db.pragma('foreign_keys', { simple: true })).toBe(1);
    await core.close();
  });

  it('refuses a corrupted database file and leaves its bytes untouched', () => {
    const file = path.join(home, 'model-center.db');
    const garbage = Buffer.from('this is not a database, just some bytes '.repeat(200));
    fs.writeFileSync(file, garbage);
    const err = expectAppError(() => openTestCore(home), 'DB_CORRUPT');
    expect(err.message).toContain(file);
    expect(err.hint).toMatch(/move it aside/i);
    expect(fs.readFileSync(file).equals(garbage)).toBe(true);
  });

  it('refuses a database written by a newer app, before changing anything', async () => {
    const first = openTestCore(home);
    await first.close();
    const raw = new Database(path.join(home, 'model-center.db'));
    raw.prepare("UPDATE schema_versions SET version = 99 WHERE domain = 'jobs'").run();
    raw.close();
    const err = expectAppError(() => openTestCore(home), 'DB_SCHEMA_TOO_NEW');
    expect(err.message).toMatch(/version 99.*only up to 1/);
    const check = new Database(path.join(home, 'model-center.db'));
    expect(check.prepare("SELECT version FROM schema_versions WHERE domain = 'jobs'").get()).toEqual({ version: 99 });
    check.close();
  });

  it('waits for, then refuses clearly, a database another process holds an exclusive lock on', async () => {
    const first = openTestCore(home);
    await first.close();
    const holder = new Database(path.join(home, 'model-center.db'));
    holder.pragma('locking_mode = EXCLUSIVE');
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const err = expectAppError(() => openTestCore(home), 'DB_BUSY');
      expect(err.hint).toMatch(/other Model Center process/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    const again = openTestCore(home);
    expect(again.schemaVersions.jobs).toBe(1);
    await again.close();
  });

  it('says clearly when the data folder cannot be created', () => {
    const blocker = path.join(home, 'a-file');
    fs.writeFileSync(blocker, 'x');
    const err = expectAppError(() => openTestCore(path.join(blocker, 'data')), 'DATA_DIR_NOT_WRITABLE');
    expect(err.hint).toMatch(/MODEL_CENTER_HOME/);
  });

  it('lets the CLI work on the database while another process has it open', async () => {
    const core = openTestCore(home);
    await core.invoke('settings.update', { theme: 'dark' });
    const r = await runCliProcess(['configure', 'downloadConcurrency=5', '--json'], { MODEL_CENTER_HOME: home });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).values).toMatchObject({ theme: 'dark', downloadConcurrency: 5 });
    expect(core.settings.values().downloadConcurrency).toBe(5);
    await core.close();
  });
});

describe('settings', () => {
  it('persist across restarts, and environment variables win over stored values', async () => {
    const a = openTestCore(home);
    await a.invoke('settings.update', { hubEndpoint: 'http://127.0.0.1:9999', theme: 'light' });
    await a.close();
    const b = openTestCore(home, { HF_ENDPOINT: 'http://mirror.local/' });
    const view = await b.invoke('settings.get', {});
    expect(view.values.theme).toBe('light');
    expect(view.values.hubEndpoint).toBe('http://mirror.local');
    expect(view.sources.hubEndpoint).toBe('env');
    await b.close();
  });

  it('store the HF token in a 0600 file, report only its presence, never return it', async () => {
    const core = openTestCore(home);
    const view = await core.invoke('settings.setHfToken', { token: 'hf_abcdefghijklmnop' });
    expect(view.hfToken).toEqual({ present: true, source: 'stored' });
    expect(JSON.stringify(view)).not.toContain('hf_abcdefghijklmnop');
    expect(fs.statSync(path.join(home, 'secrets.json')).mode & 0o777).toBe(0o600);
    const log = fs.readFileSync(path.join(home, 'logs', 'model-center.log'), 'utf8');
    expect(log).not.toContain('abcdefghijklmnop');
    await core.close();
  });
});
