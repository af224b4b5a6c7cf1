import { shortRevision, UpstreamModelSchema, type UpstreamModelDTO, type UpstreamReportDTO, type upstreamContract } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { z } from 'zod';
import type { CoreServices } from '../core-services';
import type { DomainHandlers } from '../handlers';
import { DOWNLOAD_JOB, hubAccess, offlineError } from '../hub/download-job';
import type { HubStore } from '../hub/hub-store';
import { ollamaConn, ollamaError, ollamaStoreName } from '../ollama/ollama-client';
import { OLLAMA_PULL_JOB } from '../ollama/ollama-pull-job';
import { findModel } from '../registry/model-store';
import { parseVersion } from '../registry/semver';
import { listVersionRows, registerVersion } from '../registry/version-store';
import { describeChanges } from './file-diff';
import { checkOllamaUpstream, trackedOllamaModels, type TrackedOllamaModel } from './ollama-upstream';
import { checkUpstream, EMPTY, trackedModels, type TrackedModel } from './upstream-check';

type Registered = z.infer<(typeof upstreamContract)['upstream.finishUpdate']['output']>;
type UpdateStarted = z.infer<(typeof upstreamContract)['upstream.update']['output']>;

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

/** What a check covers: Hub repo branches and Ollama tags. */
interface Selection {
  hf: TrackedModel[];
  ollama: TrackedOllamaModel[];
}

