import fs from 'node:fs';
import path from 'node:path';
import type { DetectDeleteResultDTO, DetectGroupDTO, DetectedModelDTO, MethodParsedInput } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CoreServices } from '../core-services';
import type { Handlers } from '../handlers';
import { ollamaConn, ollamaError, ollamaUnavailable } from '../ollama/ollama-client';
import { detectConfig, detectFolders, rootsFor } from './detect-models';
import { cacheAt, bytesOnlyIn } from './hf-blobs';
import { activeJobs, describeJob, jobsUsing } from './in-use';
import { detectOllama } from './ollama-detect';
import { ollamaBytesFreed } from './ollama-store-scan';
import { isSameOrInside, registrySources, registryUsersOf, type RegistrySource } from './registry-links';

type Input = MethodParsedInput<'detect.delete'>;

async function real(p: string): Promise<string> {
  return fs.promises.realpath(p).catch(() => path.resolve(p));
}

/**
 * The one rule every deletion of a folder obeys: the folder lies strictly inside one of the roots detection
 * scans for its source, both as written (`..` resolved) and with links resolved. A root itself is never removed.
 */
export async function assertInsideRoots(location: string, roots: string[], source: string): Promise<string> {
  if (!path.isAbsolute(location)) {
    throw new AppError('FORBIDDEN', `Refusing to delete "${location}": not an absolute path.`, { hint: 'Pass the location exactly as `model-center detect` shows it.' });
  }
  const resolved = path.resolve(location);
  const realLoc = await real(resolved);
  for (const root of roots) {
    const realRoot = await real(root);
    const inside = isSameOrInside(resolved, root) && isSameOrInside(realLoc, realRoot);
    if (!inside) continue;
    if (resolved === path.resolve(root) || realLoc === realRoot) {
      throw new AppError('FORBIDDEN', `Refusing to delete ${resolved}: it is a folder Model Center scans for ${source} models, not one model.`, {
        hint: 'Remove it from the Vosk folders setting (or MODEL_CENTER_VOSK_DIRS) and delete it by hand if you mean to.',
      });
    }
    return resolved;
  }
  throw new AppError('FORBIDDEN', `Refusing to delete ${resolved}: it is outside the folders Model Center scans for ${source} models.`, {
    hint: `Only models inside ${roots.join(', ')} can be deleted here.`,
  });
}

function pick(group: DetectGroupDTO, input: Input): DetectedModelDTO {
  const want = input.location ? path.resolve(input.location) : null;
  const found = group.models.filter((m) => m.name === input.name && (want === null || m.location === want || m.location === input.location));
  if (found.length === 0) {
    throw new AppError('MODEL_NOT_FOUND', `No ${group.source} model "${input.name}"${input.location ? ` at ${input.location}` : ''} was detected.`, {
      hint: 'Scan again (`model-center detect`) and use the name and location it shows.',
    });
  }
  const [first, second] = found;
  if (!first || second) {
    throw new AppError('CONFLICT', `"${input.name}" was found in ${found.length} places: ${found.map((m) => m.location).join(', ')}.`, { hint: 'Say which one with its location (--location).' });
  }
  return first;
}

/** Registry users that protect the model (or one HF revision of it): a current version or one in production. */
function protectors(users: RegistrySource[], m: DetectedModelDTO, revision: string | undefined): RegistrySource[] {
  const guarding = users.filter((u) => u.current !== null || u.production);
  if (!revision) return guarding;
  return guarding.filter((u) => {
    if (u.source.kind !== 'hub') return true;
    const rev = u.source.revision ?? 'main';
    const pinned = m.revisions.find((r) => r.commit === rev || r.refs.includes(rev) || (rev.length >= 7 && r.commit.startsWith(rev)));
    return pinned?.commit === revision;
  });
}

function inUse(what: string, why: string, hint: string): AppError {
  return new AppError('MODEL_IN_USE', `${what} cannot be deleted: ${why}.`, { hint });
}

/**
 * `detect.delete`: removes one model that detection found, after checking it is still there, lies inside a
 * scanned root, and nothing uses it (an active job, a registry model with a current or production version, or
 * Ollama having it loaded). `dryRun` returns what would go and the bytes freed, for the confirmation dialog.
 */
