import type { ModelCenterBridge } from '../../../shared/bridge';
import { createHttpTransport } from './http-transport';
import { createIpcTransport } from './ipc-transport';
import type { Transport } from './transport';

const TOKEN_KEY = 'model-center.token';

declare global {
  interface Window {
    modelCenter?: ModelCenterBridge;
  }
}

/**
 * IPC when the preload bridge is there (Electron); else HTTP with the token from the URL fragment
 * (`#token=…`, never sent to a server), remembered for this tab only.
 */
export function pickTransport(): Transport | undefined {
  if (window.modelCenter) return createIpcTransport(window.modelCenter);
  const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? createHttpTransport(token) : undefined;
}

export function rememberToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token.trim());
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}
