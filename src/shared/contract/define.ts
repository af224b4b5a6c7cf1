import type { z } from 'zod';

/**
 * A method of the contract. `kind` tells transports whether the call only reads (GET allowed over HTTP) or
 * changes state (POST only). Types of inputs and outputs are inferred from the schemas, never re-typed.
 */
export interface MethodDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  kind: 'query' | 'mutation';
  summary: string;
  input: I;
  output: O;
}

export function query<I extends z.ZodType, O extends z.ZodType>(summary: string, input: I, output: O): MethodDef<I, O> {
  return { kind: 'query', summary, input, output };
}

export function mutation<I extends z.ZodType, O extends z.ZodType>(summary: string, input: I, output: O): MethodDef<I, O> {
  return { kind: 'mutation', summary, input, output };
}

export type ContractShape = Record<string, MethodDef>;
export type EventShape = Record<string, z.ZodType>;
