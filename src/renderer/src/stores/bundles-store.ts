import { create } from 'zustand';
import { BUNDLE_EXTENSIONS, type Compression, type ExportFileDTO, type JobDTO, type MethodInput, type StoreConfigDTO, type StoreEntryDTO } from '../../../shared/contract';
import { describeError, toErrorDTO } from '../../../shared/errors';
import { api } from '../api-client';

/** Jobs this area shows: bundle export/import and the model store's publish/pull. */
export const BUNDLE_JOB_KINDS = ['bundle-export', 'bundle-import', 'store-publish', 'store-pull'];

interface BundlesState {
  exports: ExportFileDTO[];
  store: StoreConfigDTO | null;
  published: StoreEntryDTO[] | null;
  busy: boolean;
  error: string | null;
  notice: string | null;
  /** A browser upload in flight. */
  upload: { name: string; sent: number; total: number } | null;
  load(): Promise<void>;
  /** Desktop: asks where to save; browser: into the data dir's exports folder, to download afterwards. */
  exportModels(models: string[], compression: Compression): Promise<void>;
  /** Desktop: asks which file (no argument); browser: uploads the chosen file, then the server imports it. */
  importBundle(file?: File): Promise<void>;
  download(name: string): Promise<void>;
  deleteExport(name: string): Promise<void>;
  configureStore(input: MethodInput<'store.configure'>): Promise<boolean>;
  loadPublished(): Promise<void>;
  publish(models: string[]): Promise<void>;
  pull(repo: string, revision: string): Promise<void>;
}

const message = (err: unknown): string => describeError(toErrorDTO(err));

/** Bundles and the model store: files and settings come from the core; job progress lives in the jobs store. */
export const useBundlesStore = create<BundlesState>((set, get) => {
  const act = async (work: () => Promise<string | null>): Promise<boolean> => {
    set({ busy: true, error: null, notice: null });
    try {
      const notice = await work();
      set({ busy: false, notice });
      return true;
    } catch (err) {
      set({ busy: false, error: message(err) });
      return false;
    }
  };
  const started = (job: JobDTO): string => `Started job ${job.id}: ${job.title}.`;
  return {
    exports: [],
    store: null,
    published: null,
    busy: false,
    error: null,
    notice: null,
    upload: null,
    async load() {
      try {
        const [exports, store] = await Promise.all([api().call('bundles.exports', {}), api().call('store.get', {})]);
        set({ exports, store });
      } catch (err) {
        set({ error: message(err) });
      }
    },
    async exportModels(models, compression) {
      await act(async () => {
        const dialogs = api().dialogs;
        let out: string | undefined;
        if (dialogs) {
          out = (await dialogs.saveBundle(`${(models[0] ?? 'models').replace(/@.*$/, '').replace(/\//g, '--')}${BUNDLE_EXTENSIONS[compression]}`)) ?? undefined;
          if (!out) return null;
        }
        return started(await api().call('bundles.export', { models, out, compression, overwrite: Boolean(out) }));
      });
    },
    async importBundle(file) {
      await act(async () => {
        const client = api();
        if (!file) {
          const path = await client.dialogs?.openBundle();
          return path ? started(await client.call('bundles.import', { file: path })) : null;
        }
        if (!client.uploadFile) throw new Error('This window cannot upload files.');
        set({ upload: { name: file.name, sent: 0, total: file.size } });
        try {
          const job = (await client.uploadFile(`/api/bundles/upload?name=${encodeURIComponent(file.name)}`, file, (sent, total) =>
            set({ upload: { name: file.name, sent, total } }),
          )) as JobDTO;
          return `Uploaded ${file.name}. ${started(job)}`;
        } finally {
          set({ upload: null });
        }
      });
    },
    async download(name) {
      await act(async () => {
        const { url } = await api().call('bundles.downloadTicket', { name });
        // A plain link: the browser streams the file to disk itself (a fetch would hold it all in memory).
        const a = document.createElement('a');
        a.href = url;
        a.download = name;
        document.body.appendChild(a);
        a.click();
        a.remove();
        return `Downloading ${name}.`;
      });
    },
    async deleteExport(name) {
      await act(async () => {
        await api().call('bundles.deleteExport', { name });
        await get().load();
        return `Deleted ${name}.`;
      });
    },
    configureStore: (input) =>
      act(async () => {
        set({ store: await api().call('store.configure', input) });
        return 'Model store settings saved.';
      }),
    async loadPublished() {
      await act(async () => {
        set({ published: await api().call('store.list', {}) });
        return null;
      });
    },
    async publish(models) {
      await act(async () => started(await api().call('store.publish', { models })));
    },
    async pull(repo, revision) {
      await act(async () => started(await api().call('store.pull', { repo, revision })));
    },
  };
});
