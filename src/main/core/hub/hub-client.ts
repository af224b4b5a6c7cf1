import { HubApiError, listFiles, modelInfo } from '@huggingface/hub';
import { AppError } from '../../../shared/errors';
import { safeBlobName, safeRepoPath } from './hf-cache';

export type HashAlgorithm = 'sha256' | 'git-sha1';

/** A file of a repo at one commit, with the checksum the Hub vouches for. */
export interface RemoteFile {
  path: string;
  size: number;
  /** The blob name in the cache (the etag): the LFS sha256, or the git blob sha1 for regular files. */
  blob: string;
  algorithm: HashAlgorithm;
}

export interface HubAccess {
  hubUrl: string;
  accessToken?: string;
  fetch: typeof fetch;
}

export function authHint(repo: string, hubUrl: string): string {
  return `Set HF_TOKEN (or run \`model-center configure --hf-token <token>\`) with a token that can read ${repo}, and accept the model's licence on ${hubUrl}/${repo}.`;
}

/** A Hub answer as an error a person can act on, naming the repo and, when it matters, the revision or file. */
export function hubError(err: unknown, ctx: { repo: string; hubUrl: string; revision?: string; file?: string; hasToken: boolean }): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof HubApiError) {
    const status = err.statusCode;
    // The Hub's own words (`{"error": …}`), without the URL @huggingface/hub appends to the message.
    const data: unknown = err.data;
    const said = typeof data === 'object' && data !== null && 'error' in data ? data.error : undefined;
    const text = typeof said === 'string' ? said : err.message.replace(/\. URL: .*$/s, '');
    if (status === 401 || status === 403) {
      if (/repository not found/i.test(text)) return notFound(ctx);
      return new AppError('HUB_AUTH', `${ctx.repo} needs ${ctx.hasToken ? 'a token with access' : 'a Hugging Face token'}: the Hub answered ${status} (gated or private model).`, {
        hint: authHint(ctx.repo, ctx.hubUrl),
      });
    }
    if (status === 404) return notFound(ctx, text);
    if (status >= 500 || status === 429) {
      return new AppError('HUB_UNAVAILABLE', `The Hub at ${ctx.hubUrl} answered ${status} for ${ctx.repo}.`, { hint: 'Try again later.' });
    }
    return new AppError('HUB_UNAVAILABLE', `The Hub at ${ctx.hubUrl} answered ${status} for ${ctx.repo}: ${text}`);
  }
  const msg = err instanceof Error ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}` : String(err);
  return new AppError('HUB_UNAVAILABLE', `Could not reach the Hub at ${ctx.hubUrl}: ${msg}`, {
    hint: 'Check the network, or HF_ENDPOINT / the hubEndpoint setting. Set HF_HUB_OFFLINE=1 to work from the cache only.',
  });
}

function notFound(ctx: { repo: string; hubUrl: string; revision?: string; file?: string; hasToken: boolean }, text = ''): AppError {
  if (ctx.file) return new AppError('HUB_NOT_FOUND', `${ctx.repo} has no file "${ctx.file}" at ${ctx.revision ?? 'main'}.`);
  if (ctx.revision && !/repository not found/i.test(text) && /\brev(ision)?\b|rev id/i.test(text)) {
    return new AppError('HUB_NOT_FOUND', `${ctx.repo} has no revision "${ctx.revision}".`, { hint: 'Use a branch, tag or commit sha that exists on the Hub.' });
  }
  return new AppError('HUB_NOT_FOUND', `There is no model "${ctx.repo}" on ${ctx.hubUrl}.`, {
    hint: `Check the spelling (org/name).${ctx.hasToken ? '' : ' If it is private, set HF_TOKEN or run `model-center configure --hf-token <token>`.'}`,
  });
}

/** The commit a revision (branch, tag or sha) points to now, and whether the repo is gated (downloads need a token). */
export async function resolveHead(access: HubAccess, repo: string, revision: string): Promise<{ commit: string; gated: boolean }> {
  try {
    const info = await modelInfo({ name: repo, revision, hubUrl: access.hubUrl, accessToken: access.accessToken, fetch: access.fetch, additionalFields: ['sha'] });
    if (typeof info.sha !== 'string' || !/^[0-9a-f]{40}$/.test(info.sha)) {
      throw new AppError('HUB_UNAVAILABLE', `The Hub at ${access.hubUrl} gave no commit sha for ${repo}@${revision}.`);
    }
    return { commit: info.sha, gated: Boolean(info.gated) };
  } catch (err) {
    throw hubError(err, { repo, revision, hubUrl: access.hubUrl, hasToken: Boolean(access.accessToken) });
  }
}

/** The commit a revision (branch, tag or sha) points to now: every later request is pinned to it. */
export async function resolveCommit(access: HubAccess, repo: string, revision: string): Promise<string> {
  return (await resolveHead(access, repo, revision)).commit;
}

export async function listRepoFiles(access: HubAccess, repo: string, commit: string): Promise<RemoteFile[]> {
  const out: RemoteFile[] = [];
  try {
    for await (const e of listFiles({ repo, revision: commit, recursive: true, hubUrl: access.hubUrl, accessToken: access.accessToken, fetch: access.fetch })) {
      if (e.type !== 'file') continue;
      const path = safeRepoPath(e.path);
      if (e.lfs) out.push({ path, size: e.lfs.size, blob: e.lfs.oid, algorithm: 'sha256' });
      else if (e.oid) out.push({ path, size: e.size, blob: e.oid, algorithm: 'git-sha1' });
    }
  } catch (err) {
    throw hubError(err, { repo, revision: commit, hubUrl: access.hubUrl, hasToken: Boolean(access.accessToken) });
  }
  for (const f of out) safeBlobName(f.blob, f.algorithm, f.path);
  return out;
}

export function resolveUrl(hubUrl: string, repo: string, commit: string, repoPath: string): string {
  return `${hubUrl}/${repo}/resolve/${commit}/${repoPath.split('/').map(encodeURIComponent).join('/')}`;
}
