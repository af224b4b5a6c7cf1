#!/usr/bin/env node
// better-sqlite3 from `npm ci` is compiled for Node; Electron has its own ABI. This builds a second copy of
// the addon for the installed Electron into .native/electron-<version>/ (the main process loads it from
// there), so the same checkout runs both `npm test` (Node) and `npm start` (Electron).
// onnxruntime-node uses N-API and needs no rebuild.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

let electronBinary;
try {
  electronBinary = require('electron');
} catch {
  electronBinary = undefined;
}
if (typeof electronBinary !== 'string' || !fs.existsSync(electronBinary)) {
  console.error(
    'The Electron binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD was set, or its download failed).\n' +
      'Install it with `node node_modules/electron/install.js` on a machine that can reach GitHub,\n' +
      'or use the browser window instead: `npx model-center serve`.',
  );
  process.exit(1);
}
const version = require('electron/package.json').version;
const target = path.join(root, '.native', `electron-${version}`);
const addon = path.join(target, 'better_sqlite3.node');
if (fs.existsSync(addon)) process.exit(0);

const source = path.dirname(require.resolve('better-sqlite3/package.json'));
const work = path.join(root, '.native', 'build-better-sqlite3');
fs.rmSync(work, { recursive: true, force: true });
fs.cpSync(source, work, { recursive: true, filter: (p) => !p.includes(`${path.sep}build${path.sep}`) && !p.endsWith(`${path.sep}build`) });
console.log(`Building better-sqlite3 for Electron ${version} (once)…`);
const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
const env = { ...process.env, npm_config_nodedir: '' };
try {
  // A prebuilt binary for this Electron, when one can be fetched, saves the two-minute compile.
  execFileSync(process.execPath, [require.resolve('prebuild-install/bin.js'), '--runtime', 'electron', '--target', version], { cwd: work, stdio: 'inherit', env });
} catch {
  execFileSync(process.execPath, [nodeGyp, 'rebuild', '--release', `--target=${version}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers'], {
    cwd: work,
    stdio: 'inherit',
    env,
  });
}
fs.mkdirSync(target, { recursive: true });
fs.copyFileSync(path.join(work, 'build', 'Release', 'better_sqlite3.node'), addon);
fs.rmSync(work, { recursive: true, force: true });
console.log(`Ready: ${path.relative(root, addon)}`);