export async function deleteDetected(core: CoreServices, handlers: () => Handlers, input: Input): Promise<DetectDeleteResultDTO> {
  const config = detectConfig(core);
  const roots = rootsFor(config, input.source);
  const folderSource = input.source !== 'ollama';
  // A location that escapes the roots is refused before anything else is read.
  if (input.location && (folderSource || path.isAbsolute(input.location))) await assertInsideRoots(input.location, roots, input.source);
  if (input.revision && input.source !== 'huggingface') throw new AppError('INVALID_INPUT', 'Only Hugging Face cache entries have revisions to delete one by one.');

  const ollama = input.source === 'ollama' ? await detectOllama(config.env) : null;
  const group = ollama ? ollama.group : await detectFolders(config, input.source as Exclude<typeof input.source, 'ollama'>);
  const m = pick(group, input);
  const label = `${input.source} model ${m.name}${input.revision ? `@${input.revision.slice(0, 12)}` : ''}`;
  const onDisk = path.isAbsolute(m.location);
  if (folderSource) await assertInsideRoots(m.location, roots, input.source);

  const users = registryUsersOf(registrySources(core.db), input.source, m.name, m.location);
  const jobs = jobsUsing(core.db, activeJobs(core), { source: input.source, name: m.name, location: m.location, registryNames: users.map((u) => u.name) });
  const job = jobs[0];
  if (job) throw inUse(label, `${describeJob(job)} uses it`, `Wait for it to finish or cancel it: \`model-center cancel ${job.id}\`.`);
  const guard = protectors(users, m, input.revision)[0];
  if (guard) {
    const why = guard.production ? `registry model ${guard.name} has a production version` : `it is the source of registry model ${guard.name} (current version ${guard.current ?? ''})`;
    throw inUse(label, why, `Make another version current or archive it first (model-center versions ${guard.name}).`);
  }
  if (m.running) throw inUse(label, 'the Ollama server has it loaded in memory now', `Wait until it unloads, or run \`ollama stop ${m.name}\`.`);

  const removes: string[] = [];
  let bytesFreed = m.sizeBytes;
  if (input.source === 'ollama') {
    const storeRoot = roots.find((r) => onDisk && isSameOrInside(m.location, r));
    if (storeRoot) bytesFreed = (await ollamaBytesFreed(storeRoot, [m.name])).get(m.name) ?? 0;
    removes.push(`Ollama model ${m.name} (through the server at ${ollama?.server.host ?? ''}; blobs other models share stay)`);
  } else if (input.revision) {
    const rev = m.revisions.find((r) => r.commit === input.revision);
    if (!rev) throw new AppError('MODEL_NOT_FOUND', `${m.name} has no revision ${input.revision} in the cache.`, { hint: `Its revisions: ${m.revisions.map((r) => r.commit.slice(0, 12)).join(', ') || 'none'}.` });
    const others = m.revisions.filter((r) => r.commit !== input.revision).map((r) => r.commit);
    bytesFreed = (await bytesOnlyIn(cacheAt(m.location), [input.revision], others)).get(input.revision) ?? 0;
    removes.push(path.join(m.location, 'snapshots', input.revision));
    if (others.length === 0) removes.push(`${m.location} (its last revision)`);
  } else removes.push(m.location);

  const result: DetectDeleteResultDTO = { source: input.source, name: m.name, location: m.location, revision: input.revision ?? null, dryRun: input.dryRun, bytesFreed, removes };
  if (input.dryRun) return result;

  if (input.source === 'ollama') {
    if (!ollama?.server.running) throw ollamaUnavailable(ollama?.server.host ?? '');
    const { host, client } = ollamaConn(config.env);
    try {
      await client.delete({ model: m.name });
    } catch (err) {
      throw ollamaError(err, host, m.name);
    }
  } else if (input.source === 'huggingface' && !/^(datasets|spaces)\//.test(m.name)) {
    // A model repo: through hub.delete, so the downloads table forgets it too and refs of the commit go with it.
    result.bytesFreed = (await handlers()['hub.delete']({ repo: m.name, revision: input.revision })).bytesFreed;
  } else {
    if (input.revision) throw new AppError('INVALID_INPUT', `Deleting one revision is supported for model repos only; ${m.name} is not one.`, { hint: 'Delete the whole repo instead.' });
    await fs.promises.rm(m.location, { recursive: true, force: true });
  }
  core.log.info(`deleted ${label} (${m.location}), ${result.bytesFreed} bytes freed`);
  return result;
}
