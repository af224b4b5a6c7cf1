import { create } from 'zustand';
import type { EmbedOutputDTO, Lane, ValidationReportDTO, Variant } from '../../../shared/contract';
import { toErrorDTO, type ErrorDTO } from '../../../shared/errors';
import { api } from '../api-client';
import { useStatusStore } from './status-store';

export interface EmbedRequest {
  /** '' = the default embedding model from Settings. */
  model: string;
  variant: Variant | null;
  profile: Lane;
  texts: string[];
}

interface InferenceState {
  /** The last embedding that came back, with what was asked (the texts label the results). */
  lastRun: { request: EmbedRequest; output: EmbedOutputDTO } | null;
  embedding: boolean;
  embedError: ErrorDTO | null;
  /** The last validation started from the Embeddings page. */
  lastValidation: ValidationReportDTO | null;
  validateError: ErrorDTO | null;
  /** References being validated now (Models page rows and the Embeddings page share this). */
  validating: string[];
  /** Latest result per registry version or model reference: the health badges. */
  validations: ValidationReportDTO[];
  validationsError: ErrorDTO | null;
  /** Validations started from a Models page row that failed to run at all (e.g. files not downloaded), by key. */
  rowErrors: Record<string, ErrorDTO>;
  /** Unload / clear-cache outcome, shown once on the Status page. */
  notice: string | null;
  actionError: ErrorDTO | null;
  embed(request: EmbedRequest): Promise<void>;
  /** Shows an error found before calling the core (the page's own input checks). */
  refuse(error: ErrorDTO): void;
  /** Validates and records the result; `fromPage` makes it the Embeddings page's report. */
  validate(model: string, variant: Variant | null, fromPage: boolean): Promise<void>;
  loadValidations(): Promise<void>;
  unloadAll(): Promise<void>;
  clearCache(): Promise<void>;
}

/** Status figures (sessions, cache) change with every call here: refresh the Status page's copy afterwards. */
const refreshStatus = (): void => void useStatusStore.getState().refresh();

/** The Embeddings playground, validations (health badges) and the inference actions of the Status page. */
export const useInferenceStore = create<InferenceState>((set, get) => ({
  lastRun: null,
  embedding: false,
  embedError: null,
  lastValidation: null,
  validateError: null,
  validating: [],
  validations: [],
  validationsError: null,
  rowErrors: {},
  notice: null,
  actionError: null,
  async embed(request) {
    set({ embedding: true, embedError: null });
    try {
      const output = await api().call('inference.embed', {
        texts: request.texts,
        ...(request.model ? { model: request.model } : {}),
        ...(request.variant ? { variant: request.variant } : {}),
        profile: request.profile,
      });
      set({ lastRun: { request, output }, embedding: false });
    } catch (err) {
      set({ embedError: toErrorDTO(err), embedding: false });
    }
    refreshStatus();
  },
  refuse: (error) => set({ embedError: error }),
  async validate(model, variant, fromPage) {
    const key = validationKey(model, variant);
    set((s) => ({
      validating: [...s.validating, key],
      ...(fromPage ? { validateError: null, lastValidation: null } : { rowErrors: withoutKey(s.rowErrors, key) }),
    }));
    try {
      const report = await api().call('inference.validate', { model, ...(variant ? { variant } : {}) });
      if (fromPage) set({ lastValidation: report });
    } catch (err) {
      if (fromPage) set({ validateError: toErrorDTO(err) });
      else set((s) => ({ rowErrors: { ...s.rowErrors, [key]: toErrorDTO(err) } }));
    }
    set((s) => ({ validating: s.validating.filter((k) => k !== key) }));
    await get().loadValidations();
    refreshStatus();
  },
  async loadValidations() {
    try {
      set({ validations: await api().call('inference.validations', {}) });
    } catch (err) {
      set({ validationsError: toErrorDTO(err) });
    }
  },
  async unloadAll() {
    set({ notice: null, actionError: null });
    try {
      const { unloaded } = await api().call('inference.unload', {});
      set({ notice: `Unloaded ${unloaded} session${unloaded === 1 ? '' : 's'}.` });
    } catch (err) {
      set({ actionError: toErrorDTO(err) });
    }
    refreshStatus();
  },
  async clearCache() {
    set({ notice: null, actionError: null });
    try {
      const { removed } = await api().call('inference.clearCache', {});
      set({ notice: `Removed ${removed} cached vector${removed === 1 ? '' : 's'}.` });
    } catch (err) {
      set({ actionError: toErrorDTO(err) });
    }
    refreshStatus();
  },
}));

function withoutKey<T>(record: Record<string, T>, key: string): Record<string, T> {
  const { [key]: _drop, ...rest } = record;
  return rest;
}

export function validationKey(model: string, variant: Variant | null): string {
  return variant ? `${model}#${variant}` : model;
}

/** The latest validation of one registry version (what the Models page's badge shows). */
export function validationOf(validations: ValidationReportDTO[], model: string, version: string | null): ValidationReportDTO | undefined {
  return validations.find((v) => v.registryModel === model && v.version === version);
}
