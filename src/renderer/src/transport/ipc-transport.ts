import type { ModelCenterBridge } from '../../../shared/bridge';
import { AppError } from '../../../shared/errors';
import type { Transport } from './transport';

export function createIpcTransport(bridge: ModelCenterBridge): Transport {
  return {
    kind: 'ipc',
    async call(method, input) {
      const envelope = await bridge.call(method, input);
      if (!envelope.ok) throw AppError.fromDTO(envelope.error);
      return envelope.result;
    },
    subscribe: (listener) => bridge.onEvent(listener),
    dialogs: bridge.dialogs,
  };
}
