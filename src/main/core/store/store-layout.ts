import { repoFolderName } from '../hub/hf-cache';

/**
 * Keys in the bucket: the HF cache layout under a prefix, with a manifest per published commit where the cache
 * has its snapshot folder (S3 has no links):
 *   <prefix>/models--org--name/blobs/<etag>
 *   <prefix>/models--org--name/manifests/<commit>.json
 *   <prefix>/models--org--name/refs/<branch or tag>      (holds the commit)
 */
export function storeKey(prefix: string, ...parts: string[]): string {
  return [prefix.replace(/^\/+|\/+$/g, ''), ...parts].filter(Boolean).join('/');
}

export const blobKey = (prefix: string, repo: string, blob: string): string => storeKey(prefix, repoFolderName(repo), 'blobs', blob);
export const manifestKey = (prefix: string, repo: string, commit: string): string => storeKey(prefix, repoFolderName(repo), 'manifests', `${commit}.json`);
export const refKey = (prefix: string, repo: string, ref: string): string => storeKey(prefix, repoFolderName(repo), 'refs', ref);
