import type { ErrorDTO } from './errors';

/** What crosses IPC for a call: errors travel as data because Electron drops custom error fields. */
export type CallEnvelope = { ok: true; result: unknown } | { ok: false; error: ErrorDTO };

export interface EventMessage {
  name: string;
  payload: unknown;
}

/** The only object the preload script exposes to the window (as `window.modelCenter`). */
export interface ModelCenterBridge {
  call(method: string, input: unknown): Promise<CallEnvelope>;
  onEvent(listener: (message: EventMessage) => void): () => void;
  readonly methods: readonly string[];
  /** Desktop only: native file dialogs for bundles; each resolves to the chosen path, or null when cancelled. */
  readonly dialogs?: BundleDialogs;
}

export interface BundleDialogs {
  saveBundle(defaultName: string): Promise<string | null>;
  openBundle(): Promise<string | null>;
}

export const IPC_DIALOG_SAVE_BUNDLE = 'mc:dialog:save-bundle';
export const IPC_DIALOG_OPEN_BUNDLE = 'mc:dialog:open-bundle';

export const IPC_EVENT_CHANNEL = 'mc:event';
export const ipcMethodChannel = (method: string): string => `mc:${method}`;
