import { AppError } from '../../../shared/errors';

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease: string | null;
  /** The canonical text: `major.minor.patch[-prerelease]`. */
  text: string;
}

export interface ParsedVersion {
  version: SemVer;
  /** Set when the input was accepted but rewritten (`v1.2` → `1.2.0`), so callers can tell the person. */
  message: string | null;
}

const NUM = '(0|[1-9]\\d*)';
const PRE = '[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*';
// Leading `v` and missing minor/patch are common in the wild (git tags, seed-003 JSON); leading zeros are not
// semver and would make `1.01` and `1.1` two versions, so they are refused rather than guessed at.
const RE = new RegExp(`^[vV]?${NUM}(?:\\.${NUM})?(?:\\.${NUM})?(?:-(${PRE}))?$`);
const MAX_PART = 1_000_000_000;

export function parseVersion(raw: string): ParsedVersion {
  const input = raw.trim();
  const m = RE.exec(input);
  if (!m || m[1] === undefined) {
    const why = /\+/.test(input)
      ? 'build metadata ("+…") is not accepted: two builds of one version would be indistinguishable'
      : /(^|\.)0\d/.test(input.replace(/^[vV]/, ''))
        ? 'numbers must not have leading zeros'
        : 'expected MAJOR.MINOR.PATCH such as 1.0.0 (optionally -prerelease, e.g. 1.0.0-rc.1)';
    throw new AppError('INVALID_INPUT', `"${raw}" is not a semantic version: ${why}.`, {
      hint: 'Use semantic versioning: 1.0.0, 1.1.0, 2.0.0-beta.1. "1.2" and "v1.2.0" are accepted and normalised.',
      issues: [{ path: 'version', message: why }],
    });
  }
  const major = Number(m[1]);
  const minor = Number(m[2] ?? 0);
  const patch = Number(m[3] ?? 0);
  if ([major, minor, patch].some((n) => n > MAX_PART)) {
    throw new AppError('INVALID_INPUT', `"${raw}" has a version number larger than ${MAX_PART}.`, {
      hint: 'Use semantic versioning with ordinary numbers: 1.0.0, 1.1.0, 2.0.0.',
      issues: [{ path: 'version', message: 'number too large' }],
    });
  }
  const prerelease = m[4] ?? null;
  const text = `${major}.${minor}.${patch}${prerelease ? `-${prerelease}` : ''}`;
  return { version: { major, minor, patch, prerelease, text }, message: text === input ? null : `Version "${input}" was normalised to "${text}".` };
}

/** The canonical text of a version, or INVALID_INPUT; for lookups where the note about normalising is noise. */
export function normaliseVersion(raw: string): string {
  return parseVersion(raw).version.text;
}

function comparePrerelease(a: string | null, b: string | null): number {
  if (a === b) return 0;
  // A release ranks above any of its prereleases (1.0.0 > 1.0.0-rc.1).
  if (a === null) return 1;
  if (b === null) return -1;
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return Math.sign(d);
    } else if (nx !== ny) return nx ? -1 : 1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function compareVersions(a: SemVer, b: SemVer): number {
  return Math.sign(a.major - b.major) || Math.sign(a.minor - b.minor) || Math.sign(a.patch - b.patch) || comparePrerelease(a.prerelease, b.prerelease);
}
