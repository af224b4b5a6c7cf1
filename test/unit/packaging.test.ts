import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliArguments } from '../../src/main/cli-argument';

const ROOT = path.resolve(__dirname, '../..');

describe('packaging', () => {
  const yml = fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8');

  it('builds AppImage + deb, NSIS and dmg, with the native code unpacked from asar', () => {
    expect(yml).toMatch(/linux:\n(?:.*\n)*?\s+target: \[AppImage, deb\]/);
    expect(yml).toMatch(/win:\n\s+target: \[nsis\]/);
    expect(yml).toMatch(/mac:\n\s+target: \[dmg\]/);
    for (const unpacked of ['node_modules/better-sqlite3/**', 'node_modules/onnxruntime-node/**', 'node_modules/sqlite-vec-*/**']) expect(yml).toContain(`- ${unpacked}`);
    expect(yml).toMatch(/npmRebuild: true/);
    // sqlite-vec's loadable extension really lives in a per-platform package the pattern matches.
    expect(fs.readdirSync(path.join(ROOT, 'node_modules')).some((d) => /^sqlite-vec-(linux|darwin|windows)-/.test(d))).toBe(true);
    for (const f of ['packaging/bin/model-center', 'packaging/bin/model-center.cmd', 'packaging/linux/after-install.tpl', 'packaging/linux/after-remove.tpl']) {
      expect(fs.existsSync(path.join(ROOT, f))).toBe(true);
    }
  });

  it('gives the deb what fpm requires (a maintainer with an email, a homepage) and the installers an icon', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { author?: { email?: string }; homepage?: string };
    expect(yml).toMatch(/linux:\n(?:.*\n)*?\s+maintainer: .+ <[^@\s]+@[^>\s]+>/);
    expect(pkg.author?.email).toMatch(/@/);
    expect(pkg.homepage).toMatch(/^https:\/\//);
    const icon = fs.readFileSync(path.join(ROOT, 'resources/icon.png'));
    expect(icon.subarray(1, 4).toString()).toBe('PNG');
    // electron-builder wants at least 512×512 for macOS and 256×256 for Windows: width and height from IHDR.
    expect([icon.readUInt32BE(16), icon.readUInt32BE(20)]).toEqual([512, 512]);
  });

  it('the deb scripts keep electron-builder macros it defines only', () => {
    for (const f of ['after-install.tpl', 'after-remove.tpl']) {
      const macros = [...fs.readFileSync(path.join(ROOT, 'packaging/linux', f), 'utf8').matchAll(/\$\{([a-zA-Z]+)\}/g)].map((m) => m[1]);
      expect(new Set(macros)).toEqual(new Set(['executable', 'sanitizedProductName']));
    }
  });

  it('`--cli` hands the rest of the arguments to the command line', () => {
    expect(cliArguments(['/opt/Model Center/model-center-app', '--no-sandbox', '--cli', 'status', '--json'])).toEqual(['status', '--json']);
    expect(cliArguments(['/opt/Model Center/model-center-app'])).toBeUndefined();
  });

  it.skipIf(process.platform === 'win32')('the launcher runs the app binary as Node on the packaged cli.js, through a /usr/bin-style link', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-pack-'));
    try {
      const app = path.join(dir, 'opt', 'Model Center');
      const bin = path.join(app, 'resources', 'bin');
      const cliDir = path.join(app, 'resources', 'app', 'out', 'main');
      fs.mkdirSync(bin, { recursive: true });
      fs.mkdirSync(cliDir, { recursive: true });
      fs.copyFileSync(path.join(ROOT, 'packaging/bin/model-center'), path.join(bin, 'model-center'));
      fs.chmodSync(path.join(bin, 'model-center'), 0o755);
      // A stand-in for the Electron binary: Node itself, refusing to run unless asked to act as Node.
      fs.writeFileSync(path.join(app, 'model-center-app'), `#!/bin/sh\n[ "$ELECTRON_RUN_AS_NODE" = 1 ] || { echo "would open a window" >&2; exit 3; }\nexec "${process.execPath}" "$@"\n`, { mode: 0o755 });
      fs.writeFileSync(path.join(cliDir, 'cli.js'), 'console.log(JSON.stringify(process.argv.slice(2)));\n');
      const link = path.join(dir, 'usr-bin-model-center');
      fs.symlinkSync(path.join(bin, 'model-center'), link);
      const out = execFileSync(link, ['status', '--json', 'a b'], { encoding: 'utf8' });
      expect(JSON.parse(out)).toEqual(['status', '--json', 'a b']);
      fs.rmSync(path.join(app, 'model-center-app'));
      const missing = spawnSync(link, ['status'], { encoding: 'utf8' });
      expect(missing.status).toBe(1);
      expect(missing.stderr).toMatch(/cannot find the Model Center binary/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
