import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_DIALOG_OPEN_BUNDLE, IPC_DIALOG_SAVE_BUNDLE, IPC_EVENT_CHANNEL, ipcMethodChannel, type EventMessage, type ModelCenterBridge } from '../shared/bridge';
import { METHOD_NAMES } from '../shared/contract';

const allowed = new Set<string>(METHOD_NAMES);

/** Exactly the contract: one call per known method and the event stream; no ipcRenderer, no Node. */
const bridge = {
  methods: [...METHOD_NAMES],
  call(method, input) {
    if (!allowed.has(method)) {
      return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_METHOD', message: `Unknown method "${method}".`, retryable: false } });
    }
    return ipcRenderer.invoke(ipcMethodChannel(method), input);
  },
  onEvent(listener) {
    const handler = (_e: IpcRendererEvent, message: EventMessage): void => listener(message);
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.off(IPC_EVENT_CHANNEL, handler);
    };
  },
  dialogs: {
    saveBundle: (defaultName: string) => ipcRenderer.invoke(IPC_DIALOG_SAVE_BUNDLE, String(defaultName)) as Promise<string | null>,
    openBundle: () => ipcRenderer.invoke(IPC_DIALOG_OPEN_BUNDLE) as Promise<string | null>,
  },
} satisfies ModelCenterBridge;

contextBridge.exposeInMainWorld('modelCenter', bridge);
