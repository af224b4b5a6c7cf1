import type { z } from 'zod';
import type { MethodDef } from './define';
import { bundlesContract } from './bundles';
import { benchContract } from './bench';
import { collectionsContract } from './collections';
import { hubContract } from './hub';
import { detectContract } from './detect';
import { gateContract } from './gate';
import { cleanupContract, ensureContract, recommendedContract } from './ensure';
import { inferenceContract } from './inference';
import { inventoryContract } from './inventory';
import { jobsContract } from './jobs';
import { migrationsContract } from './migrations';
import { registryContract } from './registry';
import { systemContract } from './system';
import { upstreamContract } from './upstream';
import { voskContract } from './vosk';

export * from './bundles';
export * from './bench';
export * from './collections';
export * from './define';
export * from './detect';
export * from './ensure';
export * from './events';
export * from './gate';
export * from './hub';
export * from './inference';
export * from './inventory';
export * from './jobs';
export * from './migrations';
export * from './registry';
export * from './system';
export * from './upstream';
export * from './vosk';

/** The one contract: every capability of Model Center, served over IPC, HTTP and the CLI alike. */
export const contract = {
  ...systemContract,
  ...jobsContract,
  ...registryContract,
  ...hubContract,
  ...detectContract,
  ...voskContract,
  ...ensureContract,
  ...recommendedContract,
  ...cleanupContract,
  ...bundlesContract,
  ...inferenceContract,
  ...upstreamContract,
  ...inventoryContract,
  ...benchContract,
  ...collectionsContract,
  ...migrationsContract,
  ...gateContract,
};

export type Contract = typeof contract;
export type MethodName = keyof Contract;
export type MethodInput<M extends MethodName> = z.input<Contract[M]['input']>;
export type MethodParsedInput<M extends MethodName> = z.output<Contract[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Contract[M]['output']>;

export const METHOD_NAMES = Object.keys(contract) as MethodName[];

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(contract, name);
}

export function methodDef(name: MethodName): MethodDef {
  return contract[name];
}

/** What a transport-agnostic client offers: used by the renderer, the preload bridge and tests. */
export interface ContractClient {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
}
