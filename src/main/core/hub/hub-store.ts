import { z } from 'zod';
import { DownloadedFileSchema, VariantSchema, type DownloadedModelDTO, type Variant } from '../../../shared/contract';
import type { Db } from '../db/open-database';
import { isCommitSha, repoCache, snapshotDir } from './hf-cache';

/** The problem a verification of an empty snapshot records. */
export const NO_FILES = 'no files in the snapshot';

interface Row {
  repo: string;
  commit_sha: string;
  revision: string;
  variant: string;
  files: string;
  size_bytes: number;
  cache_dir: string;
  downloaded_at: string;
  verified_at: string | null;
}

const FilesSchema = z.array(DownloadedFileSchema);

/** The newest check of a snapshot's bytes: a download (which hashes every file) or a hub.verify. */
export interface Verification {
  at: string;
  ok: boolean;
  /** `path: problem` of each file that failed. */
  problems: string[];
}

export interface DownloadRecord {
  repo: string;
  commit: string;
  revision: string;
  variant: Variant;
  files: Array<{ path: string; size: number; blob: string }>;
  cacheDir: string;
}

/** Models downloaded by Model Center, one row per (repo, commit), in the `hub` domain's table. */
export class HubStore {
  constructor(private readonly db: Db) {}

  private toDTO(r: Row): DownloadedModelDTO {
    const files = FilesSchema.parse(JSON.parse(r.files));
    return {
      repo: r.repo,
      revision: r.revision,
      commit: r.commit_sha,
      variant: VariantSchema.catch('fp32').parse(r.variant),
      files,
      sizeBytes: r.size_bytes,
      snapshotPath: snapshotDir(repoCache(r.cache_dir, r.repo), r.commit_sha),
      downloadedAt: r.downloaded_at,
      verifiedAt: r.verified_at,
    };
  }

  /**
   * Records a finished download; files of an earlier download of the same commit are kept (union). Every file of
   * the download was hashed by it (fetched, or re-checked in the cache), so a failed verification whose damaged
   * files are all among them is repaired; one naming other files stands.
   */
  record(rec: DownloadRecord): DownloadedModelDTO {
    return this.db.transaction(() => this.recordNow(rec))();
  }

  private recordNow(rec: DownloadRecord): DownloadedModelDTO {
    const now = new Date().toISOString();
    const failed = this.failedVerification(rec.repo, rec.commit);
    if (failed && rec.files.length > 0 && failed.problems.every((p) => p === NO_FILES || rec.files.some((f) => p.startsWith(`${f.path}: `)))) {
      this.db.prepare('DELETE FROM hub_verifications WHERE repo = ? AND commit_sha = ?').run(rec.repo, rec.commit);
    }
    const prev = this.db.prepare('SELECT * FROM hub_models WHERE repo = ? AND commit_sha = ?').get(rec.repo, rec.commit) as Row | undefined;
    const files = new Map((prev ? FilesSchema.parse(JSON.parse(prev.files)) : []).map((f) => [f.path, f]));
    for (const f of rec.files) files.set(f.path, f);
    const list = [...files.values()].sort((a, b) => a.path.localeCompare(b.path));
    const size = list.reduce((s, f) => s + f.size, 0);
    this.db
      .prepare(
        `INSERT INTO hub_models (repo, commit_sha, revision, variant, files, size_bytes, cache_dir, downloaded_at, verified_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(repo, commit_sha) DO UPDATE SET revision = excluded.revision, variant = excluded.variant, files = excluded.files,
           size_bytes = excluded.size_bytes, cache_dir = excluded.cache_dir, downloaded_at = excluded.downloaded_at, verified_at = excluded.verified_at`,
      )
      // A download pinned to the commit (a repair) keeps the branch or tag the model was downloaded as.
      .run(rec.repo, rec.commit, isCommitSha(rec.revision) && prev ? prev.revision : rec.revision, rec.variant, JSON.stringify(list), size, rec.cacheDir, now, now);
    return this.get(rec.repo, rec.commit)!;
  }

  get(repo: string, commit: string): DownloadedModelDTO | undefined {
    const row = this.db.prepare('SELECT * FROM hub_models WHERE repo = ? AND commit_sha = ?').get(repo, commit) as Row | undefined;
    return row ? this.toDTO(row) : undefined;
  }

  /** Newest first. */
  forRepo(repo: string): DownloadedModelDTO[] {
    return (this.db.prepare('SELECT * FROM hub_models WHERE repo = ? ORDER BY downloaded_at DESC').all(repo) as Row[]).map((r) => this.toDTO(r));
  }

  list(): DownloadedModelDTO[] {
    return (this.db.prepare('SELECT * FROM hub_models ORDER BY repo, downloaded_at DESC').all() as Row[]).map((r) => this.toDTO(r));
  }

  /** Keeps the outcome of a hub.verify; a success also dates the download's `verifiedAt`. */
  recordVerification(repo: string, commit: string, v: Verification): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO hub_verifications (repo, commit_sha, verified_at, ok, problems) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(repo, commit_sha) DO UPDATE SET verified_at = excluded.verified_at, ok = excluded.ok, problems = excluded.problems`,
        )
        .run(repo, commit, v.at, v.ok ? 1 : 0, JSON.stringify(v.problems));
      if (v.ok) this.db.prepare('UPDATE hub_models SET verified_at = ? WHERE repo = ? AND commit_sha = ?').run(v.at, repo, commit);
    })();
  }

  /**
   * A failed hub.verify stands until a verify passes or a download re-hashes the files it named (record clears it);
   * otherwise the newest of the last verify and the last download; null when neither ever checked the bytes.
   */
  lastVerification(repo: string, commit: string): Verification | null {
    const failed = this.failedVerification(repo, commit);
    if (failed) return failed;
    const row = this.verificationRow(repo, commit);
    const downloaded = this.get(repo, commit)?.verifiedAt ?? null;
    if (row && (downloaded === null || row.verified_at >= downloaded)) return { at: row.verified_at, ok: true, problems: [] };
    return downloaded === null ? null : { at: downloaded, ok: true, problems: [] };
  }

  private verificationRow(repo: string, commit: string): { verified_at: string; ok: number; problems: string } | undefined {
    return this.db.prepare('SELECT verified_at, ok, problems FROM hub_verifications WHERE repo = ? AND commit_sha = ?').get(repo, commit) as
      | { verified_at: string; ok: number; problems: string }
      | undefined;
  }

  private failedVerification(repo: string, commit: string): Verification | null {
    const row = this.verificationRow(repo, commit);
    if (!row || row.ok === 1) return null;
    return { at: row.verified_at, ok: false, problems: z.array(z.string()).catch([]).parse(JSON.parse(row.problems)) };
  }

  remove(repo: string, commit?: string): void {
    this.db.transaction(() => {
      for (const table of ['hub_models', 'hub_verifications']) {
        if (commit) this.db.prepare(`DELETE FROM ${table} WHERE repo = ? AND commit_sha = ?`).run(repo, commit);
        else this.db.prepare(`DELETE FROM ${table} WHERE repo = ?`).run(repo);
      }
    })();
  }
}
