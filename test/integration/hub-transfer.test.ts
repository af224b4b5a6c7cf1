import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { transferFile, type SegmentOptions, type TransferOptions } from '../../src/main/core/hub/resumable-transfer';
import { pseudoRandomBytes, sha256 } from '../support/hub-server/hub-repo';
import { startHubServer, type HubRequestLog, type HubServer } from '../support/hub-server/hub-server';
import { makeTempDir, removeDir } from '../support/temp-home';
import { waitFor } from '../support/wait-for';

/**
 * The transfer of one large file in segments over several ranged connections, driven against the loopback Hub
 * with small segments so that a few MiB make many of them.
 */
const REPO = 'acme/big';
const FILE = 'model.bin';
const SIZE = 4 * 1024 * 1024;
const SEGMENT = 512 * 1024;
const content = pseudoRandomBytes(SIZE, 7);
const oid = sha256(content);
const CHILD = fileURLToPath(new URL('./hub-transfer-child.ts', import.meta.url));
/** Four connections from the start: the counts below do not depend on how fast the machine is. */
const FIXED: SegmentOptions = { minFileBytes: 1024 * 1024, segmentBytes: SEGMENT, connections: 4, fastConnection: Infinity, adaptive: false };

let hub: HubServer;
let dir: string;

beforeAll(async () => {
  hub = await startHubServer({ repos: [{ id: REPO, files: [{ path: FILE, content, lfs: true }] }] });
});
afterAll(async () => {
  await hub.close();
});
beforeEach(() => {
  dir = makeTempDir();
  hub.requests.length = 0;
});
afterEach(async () => {
  // A trickled answer ends (and is logged) a little after its last byte: let it, so the next test's log is its own.
  await hub.settled();
  hub.setFault(REPO, FILE, null);
  removeDir(dir);
});

const dest = (): string => path.join(dir, 'blobs', oid);
function options(extra: Partial<TransferOptions> = {}): TransferOptions {
  return {
    url: `${hub.url}/${REPO}/resolve/main/${FILE}`,
    headers: {},
    dest: dest(),
    size: SIZE,
    algorithm: 'sha256',
    expected: oid,
    label: FILE,
    repo: REPO,
    hubUrl: hub.url,
    signal: new AbortController().signal,
    onProgress: () => undefined,
    backoffMs: 20,
    segments: FIXED,
    ...extra,
  };
}
const cdn = (): HubRequestLog[] => hub.requests.filter((r) => r.url.startsWith('/cdn-lfs/'));
const rangeStart = (r: HubRequestLog): number => Number(/^bytes=(\d+)-/.exec(r.range ?? '')?.[1] ?? -1);
const leftovers = (): string[] => fs.readdirSync(path.dirname(dest())).filter((f) => f !== oid);
const checkpoint = (): { have: number[] } => JSON.parse(fs.readFileSync(`${dest()}.parts.json`, 'utf8')) as { have: number[] };

