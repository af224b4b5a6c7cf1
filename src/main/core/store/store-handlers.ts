import type { bundlesContract, StoreEntryDTO } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { checkManifest } from '../bundles/bundle-manifest';
import { planExport } from '../bundles/export-plan';
import type { CoreServices } from '../core-services';
import type { DomainHandlers } from '../handlers';
import type { HubStore } from '../hub/hub-store';
import { openObjectStore } from './object-store';
import { PUBLISH_JOB } from './publish-job';
import { PULL_JOB } from './pull-job';
import type { StoreConfig } from './store-config';
import { storeKey } from './store-layout';

type StoreHandlers = Pick<DomainHandlers<typeof bundlesContract>, `store.${string}` & keyof typeof bundlesContract>;

function activeJob(core: CoreServices, kind: string, match: (p: Record<string, unknown>) => boolean): number | undefined {
  return core.jobStore.list({ states: ['queued', 'running'], kind, limit: 1000 }).find((j) => match(j.params))?.id;
}

export function createStoreHandlers(core: CoreServices, hubStore: HubStore, config: StoreConfig): StoreHandlers {
  return {
    'store.get': () => config.view(),
    'store.configure': (input) => {
      const view = config.update(input);
      const changed = Object.keys(input).filter((k) => k !== 'accessKeyId' && k !== 'secretAccessKey');
      core.log.info(`model store settings changed: ${[...changed, ...(input.accessKeyId ? ['keys'] : [])].join(', ') || 'nothing'}`);
      return view;
    },
    'store.list': async () => {
      const cfg = config.resolve();
      const store = await openObjectStore(cfg, core.env);
      const root = cfg.prefix ? `${storeKey(cfg.prefix)}/` : '';
      // One listing of the prefix (no Delimiter: some S3-compatible servers get common prefixes wrong).
      const { keys } = await store.list(root);
      const refTargets = new Map<string, string[]>();
      for (const r of keys.filter((k) => /^models--[^/]+\/refs\//.test(k.key.slice(root.length)))) {
        const [folder, , ...ref] = r.key.slice(root.length).split('/');
        const commit = (await store.getText(r.key))?.trim() ?? '';
        const id = `${folder}\0${commit}`;
        refTargets.set(id, [...(refTargets.get(id) ?? []), ref.join('/')]);
      }
      const out: StoreEntryDTO[] = [];
      for (const k of keys.filter((x) => /^models--[^/]+\/manifests\/[0-9a-f]{40}\.json$/.test(x.key.slice(root.length)))) {
        const text = await store.getText(k.key);
        if (text === null) continue;
        const folder = k.key.slice(root.length).split('/')[0];
        try {
          const manifest = checkManifest(text);
          for (const m of manifest.models) {
            out.push({ repo: m.repo, commit: m.commit, refs: (refTargets.get(`${folder}\0${m.commit}`) ?? []).sort(), files: m.files.length, sizeBytes: m.sizeBytes, createdAt: manifest.createdAt, registry: manifest.registry.map((r) => r.name) });
          }
        } catch {
          core.log.warn(`skipped an unreadable manifest in the store: ${k.key}`);
        }
      }
      return out.sort((a, b) => a.repo.localeCompare(b.repo) || b.createdAt.localeCompare(a.createdAt));
    },
    'store.publish': async ({ models }) => {
      config.resolve();
      await planExport(core, hubStore, models);
      return core.jobs.start(PUBLISH_JOB, { models });
    },
    'store.pull': ({ repo, revision }) => {
      config.resolve();
      const busy = activeJob(core, PULL_JOB, (p) => String(p.repo).toLowerCase() === repo.toLowerCase());
      if (busy !== undefined) {
        throw new AppError('MODEL_IN_USE', `${repo} is already being pulled by job ${busy}.`, { hint: `Follow it with \`model-center jobs show ${busy}\`.` });
      }
      return core.jobs.start(PULL_JOB, { repo, revision });
    },
  };
}
