import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { IPC_EVENT_CHANNEL, ipcMethodChannel, type CallEnvelope } from '../../shared/bridge';
import { METHOD_NAMES } from '../../shared/contract';
import { toErrorDTO } from '../../shared/errors';
import type { Core } from '../core/create-core';
import { CoalesceByKey } from '../core/events/coalesce-by-key';

const SETTLED = new Set(['cancelled', 'failed', 'done', 'paused', 'interrupted']);

/**
 * Serves every contract method over `ipcMain.handle` and pushes core events to the window, job updates
 * coalesced to ~10 a second per job. Calls from any frame but our own window's are refused.
 */
export function bindContractToIpc(core: Core, isTrusted: (event: IpcMainInvokeEvent) => boolean, target: () => WebContents | undefined): () => void {
  for (const method of METHOD_NAMES) {
    ipcMain.handle(ipcMethodChannel(method), async (event, input: unknown): Promise<CallEnvelope> => {
      if (!isTrusted(event)) {
        return { ok: false, error: { code: 'FORBIDDEN', message: 'This frame may not call Model Center.', retryable: false } };
      }
      try {
        return { ok: true, result: await core.call(method, input) };
      } catch (err) {
        return { ok: false, error: toErrorDTO(err) };
      }
    });
  }
  const send = (name: string, payload: unknown): void => {
    const wc = target();
    if (wc && !wc.isDestroyed()) wc.send(IPC_EVENT_CHANNEL, { name, payload });
  };
  const jobs = new CoalesceByKey<unknown>(100, (payload) => send('job.updated', payload));
  const off = core.bus.onAny((name, payload) => {
    if (name === 'job.updated') {
      const job = payload as { id: number; state: string };
      jobs.push(String(job.id), payload, SETTLED.has(job.state));
    } else send(name, payload);
  });
  return () => {
    off();
    jobs.dispose();
    for (const method of METHOD_NAMES) ipcMain.removeHandler(ipcMethodChannel(method));
  };
}
