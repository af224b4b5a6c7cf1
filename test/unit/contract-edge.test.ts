import { describe, expect, it } from 'vitest';
import { contract } from '../../src/shared/contract';
import { AppError, describeError, toErrorDTO } from '../../src/shared/errors';
import { parseInput } from '../../src/shared/validate';
import { redactSecrets } from '../../src/main/core/log/redact';
import { CoalesceByKey } from '../../src/main/core/events/coalesce-by-key';

describe('validation at the contract’s edge', () => {
  it('names the field and the reason for wrong types', () => {
    const err = (() => {
      try {
        parseInput(contract['jobs.selftest'].input, { steps: 'many' }, 'jobs.selftest');
      } catch (e) {
        return e as AppError;
      }
      throw new Error('accepted a string for a number');
    })();
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.issues?.[0]?.path).toBe('steps');
    expect(err.message).toMatch(/steps: .*number/i);
  });

  it('refuses unknown settings keys instead of silently dropping them', () => {
    expect(() => parseInput(contract['settings.update'].input, { themes: 'dark' }, 'settings.update')).toThrow(/themes|unrecognized/i);
  });

  it('formats nested paths like texts[3].name', () => {
    const dto = toErrorDTO(new AppError('INVALID_INPUT', 'bad', { issues: [{ path: 'texts[3]', message: 'must be a non-empty string' }], hint: 'fix it' }));
    expect(describeError(dto)).toContain('texts[3]: must be a non-empty string');
    expect(describeError(dto)).toContain('Hint: fix it');
  });
});

describe('secrets never reach a log line', () => {
  it('redacts HF tokens, bearer tokens and token parameters', () => {
    const line = redactSecrets('GET /x?token=abc123 Authorization: Bearer s3cr3t-value hf_ABCDEFGHIJKLMNOP');
    expect(line).not.toMatch(/abc123|s3cr3t|ABCDEFGHIJ/);
  });
});

describe('event coalescing', () => {
  it('sends at most one value per key per interval, the latest, and urgent ones at once', async () => {
    const sent: number[] = [];
    const c = new CoalesceByKey<number>(50, (v) => sent.push(v));
    for (let i = 1; i <= 100; i++) c.push('job', i);
    expect(sent).toEqual([1]);
    await new Promise((r) => setTimeout(r, 80));
    expect(sent).toEqual([1, 100]);
    c.push('job', 101, true);
    expect(sent).toEqual([1, 100, 101]);
    c.dispose();
  });
});
