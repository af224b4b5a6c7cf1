import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx)$/.test(e.name) ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => m[1] ?? m[2] ?? m[3] ?? '',
  );
}

describe('layering: a file’s folder says where it may run', () => {
  it('src/main/core never imports electron (it runs in the CLI, the server and tests too)', () => {
    const offenders = sourceFiles(path.join(SRC, 'main/core')).filter((f) => imports(f).some((i) => i === 'electron' || i.startsWith('electron/')));
    expect(offenders).toEqual([]);
  });

  it('src/shared imports neither electron nor Node built-ins (the renderer and preload bundle it)', () => {
    const offenders = sourceFiles(path.join(SRC, 'shared')).flatMap((f) =>
      imports(f)
        .filter((i) => i === 'electron' || i.startsWith('node:') || ['fs', 'path', 'os', 'crypto', 'child_process'].includes(i))
        .map((i) => `${path.relative(SRC, f)} → ${i}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the renderer reaches the main process only through src/shared', () => {
    const offenders = sourceFiles(path.join(SRC, 'renderer')).flatMap((f) =>
      imports(f)
        .filter((i) => i === 'electron' || i.startsWith('node:') || /\/main\//.test(i) || /\/preload\//.test(i))
        .map((i) => `${path.relative(SRC, f)} → ${i}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the detector itself sees an electron import (so the checks above can fail)', () => {
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mc-layer-')), 'x.ts');
    fs.writeFileSync(tmp, "import { app } from 'electron';\nconst m = require('electron');\n");
    expect(imports(tmp)).toEqual(['electron', 'electron']);
  });
});
