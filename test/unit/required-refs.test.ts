import { describe, expect, it } from 'vitest';
import { parseNvidiaSmi, RECOMMENDED } from '../../src/main/core/ensure/recommended';
import { parseRequiredRef } from '../../src/shared/contract';

describe('required model refs', () => {
  it('parses the three sources', () => {
    expect(parseRequiredRef('ollama:gemma2:2b')).toEqual({ kind: 'ollama', ref: 'ollama:gemma2:2b', name: 'gemma2:2b' });
    expect(parseRequiredRef('hf:BAAI/bge-m3')).toEqual({ kind: 'hf', ref: 'hf:BAAI/bge-m3', repo: 'BAAI/bge-m3', revision: 'main' });
    expect(parseRequiredRef('hf:org/name@v1.0')).toMatchObject({ repo: 'org/name', revision: 'v1.0' });
    expect(parseRequiredRef('vosk:vosk-model-small-ru-0.22')).toMatchObject({ kind: 'vosk', url: null, name: 'vosk-model-small-ru-0.22' });
    expect(parseRequiredRef('vosk:https://example.com/m/vosk-model-x-0.1.zip')).toMatchObject({ url: 'https://example.com/m/vosk-model-x-0.1.zip', name: 'vosk-model-x-0.1' });
  });

  it('names the bad entry and why', () => {
    expect(parseRequiredRef('gemma2')).toMatch(/"gemma2" has no source prefix/);
    expect(parseRequiredRef('pip:torch')).toMatch(/unknown source "pip"/);
    expect(parseRequiredRef('hf:org/../x')).toMatch(/"hf:org\/\.\.\/x"/);
    expect(parseRequiredRef('hf:org/name@')).toMatch(/revision/);
    expect(parseRequiredRef('ollama:bad name')).toMatch(/Ollama model name/);
    expect(parseRequiredRef('vosk:../etc')).toMatch(/Vosk model name/);
    expect(parseRequiredRef('vosk:https://me:secret@example.com/m/vosk-model-x-0.1.zip')).toMatch(/must not carry a user name or password/);
  });

  it('reads nvidia-smi lines; the bundled catalogue validates', () => {
    expect(parseNvidiaSmi('NVIDIA H100 80GB HBM3, 81559 MiB\nTesla T4, 15360 MiB\n\n')).toEqual([
      { name: 'NVIDIA H100 80GB HBM3', memoryBytes: 81559 * 1024 * 1024 },
      { name: 'Tesla T4', memoryBytes: 15360 * 1024 * 1024 },
    ]);
    expect(parseNvidiaSmi('NVIDIA-SMI has failed')).toEqual([]);
    expect(RECOMMENDED.models.map((m) => m.kind)).toEqual(expect.arrayContaining(['embedding', 'llm', 'stt']));
  });
});
