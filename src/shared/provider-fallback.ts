import type { ProviderFallbackDTO } from './contract';

/**
 * Whether a fallback is what the setting means: `auto` runs on CPU when no GPU provider works here, while a GPU
 * provider chosen by name that falls back is a problem (health: degraded).
 */
export function fallbackExpected(fb: ProviderFallbackDTO): boolean {
  return fb.requested === 'auto';
}

/** "asked for webgpu, ran on cpu (2026-05-01 09:12 UTC): webgpu: Failed to get a WebGPU adapter: …" */
export function describeFallback(fb: ProviderFallbackDTO): string {
  return `asked for ${fb.requested}, ran on ${fb.used} (${fb.at.replace('T', ' ').slice(0, 16)} UTC): ${fb.reason}`;
}
