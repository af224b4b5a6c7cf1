import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { safeExtractZip } from '../../src/main/core/vosk/safe-unzip';
import { voskMissing } from '../../src/main/core/detect/vosk-scan';
import { AppError } from '../../src/shared/errors';
import { makeTempDir, removeDir } from '../support/temp-home';
import { writeZip } from '../support/zip-writer';

let dir: string;
beforeEach(() => {
  dir = makeTempDir('mc-unzip-');
});
afterEach(() => removeDir(dir));

async function refused(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('ARCHIVE_REFUSED');
    return (err as AppError).message;
  }
  throw new Error('expected a refusal');
}

const limits = { maxTotalBytes: 10_000_000, maxEntries: 100, maxRatio: 200 };

describe('safe zip extraction (Vosk archives)', () => {
  it('extracts a Vosk model archive that detect then sees as complete', async () => {
    const zip = path.join(dir, 'vosk-model-small-ru-0.22.zip');
    writeZip(zip, [
      { name: 'vosk-model-small-ru-0.22/' },
      { name: 'vosk-model-small-ru-0.22/am/final.mdl', data: randomBytes(5000) },
      { name: 'vosk-model-small-ru-0.22/conf/mfcc.conf', data: '--sample-frequency=16000\n' },
      { name: 'vosk-model-small-ru-0.22/graph/HCLG.fst', data: 'graph' },
    ]);
    const out = path.join(dir, 'out');
    const r = await safeExtractZip(zip, out, limits);
    expect(r.files).toBe(3);
    expect(fs.readFileSync(path.join(out, 'vosk-model-small-ru-0.22/conf/mfcc.conf'), 'utf8')).toContain('16000');
    expect((await voskMissing(path.join(out, 'vosk-model-small-ru-0.22'))).missing).toEqual([]);
  });

  it('refuses zip-slip (../ and absolute names) and writes nothing outside', async () => {
    const zip = path.join(dir, 'slip.zip');
    writeZip(zip, [{ name: 'ok.txt', data: 'fine' }, { name: '../evil.txt', data: 'pwned' }]);
    expect(await refused(safeExtractZip(zip, path.join(dir, 'out'), limits))).toMatch(/refused to extract slip\.zip/i);
    expect(fs.existsSync(path.join(dir, 'evil.txt'))).toBe(false);
    const abs = path.join(dir, 'abs.zip');
    writeZip(abs, [{ name: '/tmp/evil-abs.txt', data: 'x' }]);
    await refused(safeExtractZip(abs, path.join(dir, 'out2'), limits));
  });

  it('refuses symlink entries', async () => {
    const zip = path.join(dir, 'link.zip');
    writeZip(zip, [{ name: 'link', data: '/etc/passwd', mode: 0o120777 }]);
    expect(await refused(safeExtractZip(zip, path.join(dir, 'out'), limits))).toMatch(/symbolic link/);
  });

  it('refuses zip bombs: high ratio, total size, lying headers, too many entries', async () => {
    const bomb = path.join(dir, 'bomb.zip');
    writeZip(bomb, [{ name: 'zeros.bin', data: Buffer.alloc(5_000_000) }]);
    expect(await refused(safeExtractZip(bomb, path.join(dir, 'o1'), limits))).toMatch(/zip bomb/);
    // Same bytes, header claims a harmless size: caught while streaming, not trusted from the header.
    const liar = path.join(dir, 'liar.zip');
    writeZip(liar, [{ name: 'zeros.bin', data: Buffer.alloc(5_000_000), claimSize: 1000 }]);
    await refused(safeExtractZip(liar, path.join(dir, 'o2'), limits));
    const big = path.join(dir, 'big.zip');
    writeZip(big, [{ name: 'a.bin', data: randomBytes(300_000) }]);
    expect(await refused(safeExtractZip(big, path.join(dir, 'o3'), { ...limits, maxTotalBytes: 100_000 }))).toMatch(/exceed 100000 bytes/);
    const many = path.join(dir, 'many.zip');
    writeZip(many, Array.from({ length: 5 }, (_, i) => ({ name: `f${i}.txt`, data: 'x' })));
    expect(await refused(safeExtractZip(many, path.join(dir, 'o4'), { ...limits, maxEntries: 3 }))).toMatch(/5 entries/);
  });
});