export function createUpstreamHandlers(core: CoreServices, hubStore: HubStore): DomainHandlers<typeof upstreamContract> & { stop(): void } {
  const { db } = core;

  const tracked = (): Promise<TrackedModel[]> => trackedModels(db, hubStore, core.settings.values().hubCacheDir);

  const select = async (names: string[] | undefined): Promise<Selection> => {
    const all: Selection = { hf: await tracked(), ollama: await trackedOllamaModels(core.env, db) };
    if (!names?.length) return all;
    const inRegistry = (models: string[], n: string): boolean => models.includes(n.toLowerCase()) || models.includes(findModel(db, n)?.name ?? '\0');
    const isHf = (t: TrackedModel, n: string): boolean => !/^ollama:/i.test(n) && (n === t.repo || inRegistry(t.registryModels, n));
    const isOllama = (t: TrackedOllamaModel, n: string): boolean => t.name === ollamaStoreName(n) || inRegistry(t.registryModels, n);
    const picked: Selection = { hf: all.hf.filter((t) => names.some((n) => isHf(t, n))), ollama: all.ollama.filter((t) => names.some((n) => isOllama(t, n))) };
    const unknown = names.filter((n) => !picked.hf.some((t) => isHf(t, n)) && !picked.ollama.some((t) => isOllama(t, n)));
    if (unknown.length) {
      throw new AppError('MODEL_NOT_FOUND', `Nothing downloaded or registered from the Hub, and no Ollama model, matches ${unknown.map((n) => `"${n}"`).join(', ')}.`, {
        hint: 'Name a repo downloaded with model-center download (see model-center downloads), an Ollama model as ollama:<name>:<tag> (see model-center detect), or a registry model whose source is one of them.',
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
    const picked = await select(names);
    // One at a time: a handful of small listing calls per model, and the Hub rate-limits bursts.
    for (const t of picked.hf) {
      const r = await checkUpstream(access, t, now);
      save(r);
      models.push(r);
    }
    // One manifest request per tag; a registry that is down makes each one "unreachable", not a retry.
    for (const t of picked.ollama) {
      const r = await checkOllamaUpstream(core.env, t, now);
      save(r);
      models.push(r);
    }
    return { checkedAt: now, models };
  };

  const last = (): UpstreamReportDTO => {
    const rows = db.prepare('SELECT report, checked_at FROM upstream_checks ORDER BY repo, branch').all() as Array<{ report: string; checked_at: string }>;
    // Parsed, not cast: reports saved before Ollama tags were followed have no source (they are Hub ones).
    const models = rows.map((r) => UpstreamModelSchema.parse(JSON.parse(r.report)));
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
    const pulled = job.kind === OLLAMA_PULL_JOB && job.state === 'done' ? job.params.name : undefined;
    if (typeof pulled === 'string') {
      afterPull(ollamaStoreName(pulled)).catch((err: unknown) => core.log.child('upstream').warn(`after the pull of ${pulled}: ${(err as Error).message}`));
    }
  });
  for (const r of db.prepare("SELECT job_id FROM upstream_updates WHERE state = 'pending'").all() as Array<{ job_id: number }>) {
    try {
      finish(r.job_id);
    } catch {
      /* a job row pruned by hand: left pending, shown as such */
    }
  }

  /** Ollama keeps one manifest per tag and fetches only layers it lacks: the update is its own pull of the tag. */
  const updateOllama = async (t: TrackedOllamaModel): Promise<UpdateStarted> => {
    const r = await checkOllamaUpstream(core.env, t);
    save(r);
    if (r.status !== 'outdated' || !r.headCommit) {
      return { repo: t.name, started: false, job: null, check: r, message: r.status === 'up-to-date' ? `${t.name} is up to date.` : r.message };
    }
    // Asked before the job starts, so a stopped server is this call's error rather than a failed job to find later.
    const { host, client } = ollamaConn(core.env);
    try {
      await client.version();
    } catch (err) {
      throw ollamaError(err, host);
    }
    const job = core.jobs.start(OLLAMA_PULL_JOB, { name: t.name });
    core.log.info(`upstream update: ollama pull ${t.name} (${shortRevision(r, t.local.digest)} → ${shortRevision(r, r.headCommit)})`);
    return {
      repo: t.name,
      started: true,
      job,
      check: r,
      message: `Ollama is pulling ${t.name} at ${shortRevision(r, r.headCommit)} (job ${job.id}): it downloads only the changed layers and replaces the tag in place.`,
    };
  };

  /**
   * After a pull of a tag that the last check found outdated: when the store now holds the manifest the registry
   * had, the saved report says so (no network needed), so the badge does not keep showing an update already made.
   */
  const afterPull = async (name: string): Promise<void> => {
    const row = db.prepare('SELECT report FROM upstream_checks WHERE repo = ?').get(name) as { report: string } | undefined;
    const saved = row ? UpstreamModelSchema.parse(JSON.parse(row.report)) : null;
    if (saved?.source !== 'ollama' || saved.status !== 'outdated') return;
    const now = (await trackedOllamaModels(core.env, db)).find((t) => t.name === saved.repo);
    if (!now || now.local.digest !== saved.headCommit) return;
    save({ ...saved, pinnedCommit: now.local.digest, status: 'up-to-date', changes: EMPTY(), affectsDownloaded: false, message: `${saved.repo} was pulled at ${shortRevision(saved, now.local.digest)}, the registry's tag when last checked` });
  };

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
      const picked = await select([model]);
      const t = picked.hf[0];
      if (!t) return updateOllama(picked.ollama[0]!);
      const r = await checkUpstream(hubAccess(core), t);
      save(r);
      if (r.status !== 'outdated' || !r.headCommit) {
        return { repo: t.repo, started: false, job: null, check: r, message: r.status === 'up-to-date' ? `${t.repo} is up to date.` : r.message };
      }
      const job = core.jobs.start(DOWNLOAD_JOB, { repo: t.repo, revision: r.headCommit, variant: t.variant, include: [] });
      db.prepare('INSERT INTO upstream_updates (job_id, repo, branch, from_commit, commit_sha, summary, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        job.id,
        t.repo,
        t.branch,
        t.pinnedCommit,
        r.headCommit,
        describeChanges(r.changes),
        'pending',
        new Date().toISOString(),
      );
      return { repo: t.repo, started: true, job, check: r, message: `Downloading the changed files of ${t.repo} at ${r.headCommit.slice(0, 10)} (job ${job.id}); unchanged files are reused from the cache.` };
    },
    'upstream.finishUpdate': ({ jobId }) => finish(jobId),
    stop() {
      offJobs();
      if (timer) clearInterval(timer);
    },
  };
}
