import { createHash } from 'node:crypto';

/** Ways a file can misbehave when served, to test retries, resume and verification for real. */
export type HubFault =
  /** Send this many bytes of the body, then destroy the socket; `times` requests do this (default 1). */
  | { kind: 'drop'; afterBytes: number; times?: number }
  /** Send this many bytes of the body, then nothing more, holding the connection open; `times` requests do this (default 1). */
  | { kind: 'stall'; afterBytes: number; times?: number }
  /** Send the body in small chunks with a pause between them (for cancel and progress tests). */
  | { kind: 'trickle'; chunkBytes: number; delayMs: number }
  /** Serve wrong bytes (same length) on every request. */
  | { kind: 'corrupt' }
  /** Answer 500 to the first `times` requests for the file, then serve it. */
  | { kind: 'error500'; times: number }
  /** Ignore Range headers: always answer 200 with the whole file, as some servers and proxies do. */
  | { kind: 'ignoreRange' };

export interface HubFileInput {
  path: string;
  content: Buffer | string;
  /** Stored in LFS (served through a redirect to the CDN path); default: content of 1 MiB or more. */
  lfs?: boolean;
}

export interface HubRepoInput {
  /** `org/name` */
  id: string;
  files: HubFileInput[];
  /** Requires a token to download files (as a gated repo whose licence the token's user accepted). */
  gated?: boolean;
  /** Extra branches or tags, each with its own files; `main` is built from `files`. */
  branches?: Record<string, HubFileInput[]>;
}

export interface HubFile {
  path: string;
  content: Buffer;
  size: number;
  /** Git blob id: sha1("blob <len>\0" + content), what the Hub reports as `oid` and ETag for regular files. */
  gitOid: string;
  /** sha256 of the content for LFS files: the `lfs.oid` and the X-Linked-Etag. */
  lfsOid: string | null;
}

export interface HubRevision {
  commit: string;
  files: Map<string, HubFile>;
}

export interface HubRepo {
  id: string;
  gated: boolean;
  /** Branch name → revision; commits are reachable by their sha too. */
  branches: Map<string, HubRevision>;
  commits: Map<string, HubRevision>;
  lastModified: string;
}

export function gitBlobSha1(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

const LFS_THRESHOLD = 1024 * 1024;

function buildFile(input: HubFileInput): HubFile {
  const content = typeof input.content === 'string' ? Buffer.from(input.content, 'utf8') : input.content;
  const lfs = input.lfs ?? content.length >= LFS_THRESHOLD;
  return { path: input.path, content, size: content.length, gitOid: gitBlobSha1(content), lfsOid: lfs ? sha256(content) : null };
}

function buildRevision(repoId: string, branch: string, inputs: HubFileInput[]): HubRevision {
  const files = new Map(inputs.map((f) => [f.path, buildFile(f)]));
  // A deterministic commit id from the tree, like git's: same files, same commit.
  const h = createHash('sha1').update(`${repoId}\0${branch}\0`);
  for (const f of [...files.values()].sort((a, b) => a.path.localeCompare(b.path))) h.update(`${f.path}\0${f.gitOid}\0`);
  return { commit: h.digest('hex'), files };
}

export function buildRepo(input: HubRepoInput): HubRepo {
  const branches = new Map<string, HubRevision>();
  branches.set('main', buildRevision(input.id, 'main', input.files));
  for (const [name, files] of Object.entries(input.branches ?? {})) branches.set(name, buildRevision(input.id, name, files));
  const commits = new Map([...branches.values()].map((r) => [r.commit, r]));
  return { id: input.id, gated: Boolean(input.gated), branches, commits, lastModified: '2026-01-01T00:00:00.000Z' };
}

/** A new commit on a branch, as a push to the Hub would make: the old commit stays reachable by its sha. */
export function pushRevision(repo: HubRepo, branch: string, files: HubFileInput[]): HubRevision {
  const rev = buildRevision(repo.id, `${branch}@${repo.commits.size}`, files);
  repo.branches.set(branch, rev);
  repo.commits.set(rev.commit, rev);
  return rev;
}

/** Deterministic pseudo-random bytes (xorshift), so a multi-megabyte LFS file needs no fixture on disk. */
export function pseudoRandomBytes(size: number, seed = 1): Buffer {
  const buf = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    buf[i] = x & 0xff;
  }
  return buf;
}