describe('segmented transfer of a large file', () => {
  it('fetches the segments in order over several kept-alive connections, verifies, and leaves only the blob', async () => {
    await transferFile(options());
    expect(fs.readFileSync(dest()).equals(content)).toBe(true);
    expect(leftovers()).toEqual([]);
    const ranges = cdn().map((r) => r.range);
    expect([...ranges].sort()).toEqual(
      Array.from({ length: SIZE / SEGMENT }, (_, i) => `bytes=${i * SEGMENT}-${(i + 1) * SEGMENT - 1}`).sort(),
    );
    // Four connections, each carrying several segments.
    expect(new Set(cdn().map((r) => r.port)).size).toBe(4);
    // Only the first request went through the Hub's redirect; the rest went straight to the CDN URL.
    expect(hub.requests.filter((r) => r.url.includes('/resolve/'))).toHaveLength(1);
  });

  it('a connection dropped in one segment resumes that segment from its last byte, and the file verifies', async () => {
    hub.setFault(REPO, FILE, { kind: 'drop', afterBytes: 100_000, times: 1 });
    await transferFile(options());
    expect(fs.readFileSync(dest()).equals(content)).toBe(true);
    // The dropped first segment went on from byte 100000, not from its start.
    expect(cdn().map((r) => r.range)).toContain(`bytes=100000-${SEGMENT - 1}`);
    expect(cdn().filter((r) => r.status === 206 && rangeStart(r) === 0)).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it('resumes after the process was killed mid-transfer, from each segment’s checkpoint', async () => {
    // ~200 kB/s a connection: the first segments end (and the checkpoint, saved each second, shows them) well
    // before the file does.
    hub.setFault(REPO, FILE, { kind: 'trickle', chunkBytes: 4096, delayMs: 20 });
    const { signal: _signal, onProgress: _onProgress, ...plain } = options();
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(plain)], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      // Wait for a checkpoint showing bytes in several segments, then kill without warning.
      await waitFor(() => {
        try {
          const have = checkpoint().have;
          return have.filter((h) => h > 64 * 1024).length >= 2 ? true : undefined;
        } catch {
          return undefined;
        }
      }, 20_000);
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((r) => child.once('exit', r));
    const saved = checkpoint().have;
    expect(fs.existsSync(`${dest()}.parts.incomplete`)).toBe(true);
    hub.setFault(REPO, FILE, null);
    // The killed child's requests may be logged later (when the server notices the cut): count only the new ones.
    const resumedAt = Date.now();
    await transferFile(options());
    const resumed = cdn().filter((r) => r.at >= resumedAt);
    expect(fs.readFileSync(dest()).equals(content)).toBe(true);
    expect(leftovers()).toEqual([]);
    // Every unfinished segment continued from its checkpoint; finished ones were not fetched again.
    for (const r of resumed) {
      const i = Math.floor(rangeStart(r) / SEGMENT);
      expect(saved[i]).toBeLessThan(SEGMENT);
      expect(rangeStart(r)).toBe(i * SEGMENT + saved[i]!);
    }
    const refetched = resumed.reduce((n, r) => n + (Number(/-(\d+)$/.exec(r.range!)![1]) - rangeStart(r) + 1), 0);
    expect(refetched).toBe(SIZE - saved.reduce((a, b) => a + b, 0));
  });

  it('abandons a connection whose server stops sending after stallMs, and continues from the bytes it had', async () => {
    hub.setFault(REPO, FILE, { kind: 'stall', afterBytes: 300_000 });
    const t0 = Date.now();
    // One stream: the stall is the only thing that can end the first request.
    await transferFile(options({ stallMs: 400, segments: { ...FIXED, minFileBytes: Infinity } }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(fs.readFileSync(dest()).equals(content)).toBe(true);
    expect(leftovers()).toEqual([]);
    await hub.settled();
    const [held, resumed, ...more] = [...cdn()].sort((a, b) => a.at - b.at);
    expect(held).toMatchObject({ range: undefined, status: -1 });
    expect(more).toEqual([]);
    expect(resumed!.status).toBe(206);
    expect(rangeStart(resumed!)).toBeGreaterThan(0);
    expect(rangeStart(resumed!)).toBeLessThanOrEqual(300_000);
  });

  it('cancel cuts every connection at once and keeps the segments for a later resume', async () => {
    hub.setFault(REPO, FILE, { kind: 'trickle', chunkBytes: 16 * 1024, delayMs: 10 });
    const ac = new AbortController();
    let received = 0;
    const run = transferFile(options({ signal: ac.signal, onProgress: (n) => (received = n) }));
    await waitFor(() => (received > 256 * 1024 ? true : undefined));
    const t0 = Date.now();
    ac.abort(new Error('cancelled by the user'));
    await expect(run).rejects.toThrow('cancelled by the user');
    expect(Date.now() - t0).toBeLessThan(1000);
    // The server saw each of the four connections closed mid-body.
    await waitFor(() => (cdn().filter((r) => r.status === -1).length === 4 ? true : undefined));
    const saved = checkpoint().have;
    expect(saved.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    hub.setFault(REPO, FILE, null);
    const resumedAt = Date.now();
    await transferFile(options());
    expect(fs.readFileSync(dest()).equals(content)).toBe(true);
    for (const r of cdn().filter((x) => x.at >= resumedAt)) {
      const i = Math.floor(rangeStart(r) / SEGMENT);
      expect(rangeStart(r)).toBe(i * SEGMENT + saved[i]!);
    }
  });

  it('continues a prefix .incomplete left by one stream (an earlier run, or huggingface_hub) as segments', async () => {
    fs.mkdirSync(path.dirname(dest()), { recursive: true });
    fs.writeFileSync(`${dest()}.incomplete`, content.subarray(0, 700_000));
    await transferFile(options());
    expect(fs.readFileSync(dest()).equals(content)).toBe(true);
    expect(Math.min(...cdn().map(rangeStart))).toBe(700_000);
    expect(leftovers()).toEqual([]);
  });

  it('falls back to one stream when the server ignores Range', async () => {
    hub.setFault(REPO, FILE, { kind: 'ignoreRange' });
    await transferFile(options());
    expect(fs.readFileSync(dest()).equals(content)).toBe(true);
    // The segment request got the whole file (200, abandoned or not by the time the server notices): then one
    // plain GET.
    expect(cdn().map((r) => r.range ?? 'none')).toEqual([`bytes=0-${SEGMENT - 1}`, 'none']);
    expect(cdn().map((r) => r.status)).not.toContain(206);
    expect(leftovers()).toEqual([]);
  });

  it('fails verification on wrong bytes naming both hashes, and deletes the segments and their checkpoint', async () => {
    hub.setFault(REPO, FILE, { kind: 'corrupt' });
    await expect(transferFile(options())).rejects.toMatchObject({ code: 'INTEGRITY', message: expect.stringMatching(new RegExp(`expected sha256 ${oid}, got [0-9a-f]{64}`)) });
    expect(fs.existsSync(dest())).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('adapts: one stream first, split into segments once it proves slow, then connections added while the total grows', async () => {
    // ~1.5 MiB/s per connection, like a capped CDN: each added connection raises the total.
    hub.setFault(REPO, FILE, { kind: 'trickle', chunkBytes: 16 * 1024, delayMs: 10 });
    await transferFile(options({ segments: { ...FIXED, segmentBytes: 256 * 1024, connections: 4, fastConnection: 100 * 1024 * 1024, adaptive: true } }));
    expect(fs.readFileSync(dest()).equals(content)).toBe(true);
    const [first, ...rest] = cdn();
    expect(first!.range).toBeUndefined();
    // The segments take over where the stream stopped: its bytes are kept, none is fetched again from the start.
    expect(rest.length).toBeGreaterThan(0);
    expect(rest.every((r) => rangeStart(r) > 0)).toBe(true);
    // How many depends on how steady the trickle is on a busy machine; at least one was added.
    expect(new Set(rest.map((r) => r.port)).size).toBeGreaterThanOrEqual(2);
  });

  it('adapts: a fast stream runs alone to the end, one request for the whole file', async () => {
    await transferFile(options({ segments: { ...FIXED, connections: 4, fastConnection: 1, adaptive: true } }));
    expect(fs.readFileSync(dest()).equals(content)).toBe(true);
    expect(cdn().map((r) => r.range)).toEqual([undefined]);
  });
});
