import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ollamaHost, ollamaStoreRoots } from '../../src/main/core/detect/detect-roots';

const SERVICE_STORE = '/usr/share/ollama/.ollama/models';

describe('detect roots', () => {
  it.runIf(process.platform === 'linux')("looks in the Linux service's Ollama store for the account's own HOME, not for a HOME pointed elsewhere", () => {
    expect(ollamaStoreRoots({ HOME: os.homedir() })).toEqual([path.join(os.homedir(), '.ollama', 'models'), SERVICE_STORE]);
    expect(ollamaStoreRoots({})).toContain(SERVICE_STORE);
    expect(ollamaStoreRoots({ HOME: '/tmp/sandbox-home' })).toEqual(['/tmp/sandbox-home/.ollama/models']);
  });

  it('OLLAMA_MODELS replaces every default store', () => {
    expect(ollamaStoreRoots({ HOME: os.homedir(), OLLAMA_MODELS: '/data/ollama' })).toEqual(['/data/ollama']);
  });

  it('reads OLLAMA_HOST as the Ollama CLI does', () => {
    expect(ollamaHost({})).toBe('http://127.0.0.1:11434');
    expect(ollamaHost({ OLLAMA_HOST: '0.0.0.0' })).toBe('http://127.0.0.1:11434');
    expect(ollamaHost({ OLLAMA_HOST: 'gpu-box:8080' })).toBe('http://gpu-box:8080');
    expect(ollamaHost({ OLLAMA_HOST: 'https://ollama.example.com' })).toBe('https://ollama.example.com');
  });
});
