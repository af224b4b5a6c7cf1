import type { HashAlgorithm } from './hub-client';

/** How a large file is split over several ranged connections. */
export interface SegmentOptions {
  /** Files at least this big are fetched in segments; smaller ones over one connection. */
  minFileBytes: number;
  segmentBytes: number;
  /** Most connections at once, each taking the next segment in file order. */
  connections: number;
  /** Bytes per second per connection above which another connection is not opened. */
  fastConnection: number;
  /** false: open all `connections` at once (tests, and a known capped server). */
  adaptive: boolean;
}

/**
 * The Hub's CDN caps one connection (~500 Mbit/s); clients reach line rate with several ranged connections per
 * file (hf_xet: 16 range GETs per file, adaptive). Segments are taken in file order, so the written prefix —
 * which the hash follows — trails the newest bytes by at most `connections × segmentBytes`: the hash finishes
 * right after the last byte. Adaptive: a file starts as one stream, split into segments only when that stream
 * carries less than `fastConnection` after its first second; then connections double every half second while
 * each is slow and the last ones added raised the total. On loopback or a fast mirror one stream runs to the end
 * (segments measured slower there: a request and a drained pipeline per segment, and the CPU is the limit); on
 * a capped CDN the connections multiply.
 */
export const DEFAULT_SEGMENTS: SegmentOptions = {
  minFileBytes: 64 * 1024 * 1024,
  segmentBytes: 16 * 1024 * 1024,
  connections: 8,
  fastConnection: 100 * 1024 * 1024,
  adaptive: true,
};

export interface TransferOptions {
  url: string;
  /** Sent on every request (Authorization); dropped on a redirect to another origin. */
  headers: Record<string, string>;
  /** The final blob path; bytes go to `<dest>.incomplete` (or the segmented `<dest>.parts.incomplete`) until verified. */
  dest: string;
  /** The file's size; the download is refused when the server has more bytes and is retried when it sent fewer. */
  size: number;
  algorithm: HashAlgorithm;
  /** The digest the file must have; undefined where no one publishes one (a Vosk zip): then size alone is checked. */
  expected: string | undefined;
  /** A file at a URL, not a Hub repo's (a Vosk zip): errors name the URL, with no token or licence advice. */
  plainUrl?: boolean;
  /** Names the file and repo in errors. */
  label: string;
  repo: string;
  hubUrl: string;
  signal: AbortSignal;
  /** Bytes of this file received so far (may go down when a server ignores Range and the file restarts). */
  onProgress(bytes: number): void;
  retries?: number;
  backoffMs?: number;
  /** An attempt with no bytes for this long is abandoned and retried. */
  stallMs?: number;
  segments?: SegmentOptions;
}


/**
 * Segments of `segmentBytes`, but at least four per connection, down to 4 MiB: with too few, the connections
 * added as they prove useful find nothing left to take, and the last segment runs alone (a 128 MiB file in
 * 16 MiB segments from a capped server measured 2.5× one connection, not 8×). Smaller than 4 MiB, each request's
 * round trip would cost a real CDN connection too much of its time.
 */
export function segmentBytesFor(size: number, seg: SegmentOptions): number {
  const MiB = 1024 * 1024;
  const spread = Math.ceil(size / (seg.connections * 4) / MiB) * MiB;
  return Math.min(seg.segmentBytes, Math.max(4 * MiB, spread));
}
