import type { z } from 'zod';
import type { ContractShape, MethodName, MethodOutput, MethodParsedInput } from '../../shared/contract';

export type Handler<M extends MethodName> = (input: MethodParsedInput<M>) => Promise<MethodOutput<M>> | MethodOutput<M>;

/** One handler per method of the contract: the compiler refuses a core that forgets one. */
export type Handlers = { [M in MethodName]: Handler<M> };

/** The handlers of one domain's slice of the contract. */
export type DomainHandlers<C extends ContractShape> = {
  [M in keyof C]: (input: z.output<C[M]['input']>) => Promise<z.output<C[M]['output']>> | z.output<C[M]['output']>;
};
