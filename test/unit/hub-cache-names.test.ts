import { describe, expect, it } from 'vitest';
import { safeBlobName } from '../../src/main/core/hub/hf-cache';

describe('blob names from a Hub listing', () => {
  it('accepts an LFS sha256 and a git blob id as they are', () => {
    expect(safeBlobName('a'.repeat(64), 'sha256', 'onnx/model.onnx')).toBe('a'.repeat(64));
    expect(safeBlobName('0123456789abcdef0123456789abcdef01234567', 'git-sha1', 'config.json')).toBe('0123456789abcdef0123456789abcdef01234567');
  });

  it('refuses anything else, naming the file: a path, a wrong length, upper case', () => {
    for (const [blob, algorithm] of [
      ['../../etc/passwd', 'sha256'],
      [`../${'a'.repeat(61)}`, 'sha256'],
      ['a'.repeat(40), 'sha256'],
      ['A'.repeat(64), 'sha256'],
      ['a'.repeat(64), 'git-sha1'],
    ] as const) {
      expect(() => safeBlobName(blob, algorithm, 'onnx/model.onnx')).toThrow(/The Hub listed onnx\/model\.onnx with an invalid/);
    }
  });
});
