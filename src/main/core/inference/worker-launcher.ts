import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const here = fileURLToPath(import.meta.url);

/** tsx's ESM API as a file URL, read from its package exports (the CommonJS build cannot load it from a worker). */
function tsxEsmApi(): string {
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('tsx/package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import?: string | { default?: string } }> };
  const target = pkg.exports['./esm/api']?.import;
  const rel = typeof target === 'string' ? target : target?.default;
  if (!rel) throw new Error('tsx does not export ./esm/api; reinstall dependencies (npm ci)');
  return pathToFileURL(path.join(path.dirname(pkgFile), rel)).href;
}

/**
 * Starts the inference worker. From sources (the CLI through tsx, tests) the worker is the TypeScript file and
 * registers tsx itself: loader hooks of the parent thread do not reach a worker on every Node version. From a
 * build, electron-vite emits `inference-worker.js` next to the main entry (the core may sit in `chunks/`).
 */
export function startInferenceWorker(name: string): Worker {
  if (here.endsWith('.ts')) {
    const entry = pathToFileURL(path.join(path.dirname(here), 'inference-worker.ts')).href;
    const code = `import { register } from ${JSON.stringify(tsxEsmApi())}; register(); await import(${JSON.stringify(entry)});`;
    return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), { name });
  }
  const dir = path.dirname(here);
  const candidates = [path.join(dir, 'inference-worker.js'), path.join(dir, '..', 'inference-worker.js')];
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) throw new Error(`inference-worker.js not found next to ${here}; the build is incomplete (npm run build)`);
  return new Worker(file, { name });
}
