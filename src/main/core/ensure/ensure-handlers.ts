import { parseRequiredRef, type DetectResultDTO, type EnsureItemDTO, type cleanupContract, type ensureContract, type recommendedContract, type RequiredRef } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CoreServices } from '../core-services';
import path from 'node:path';
import { detectConfig, detectModels } from '../detect/detect-models';
import { ollamaStoreRoots } from '../detect/detect-roots';
import { resolveVoskModel } from '../vosk/vosk-catalogue';
import { activeVoskInstall } from '../vosk/vosk-install-job';
import { ollamaKey } from '../ollama/ollama-client';
import type { DomainHandlers, Handlers } from '../handlers';
import type { HubStore } from '../hub/hub-store';
import { cleanup } from './cleanup';
import { recommended } from './recommended';

function models(detected: DetectResultDTO, source: string): DetectResultDTO['groups'][number]['models'] {
  return detected.groups.find((g) => g.source === source)?.models ?? [];
}

/** Whether a ref is already complete on this machine: detection for Ollama and Vosk, our hub table (+ the HF cache) for the Hub. */
async function isPresent(ref: RequiredRef, detected: DetectResultDTO, handlers: Handlers): Promise<boolean> {
  if (ref.kind === 'ollama') {
    const want = ollamaKey(ref.name);
    return models(detected, 'ollama').some((m) => m.complete && ollamaKey(m.name) === want);
  }
  if (ref.kind === 'vosk') return models(detected, 'vosk').some((m) => m.complete && m.name === ref.name);
  const status = await handlers['hub.status']({ repo: ref.repo });
  const d = status.downloaded;
  if (status.present && d && (ref.revision === 'main' || d.revision === ref.revision || d.commit.startsWith(ref.revision))) return true;
  return models(detected, 'huggingface').some(
    (m) =>
      m.complete &&
      m.name === ref.repo &&
      m.revisions.some((r) => r.refs.includes(ref.revision) || (ref.revision.length >= 7 && r.commit.startsWith(ref.revision))),
  );
}

async function start(core: CoreServices, ref: RequiredRef, handlers: Handlers): Promise<number> {
  if (ref.kind === 'ollama') return (await handlers['ollama.pull']({ name: ref.name })).id;
  if (ref.kind === 'vosk') {
    // An install of it already under way is that model's job: followed, and resumed when it was stopped.
    const { name } = resolveVoskModel(ref.url ?? ref.name, core.env);
    const busy = activeVoskInstall(core, name);
    if (busy) return busy.state === 'paused' || busy.state === 'interrupted' ? (await handlers['jobs.resume']({ id: busy.id })).id : busy.id;
    // A name resolves through the Vosk catalogue (else the official models folder); the model is registered too.
    return (await handlers['vosk.install']({ model: ref.url ?? ref.name, register: true })).id;
  }
  return (await handlers['hub.download']({ repo: ref.repo, revision: ref.revision, variant: 'fp32', include: [] })).id;
}

function message(err: unknown): string {
  if (err instanceof AppError) return err.hint ? `${err.message} (${err.hint})` : err.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * `models.ensure`: detect, then start one job per missing model. Jobs are only enqueued here; the job runner runs
 * them under its concurrency limit, so a long list never floods the network or the Ollama server.
 */
export function createEnsureHandlers(
  core: CoreServices,
  hubStore: HubStore,
  handlers: () => Handlers,
): DomainHandlers<typeof ensureContract & typeof recommendedContract & typeof cleanupContract> {
  return {
    'models.ensure': async ({ refs, dryRun }) => {
      const list = refs ?? core.settings.values().requiredModels;
      const detected = await detectModels(detectConfig(core));
      const items: EnsureItemDTO[] = [];
      const seen = new Set<string>();
      for (const text of list) {
        const ref = parseRequiredRef(text);
        if (typeof ref === 'string') {
          items.push({ ref: text, present: false, action: 'failed', error: ref });
          continue;
        }
        if (seen.has(ref.ref)) continue;
        seen.add(ref.ref);
        let present = false;
        try {
          present = await isPresent(ref, detected, handlers());
        } catch (err) {
          items.push({ ref: ref.ref, present: false, action: 'failed', error: message(err) });
          continue;
        }
        if (present || dryRun) {
          items.push({ ref: ref.ref, present, action: 'none' });
          continue;
        }
        try {
          const jobId = await start(core, ref, handlers());
          core.log.info(`ensure ${ref.ref}: job ${jobId}`);
          items.push({ ref: ref.ref, present, action: 'started', jobId });
        } catch (err) {
          items.push({ ref: ref.ref, present, action: 'failed', error: message(err) });
        }
      }
      return { dryRun, items };
    },
    'models.recommended': async () => {
      const detected = await detectModels(detectConfig(core));
      const dirs = { huggingface: core.settings.values().hubCacheDir, ollama: ollamaStoreRoots(core.env)[0] ?? core.dataDir, vosk: path.join(core.dataDir, 'vosk') };
      return recommended(core.env, dirs, async (text) => {
        const ref = parseRequiredRef(text);
        return typeof ref !== 'string' && (await isPresent(ref, detected, handlers()));
      });
    },
    'models.cleanup': (input) => cleanup(core, hubStore, handlers(), input),
  };
}
