import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, type Duplex } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { WASM_FRAME_BYTES, zstdCompressor, zstdDecompressor, zstdEngine, type ZstdEngine } from '../../src/main/core/bundles/zstd-stream';
import { ZstdFrameScanner } from '../../src/main/core/bundles/zstd-frames';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-zstd-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The reference `zstd` program, where this machine has it (Debian's zstd package). */
const hasZstdCli = ((): boolean => {
  try {
    execFileSync('zstd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Some of it compresses (repeats), some does not (random): both block kinds appear. */
function sample(bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  for (let at = 0; at < bytes; at += 64 * 1024) {
    const part = (at / (64 * 1024)) % 2 === 0 ? randomBytes(64 * 1024) : Buffer.alloc(64 * 1024, `weights ${at} `);
    part.copy(out, at);
  }
  return out;
}

/** Feeds `data` in chunks of `chunk` bytes, so frame and block headers land across chunk boundaries. */
async function through(stream: Duplex, data: Buffer, chunk = 64 * 1024): Promise<Buffer> {
  const parts = function* (): Generator<Buffer> {
    for (let at = 0; at < data.length; at += chunk) yield data.subarray(at, at + chunk);
  };
  const [out] = await Promise.all([buffer(stream), pipeline(Readable.from(parts()), stream)]);
  return out;
}

// The Node 20 this runs on has no zstd in zlib; on 22.15+ the zlib engine is checked the same way.
const engines: ZstdEngine[] = zstdEngine() === 'zlib' ? ['wasm', 'zlib'] : ['wasm'];

describe.each(engines)('zstd streams (%s)', (engine) => {
  it('round-trips data larger than one wasm frame, fed in odd-sized chunks; each engine reads the other', async () => {
    const data = sample(WASM_FRAME_BYTES * 2 + 12_345);
    const packed = await through(zstdCompressor(engine), data, 100_000);
    expect(packed.length).toBeLessThan(data.length);
    for (const reader of engines) expect((await through(zstdDecompressor(reader), packed, 7_777)).equals(data)).toBe(true);
  });

  it.skipIf(!hasZstdCli)('writes what the zstd program reads, and reads what it writes, several frames included', async () => {
    const data = sample(WASM_FRAME_BYTES + 999);
    const file = path.join(dir, `${engine}.zst`);
    fs.writeFileSync(file, await through(zstdCompressor(engine), data));
    expect(execFileSync('zstd', ['-dc', file], { maxBuffer: 64 * 1024 * 1024 }).equals(data)).toBe(true);

    const raw = path.join(dir, `${engine}.bin`);
    fs.writeFileSync(raw, data);
    const single = execFileSync('zstd', ['-19', '-c', raw], { maxBuffer: 64 * 1024 * 1024 });
    expect((await through(zstdDecompressor(engine), single)).equals(data)).toBe(true);
    // Two files' frames one after the other (`cat a.zst b.zst`), with a skippable frame between: one stream.
    const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0]), Buffer.from('abc')]);
    const joined = Buffer.concat([single, skippable, execFileSync('zstd', ['-1', '--no-check', '-c', raw], { maxBuffer: 64 * 1024 * 1024 })]);
    expect((await through(zstdDecompressor(engine), joined, 4_096)).equals(Buffer.concat([data, data]))).toBe(true);
  });

  it('refuses a stream cut inside a frame, and bytes that are not zstd', async () => {
    const packed = await through(zstdCompressor(engine), sample(300_000));
    await expect(through(zstdDecompressor(engine), packed.subarray(0, packed.length - 10))).rejects.toThrow(/unexpected end of file/);
    await expect(through(zstdDecompressor(engine), packed.subarray(0, 3))).rejects.toThrow(/unexpected end of file/);
    await expect(through(zstdDecompressor(engine), Buffer.concat([packed, Buffer.from('trailing junk')]))).rejects.toThrow(/unknown frame magic/);
  });

  it('a decoder destroyed while it waits for input closes (a cancelled import lets go of the file)', async () => {
    const decoder = zstdDecompressor(engine);
    const packed = await through(zstdCompressor(engine), sample(300_000));
    decoder.resume();
    decoder.write(packed.subarray(0, 1000));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = new Promise((resolve) => decoder.once('close', resolve));
    decoder.destroy(new Error('cancelled'));
    decoder.on('error', () => undefined);
    await closed;
  });

  it('an empty input is one valid empty frame', async () => {
    const packed = await through(zstdCompressor(engine), Buffer.alloc(0));
    expect(packed.readUInt32LE(0)).toBe(0xfd2fb528);
    expect((await through(zstdDecompressor(engine), packed)).length).toBe(0);
  });
});

describe('ZstdFrameScanner', () => {
  it('cuts after each frame, wherever the chunks split the headers', () => {
    const frame = Buffer.from('28b52ffd0058210000666f6f0a', 'hex'); // `printf 'foo\n' | zstd --no-check -c`: one raw block
    const two = Buffer.concat([frame, frame]);
    for (let cut = 1; cut < two.length; cut++) {
      const scanner = new ZstdFrameScanner();
      const pieces = [...scanner.split(two.subarray(0, cut)), ...scanner.split(two.subarray(cut))];
      expect(Buffer.concat(pieces.map((p) => p.bytes)).equals(two)).toBe(true);
      const ends: number[] = [];
      let offset = 0;
      for (const p of pieces) {
        offset += p.bytes.length;
        if (p.frameEnd) ends.push(offset);
      }
      expect(ends).toEqual([frame.length, two.length]);
      expect(scanner.atFrameBoundary).toBe(true);
    }
    const cutShort = new ZstdFrameScanner();
    cutShort.split(frame.subarray(0, 9));
    expect(cutShort.atFrameBoundary).toBe(false);
  });
});
