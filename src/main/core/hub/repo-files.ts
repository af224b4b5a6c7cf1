import { VARIANTS, type RepoFilesDTO } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CoreServices } from '../core-services';
import { hubAccess } from './download-job';
import { authHint, listRepoFiles, resolveHead, type RemoteFile } from './hub-client';
import { selectFiles, variantModel } from './select-files';

const SENTENCE_TRANSFORMERS_MARKERS = ['modules.json', 'sentence_bert_config.json'];

/** Per variant, the files `download --variant` would fetch: the same choice, so the sizes shown are the sizes fetched. */
export function variantPlans(repo: string, files: RemoteFile[]): RepoFilesDTO['variants'] {
  return VARIANTS.map((variant) => {
    if (!variantModel(files, variant)) return { variant, files: [], bytes: 0, available: false };
    const chosen = selectFiles(repo, files, variant, []);
    return { variant, files: chosen.map((f) => f.path), bytes: chosen.reduce((s, f) => s + f.size, 0), available: true };
  });
}

/** What a repo holds at a revision, read from two Hub API calls (model info, tree); nothing is downloaded. */
export async function lookupRepoFiles(core: CoreServices, repo: string, revision: string): Promise<RepoFilesDTO> {
  if (core.offline) {
    throw new AppError('HUB_OFFLINE', `Cannot look up ${repo}: HF_HUB_OFFLINE is set, so Model Center does not use the network.`, {
      hint: 'Unset HF_HUB_OFFLINE (or set it to 0) to look models up; `model-center downloads` lists what is already in the cache.',
    });
  }
  const access = hubAccess(core);
  const head = await resolveHead(access, repo, revision);
  // The Hub lists a gated repo's files to anyone but serves them only with a token: say so now, not at download.
  if (head.gated && !access.accessToken) {
    throw new AppError('HUB_AUTH', `${repo} is gated: downloading it needs a Hugging Face token.`, { hint: authHint(repo, access.hubUrl) });
  }
  const files = await listRepoFiles(access, repo, head.commit);
  return {
    repo,
    revision,
    commit: head.commit,
    files: files.map((f) => ({ path: f.path, size: f.size, lfs: f.algorithm === 'sha256' })),
    variants: variantPlans(repo, files),
    sentenceTransformers: files.some((f) => SENTENCE_TRANSFORMERS_MARKERS.includes(f.path)),
  };
}
