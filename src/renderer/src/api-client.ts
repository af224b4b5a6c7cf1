import type { EventName, EventPayload, MethodInput, MethodName, MethodOutput } from '../../shared/contract';
import type { Transport } from './transport/transport';

/** The typed face of the transport: pages call methods by name and get the contract's types back. */
export interface ApiClient {
  readonly transport: Transport['kind'];
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
  onConnection(listener: (connected: boolean) => void): () => void;
  uploadFile?: Transport['uploadFile'];
  dialogs?: Transport['dialogs'];
}

export function createApiClient(transport: Transport): ApiClient {
  return {
    transport: transport.kind,
    call: (method, input) => transport.call(method, input) as Promise<never>,
    on: (name, listener) =>
      transport.subscribe((m) => {
        if (m.name === name) listener(m.payload as never);
      }),
    onConnection: (listener) => transport.onConnection?.(listener) ?? (() => undefined),
    uploadFile: transport.uploadFile?.bind(transport),
    dialogs: transport.dialogs,
  };
}

let client: ApiClient | undefined;

export function setApiClient(c: ApiClient): void {
  client = c;
}

export function api(): ApiClient {
  if (!client) throw new Error('API client used before the transport was chosen');
  return client;
}
