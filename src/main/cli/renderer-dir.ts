import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findUp(start: string, test: (dir: string) => boolean): string | undefined {
  let dir = start;
  for (;;) {
    if (test(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function isModelCenterRoot(dir: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'model-center';
  } catch {
    return false;
  }
}

/**
 * Where the built window lives: MODEL_CENTER_RENDERER_DIR, else `out/renderer` of the checkout or app this
 * code runs from. In a source checkout with no build yet, it is built once (electron-vite), so
 * `npx model-center serve` works on a fresh clone.
 */
export function resolveRendererDir(env: Record<string, string | undefined>, log: (m: string) => void): string | undefined {
  if (env.MODEL_CENTER_RENDERER_DIR) return path.resolve(env.MODEL_CENTER_RENDERER_DIR);
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = findUp(here, isModelCenterRoot);
  if (!root) return undefined;
  const dir = path.join(root, 'out', 'renderer');
  if (fs.existsSync(path.join(dir, 'index.html'))) return dir;
  const cli = path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  if (fs.existsSync(path.join(root, 'electron.vite.config.ts')) && fs.existsSync(cli)) {
    log('The window is not built yet; building it once (electron-vite build)…');
    const r = spawnSync(process.execPath, [cli, 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status === 0 && fs.existsSync(path.join(dir, 'index.html'))) return dir;
    log('Building the window failed; the API still works. Run `npm run build` to see why.');
  }
  return undefined;
}
