import type { BundleDialogs, EventMessage } from '../../../shared/bridge';

/** How the window reaches the core: IPC inside Electron, HTTP + SSE in a browser. Same pages either way. */
export interface Transport {
  readonly kind: 'ipc' | 'http';
  call(method: string, input: unknown): Promise<unknown>;
  subscribe(listener: (message: EventMessage) => void): () => void;
  /** Live connection state for the event stream (HTTP reconnects; IPC is always up). */
  onConnection?(listener: (connected: boolean) => void): () => void;
  /** HTTP only: streams a file as a request body to one of the server's byte routes (bundle upload), with progress. */
  uploadFile?(route: string, file: File, onProgress: (sent: number, total: number) => void): Promise<unknown>;
  /** IPC only: the desktop's native file dialogs. */
  dialogs?: BundleDialogs;
}
