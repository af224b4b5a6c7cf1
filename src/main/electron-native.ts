import fs from 'node:fs';
import path from 'node:path';

/**
 * better-sqlite3 is compiled for Node's ABI by `npm ci`; Electron needs its own build, made by
 * `scripts/prepare-electron-native.mjs` into `.native/` (packaged apps get one from electron-builder instead).
 */
export function electronSqliteBinding(appPath: string): string | undefined {
  const file = path.join(appPath, '.native', `electron-${process.versions.electron}`, 'better_sqlite3.node');
  return fs.existsSync(file) ? file : undefined;
}
