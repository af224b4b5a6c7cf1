import { describe, expect, it } from 'vitest';
import { compareVersions, parseVersion } from '../../src/main/core/registry/semver';
import { AppError } from '../../src/shared/errors';

describe('registry semver', () => {
  it('keeps canonical versions and says nothing', () => {
    expect(parseVersion('1.2.3')).toEqual({ version: { major: 1, minor: 2, patch: 3, prerelease: null, text: '1.2.3' }, message: null });
    expect(parseVersion('2.0.0-rc.1').version.text).toBe('2.0.0-rc.1');
  });

  it.each([
    ['1.2', '1.2.0'],
    ['v1.2.0', '1.2.0'],
    ['V3', '3.0.0'],
    [' 1.0.0 ', '1.0.0'],
    ['v2.1-beta.2', '2.1.0-beta.2'],
  ])('normalises %j to %s and says so', (raw, text) => {
    const parsed = parseVersion(raw);
    expect(parsed.version.text).toBe(text);
    if (raw.trim() !== text) expect(parsed.message).toContain(text);
  });

  it.each(['', 'abc', '1.2.3.4', '01.2.3', '1.02', '1.0.0+build.5', '-1.0.0', '1..2', 'v', '1.0.0-', '1.0.0-a..b', '99999999999.0.0'])(
    'refuses %j with INVALID_INPUT and a hint',
    (raw) => {
      let err: unknown;
      try {
        parseVersion(raw);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('INVALID_INPUT');
      expect((err as AppError).hint).toMatch(/semantic versioning/);
    },
  );

  it('explains leading zeros and build metadata', () => {
    expect(() => parseVersion('1.02.0')).toThrow(/leading zeros/);
    expect(() => parseVersion('1.0.0+x')).toThrow(/build metadata/);
  });

  it('orders by semver precedence, not by text', () => {
    const sorted = ['1.10.0', '1.9.0', '1.0.0-rc.1', '1.0.0', '1.0.0-alpha', '1.0.0-rc.10', '1.0.0-rc.2', '0.9.9', '1.0.0-alpha.1', '1.0.0-1']
      .map((v) => parseVersion(v).version)
      .sort(compareVersions)
      .map((v) => v.text);
    expect(sorted).toEqual(['0.9.9', '1.0.0-1', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-rc.1', '1.0.0-rc.2', '1.0.0-rc.10', '1.0.0', '1.9.0', '1.10.0']);
  });
});
