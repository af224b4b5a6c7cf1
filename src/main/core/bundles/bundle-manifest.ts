import { createHash } from 'node:crypto';
import fs from 'node:fs';
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  BundleManifestSchema,
  RepoIdSchema,
  RevisionSchema,
  type BundleManifest,
  type BundleModel,
  type BundleRegistryModel,
  type ValidationReportDTO,
} from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { zodIssues } from '../../../shared/validate';
import { APP_NAME, APP_VERSION } from '../app-info';
import type { CoreServices } from '../core-services';
import type { HubStore } from '../hub/hub-store';
import { planExport, type ModelPlan } from './export-plan';

function refuse(why: string, hint = 'The file is damaged or not a Model Center bundle; export it again.'): AppError {
  return new AppError('ARCHIVE_REFUSED', `Refused the bundle: ${why}.`, { hint });
}

/** sha256 of a file, and its git blob id when the cache names it that way, in one read. */
async function hashBlob(file: string, size: number, gitToo: boolean, onBytes: (n: number) => void, signal?: AbortSignal): Promise<{ sha256: string; git?: string }> {
  const sha = createHash('sha256');
  const git = gitToo ? createHash('sha1').update(`blob ${size}\0`) : undefined;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1024 * 1024, signal })) {
    sha.update(chunk as Buffer);
    git?.update(chunk as Buffer);
    onBytes((chunk as Buffer).length);
  }
  return { sha256: sha.digest('hex'), git: git?.digest('hex') };
}

/**
 * Hashes every blob of the plans once and checks it against the name the cache gives it (sha256 for LFS files,
 * the git blob id for the others), so a damaged cache file is refused here rather than shipped.
 */
export async function hashPlans(plans: readonly ModelPlan[], onBytes: (n: number) => void, signal?: AbortSignal): Promise<BundleModel[]> {
  const done = new Map<string, string>();
  const out: BundleModel[] = [];
  for (const plan of plans) {
    const files: BundleModel['files'] = [];
    for (const f of plan.files) {
      signal?.throwIfAborted();
      let sha256 = done.get(f.source);
      if (sha256 === undefined) {
        const h = await hashBlob(f.source, f.size, f.blob?.length === 40, onBytes, signal);
        const expected = f.blob;
        const actual = expected?.length === 40 ? h.git : h.sha256;
        if (expected && actual !== expected) {
          throw new AppError('INTEGRITY', `${f.path} of ${plan.repo}@${plan.commit.slice(0, 10)} in the cache does not match its checksum (expected ${expected}, got ${actual}).`, {
            hint: `The cached file is damaged; nothing was exported. Download it again: model-center download ${plan.repo} --revision ${plan.commit}`,
          });
        }
        sha256 = h.sha256;
        done.set(f.source, sha256);
      } else onBytes(f.size);
      files.push({ path: f.path, blob: f.blob ?? sha256, size: f.size, sha256 });
    }
    out.push({
      repo: plan.repo,
      revision: plan.revision,
      commit: plan.commit,
      refs: plan.refs,
      variant: plan.variant,
      files,
      sizeBytes: files.reduce((s, f) => s + f.size, 0),
      hubVerifiedAt: plan.hubVerifiedAt,
      exportVerifiedAt: new Date().toISOString(),
    });
  }
  return out;
}

/**
 * Resolves the refs to snapshots and hashes them (export and publish both start so), reporting the share of
 * bytes hashed; `total` counts each distinct file once.
 */
export async function planAndHash(
  core: CoreServices,
  store: HubStore,
  refs: readonly string[],
  onProgress: (hashed: number, total: number) => void,
  signal?: AbortSignal,
): Promise<{ plans: ModelPlan[]; models: BundleModel[]; total: number }> {
  const plans = await planExport(core, store, refs);
  const unique = new Map<string, number>();
  for (const p of plans) for (const f of p.files) unique.set(f.source, f.size);
  const total = [...unique.values()].reduce((s, n) => s + n, 0);
  let hashed = 0;
  const models = await hashPlans(plans, (n) => onProgress((hashed += n), total), signal);
  return { plans, models, total };
}

export function buildManifest(models: BundleModel[], registry: BundleRegistryModel[], validations: ValidationReportDTO[] = []): BundleManifest {
  const blobs = new Map<string, number>();
  for (const m of models) for (const f of m.files) blobs.set(`${m.repo}\0${f.blob}`, f.size);
  return {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    app: { name: APP_NAME, version: APP_VERSION },
    createdAt: new Date().toISOString(),
    models,
    registry,
    validations,
    totals: { files: blobs.size, bytes: [...blobs.values()].reduce((s, n) => s + n, 0) },
  };
}

function safeRepoPath(p: string): boolean {
  const segs = p.split('/');
  return !p.startsWith('/') && !p.includes('\\') && !/^[A-Za-z]:/.test(p) && segs.every((s) => s !== '' && s !== '.' && s !== '..');
}

/**
 * Reads a manifest as JSON and checks it before anything is trusted: the format and its version (a newer one is
 * refused, naming both apps' versions), the schema, and that every repo id, path and ref is safe to use as a
 * file name in the cache and that a blob has one size and one sha256 wherever it is listed.
 */
export function checkManifest(text: string): BundleManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw refuse('its manifest is not valid JSON');
  }
  const head = raw as { format?: unknown; formatVersion?: unknown; app?: { version?: unknown } };
  if (typeof raw !== 'object' || raw === null || head.format !== BUNDLE_FORMAT) throw refuse(`it is not a Model Center bundle (format ${JSON.stringify(head?.format ?? null)})`);
  if (typeof head.formatVersion === 'number' && head.formatVersion > BUNDLE_FORMAT_VERSION) {
    throw new AppError(
      'BUNDLE_TOO_NEW',
      `The bundle uses format version ${head.formatVersion} (written by Model Center ${String(head.app?.version ?? '?')}); this Model Center ${APP_VERSION} reads up to version ${BUNDLE_FORMAT_VERSION}.`,
      { hint: 'Update Model Center on this machine, or export the bundle again with the older version. Nothing was imported.' },
    );
  }
  const parsed = BundleManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const first = zodIssues(parsed.error)[0];
    throw refuse(`its manifest is invalid (${first ? `${first.path}: ${first.message}` : 'schema'})`);
  }
  const manifest = parsed.data;
  const blobs = new Map<string, string>();
  for (const m of manifest.models) {
    if (!RepoIdSchema.safeParse(m.repo).success) throw refuse(`model "${m.repo}" is not a valid repo id`);
    for (const ref of m.refs) if (!RevisionSchema.safeParse(ref).success) throw refuse(`ref "${ref}" of ${m.repo} is not a safe branch or tag name`);
    const paths = new Set<string>();
    for (const f of m.files) {
      if (!safeRepoPath(f.path)) throw refuse(`file "${f.path}" of ${m.repo} would land outside its snapshot folder`);
      if (paths.has(f.path)) throw refuse(`file "${f.path}" of ${m.repo} is listed twice`);
      paths.add(f.path);
      const key = `${m.repo.toLowerCase()}\0${f.blob}`;
      const sig = `${f.size}:${f.sha256}`;
      if ((blobs.get(key) ?? sig) !== sig) throw refuse(`blob ${f.blob} of ${m.repo} is listed with two different contents`);
      blobs.set(key, sig);
      // A blob named by sha256 must be that sha256: the name is what the cache and huggingface_hub trust.
      if (f.blob.length === 64 && f.blob !== f.sha256) throw refuse(`blob ${f.blob} of ${m.repo} is listed with another sha256 (${f.sha256})`);
    }
  }
  return manifest;
}
