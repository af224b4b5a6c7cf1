import type { UpstreamModelDTO, UpstreamReportDTO, upstreamContract } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { z } from 'zod';
import type { CoreServices } from '../core-services';
import type { DomainHandlers } from '../handlers';
import { DOWNLOAD_JOB, hubAccess, offlineError } from '../hub/download-job';
import type { HubStore } from '../hub/hub-store';
import { findModel } from '../registry/model-store';
import { parseVersion } from '../registry/semver';
import { listVersionRows, registerVersion } from '../registry/version-store';
import { describeChanges } from './file-diff';
import { checkUpstream, trackedModels, type TrackedModel } from './upstream-check';

type Registered = z.infer<(typeof upstreamContract)['upstream.finishUpdate']['output']>;

interface UpdateRow {
  job_id: number;
  repo: string;
  branch: string;
  from_commit: string;
  commit_sha: string;
  summary: string;
  state: 'pending' | 'registered' | 'failed';
  registered: string;
  message: string;
}

const HOUR = 3_600_000;

export function createUpstreamHandlers(core: CoreServices, hubStore: HubStore): DomainHandlers<typeof upstreamContract> & { stop(): void } {
  const { db } = core;

  const tracked = (): Promise<TrackedModel[]> => trackedModels(db, hubStore, core.settings.values().hubCacheDir);

  const select = async (names: string[] | undefined): Promise<TrackedModel[]> => {
    const all = await tracked();
    if (!names?.length) return all;
    const picked = all.filter((t) => names.some((n) => n === t.repo || t.registryModels.includes(n.toLowerCase()) || t.registryModels.includes(findModel(db, n)?.name ?? '\0')));
    const unknown = names.filter((n) => !picked.some((t) => t.repo === n || t.registryModels.includes(findModel(db, n)?.name ?? n.toLowerCase())));
    if (unknown.length) {
      throw new AppError('MODEL_NOT_FOUND', `Nothing downloaded or registered from the Hub matches ${unknown.map((n) => `"${n}"`).join(', ')}.`, {
        hint: 'Name a repo downloaded with model-center download (see model-center downloads) or a registry model whose source is a Hub repo.',
      });
    }
    return picked;
  };

  const save = (r: UpstreamModelDTO): void => {
    db.prepare(
      `INSERT INTO upstream_checks (repo, branch, report, checked_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(repo, branch) DO UPDATE SET report = excluded.report, checked_at = excluded.checked_at`,
    ).run(r.repo, r.branch, JSON.stringify(r), r.checkedAt);
  };

  const check = async (names?: string[]): Promise<UpstreamReportDTO> => {
    if (core.offline) throw offlineError(names?.[0] ?? 'the models');
    const now = new Date().toISOString();
    const access = hubAccess(core);
    const models: UpstreamModelDTO[] = [];
    // One at a time: a handful of small listing calls per model, and the Hub rate-limits bursts.
    for (const t of await select(names)) {
      const r = await checkUpstream(access, t, now);
      save(r);
      models.push(r);
    }
    return { checkedAt: now, models };
  };

  const last = (): UpstreamReportDTO => {
    const rows = db.prepare('SELECT report, checked_at FROM upstream_checks ORDER BY repo, branch').all() as Array<{ report: string; checked_at: string }>;
    const models = rows.map((r) => JSON.parse(r.report) as UpstreamModelDTO);
    return { checkedAt: rows.reduce<string | null>((m, r) => (m === null || r.checked_at > m ? r.checked_at : m), null), models };
  };

  const finish = (jobId: number): Registered => {
    const row = db.prepare('SELECT * FROM upstream_updates WHERE job_id = ?').get(jobId) as UpdateRow | undefined;
    if (!row) throw new AppError('JOB_NOT_FOUND', `Job ${jobId} is not an upstream update.`);
    const out = (r: UpdateRow): Registered => ({
      jobId: r.job_id,
      repo: r.repo,
      commit: r.commit_sha,
      registered: JSON.parse(r.registered) as string[],
      state: r.state,
      message: r.message,
    });
    if (row.state !== 'pending') return out(row);
    const job = core.jobStore.get(jobId);
    if (!job || job.state === 'failed' || job.state === 'cancelled') {
      db.prepare("UPDATE upstream_updates SET state = 'failed', message = ? WHERE job_id = ?").run(`the download ended ${job?.state ?? 'missing'}; nothing was registered`, jobId);
      return out(db.prepare('SELECT * FROM upstream_updates WHERE job_id = ?').get(jobId) as UpdateRow);
    }
    if (job.state !== 'done') return out(row);
    const registered: string[] = [];
    const source = { kind: 'hub' as const, repoId: row.repo, revision: row.commit_sha };
    db.transaction(() => {
      const models = (db.prepare('SELECT * FROM registry_models').all() as Array<{ id: number; name: string; source: string | null }>).filter((m) => {
        if (!m.source) return false;
        const s = JSON.parse(m.source) as { kind?: string; repoId?: string };
        return s.kind === 'hub' && s.repoId === row.repo;
      });
      for (const m of models) {
        const model = findModel(db, m.name)!;
        const versions = listVersionRows(db, m.id);
        if (versions.some((v) => v.source && (JSON.parse(v.source) as { revision?: string }).revision === row.commit_sha)) continue;
        const top = versions[0] ? parseVersion(versions[0].version).version : null;
        const next = top ? `${top.major}.${top.minor}.${top.patch + 1}` : '1.0.0';
        registerVersion(db, model, { version: next, status: 'development', description: `upstream ${row.branch}: ${row.from_commit.slice(0, 10)} → ${row.commit_sha.slice(0, 10)} (${row.summary})`, source });
        registered.push(`${m.name}@${next}`);
      }
      const message = registered.length ? `registered ${registered.join(', ')} in development; the current versions keep serving` : 'downloaded; no registry model uses this repo';
      db.prepare("UPDATE upstream_updates SET state = 'registered', registered = ?, message = ? WHERE job_id = ?").run(JSON.stringify(registered), message, jobId);
    })();
    if (registered.length) core.bus.emit('registry.changed', { model: null, action: 'upstream-update' });
    return out(db.prepare('SELECT * FROM upstream_updates WHERE job_id = ?').get(jobId) as UpdateRow);
  };

  // Register as soon as an update's download ends in this process, and catch up on ones that ended elsewhere.
  const offJobs = core.bus.on('job.updated', (job) => {
    if (job.kind === DOWNLOAD_JOB && (job.state === 'done' || job.state === 'failed' || job.state === 'cancelled')) {
      if (db.prepare("SELECT 1 FROM upstream_updates WHERE job_id = ? AND state = 'pending'").get(job.id)) finish(job.id);
    }
  });
  for (const r of db.prepare("SELECT job_id FROM upstream_updates WHERE state = 'pending'").all() as Array<{ job_id: number }>) {
    try {
      finish(r.job_id);
    } catch {
      /* a job row pruned by hand: left pending, shown as such */
    }
  }

  // The periodic check: off unless upstreamCheckHours > 0, only in long-running processes, never offline.
  let timer: NodeJS.Timeout | null = null;
  if (core.surface === 'server' || core.surface === 'electron') {
    timer = setInterval(() => {
      const hours = core.settings.values().upstreamCheckHours;
      if (hours <= 0 || core.offline) return;
      const lastAt = last().checkedAt;
      if (lastAt && Date.now() - Date.parse(lastAt) < hours * HOUR) return;
      check().catch((err: unknown) => core.log.child('upstream').warn(`periodic upstream check failed: ${(err as Error).message}`));
    }, 5 * 60_000);
    timer.unref();
  }

  return {
    'upstream.check': ({ models }) => check(models),
    'upstream.last': () => last(),
    'upstream.update': async ({ model }) => {
      if (core.offline) throw offlineError(model);
      const [t] = await select([model]);
      const r = await checkUpstream(hubAccess(core), t!);
      save(r);
      if (r.status !== 'outdated' || !r.headCommit) {
        return { repo: t!.repo, started: false, job: null, check: r, message: r.status === 'up-to-date' ? `${t!.repo} is up to date.` : r.message };
      }
      const job = core.jobs.start(DOWNLOAD_JOB, { repo: t!.repo, revision: r.headCommit, variant: t!.variant, include: [] });
      db.prepare('INSERT INTO upstream_updates (job_id, repo, branch, from_commit, commit_sha, summary, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        job.id,
        t!.repo,
        t!.branch,
        t!.pinnedCommit,
        r.headCommit,
        describeChanges(r.changes),
        'pending',
        new Date().toISOString(),
      );
      return { repo: t!.repo, started: true, job, check: r, message: `Downloading the changed files of ${t!.repo} at ${r.headCommit.slice(0, 10)} (job ${job.id}); unchanged files are reused from the cache.` };
    },
    'upstream.finishUpdate': ({ jobId }) => finish(jobId),
    stop() {
      offJobs();
      if (timer) clearInterval(timer);
    },
  };
}
