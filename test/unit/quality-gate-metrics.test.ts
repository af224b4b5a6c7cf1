import { describe, expect, it } from 'vitest';
import { DEFAULT_GATE_SETTINGS } from '../../src/shared/contract';
import { evaluateGate, recallAt, reciprocalRank } from '../../src/main/core/quality-gate/gate-metrics';
import { parseGoldenFile } from '../../src/main/core/quality-gate/golden-set-file';

describe('quality gate metrics', () => {
  it('recall@k counts expected chunks in the top k; MRR takes the first one found', () => {
    expect(recallAt(3, [5, 9], [1, 5, 2, 9])).toBe(0.5);
    expect(recallAt(4, [5, 9], [1, 5, 2, 9])).toBe(1);
    expect(reciprocalRank(10, [9, 5], [1, 5, 2, 9])).toBe(0.5);
    expect(reciprocalRank(1, [9], [1, 9])).toBe(0);
  });

  it('fails B on a recall drop beyond the limit and passes one within it', () => {
    const a = { recall: 0.9, mrr: 0.8, p95Ms: 10 };
    const within = evaluateGate(DEFAULT_GATE_SETTINGS, a, { recall: 0.885, mrr: 0.78, p95Ms: 12 }, 0.7);
    expect(within.every((c) => c.ok)).toBe(true);
    const beyond = evaluateGate(DEFAULT_GATE_SETTINGS, a, { recall: 0.85, mrr: 0.8, p95Ms: 10 }, 0.7);
    expect(beyond.find((c) => c.name === 'recall')).toMatchObject({ ok: false, limit: expect.closeTo(0.88, 6), detail: 'recall@10: B 0.85 < A 0.90 − 0.02' });
  });

  it('checks p95 against the ratio, but passes differences within the slack', () => {
    const settings = { ...DEFAULT_GATE_SETTINGS, maxP95Ratio: 1.5, p95SlackMs: 5 };
    const p95 = (a: number, b: number) => evaluateGate(settings, { recall: null, mrr: null, p95Ms: a }, { recall: null, mrr: null, p95Ms: b }, 1).find((c) => c.name === 'p95')!;
    expect(p95(2, 6).ok).toBe(true); // 3× slower, but 4 ms: noise on a busy machine
    expect(p95(20, 29).ok).toBe(true);
    expect(p95(20, 31)).toMatchObject({ ok: false, limit: 30 });
  });

  it('skips recall and MRR without expected chunks, and a threshold set to null', () => {
    const checks = evaluateGate({ ...DEFAULT_GATE_SETTINGS, maxP95Ratio: null, minOverlap: 0.5 }, { recall: null, mrr: null, p95Ms: 1 }, { recall: null, mrr: null, p95Ms: 9 }, 0.4);
    expect(checks).toEqual([expect.objectContaining({ name: 'overlap', ok: false, b: 0.4, limit: 0.5 })]);
  });
});

describe('golden query files', () => {
  it('reads .jsonl with the usual field names, .csv with or without a header, and .txt one per line', () => {
    expect(parseGoldenFile('g.jsonl', '{"query": "a", "expected": [1, 2]}\n\n{"question": "b", "relevant_ids": 3}\n{"text": "c"}\n')).toEqual([
      { query: 'a', expected: [1, 2] },
      { query: 'b', expected: [3] },
      { query: 'c', expected: [] },
    ]);
    expect(parseGoldenFile('g.csv', 'id,query,expected\n1,"a, b","4;5"\n2,c,\n')).toEqual([
      { query: 'a, b', expected: [4, 5] },
      { query: 'c', expected: [] },
    ]);
    expect(parseGoldenFile('g.csv', 'a,4 5\nb\n')).toEqual([
      { query: 'a', expected: [4, 5] },
      { query: 'b', expected: [] },
    ]);
    // MS MARCO / BEIR queries.tsv: "qid<TAB>text", no header.
    expect(parseGoldenFile('queries.tsv', '1048585\twhat is paula deen\'s brother\n2\tAndrogen receptor define\n')).toEqual([
      { query: "what is paula deen's brother", expected: [] },
      { query: 'Androgen receptor define', expected: [] },
    ]);
    expect(parseGoldenFile('g.txt', '# comment\n first \n\nsecond\n')).toEqual([
      { query: 'first', expected: [] },
      { query: 'second', expected: [] },
    ]);
  });

  it('refuses a file with malformed lines, naming each line, and an empty one', () => {
    expect(() => parseGoldenFile('/x/g.jsonl', '{"query": "a"}\n[1]\n{"query": "b", "expected": ["x"]}\n')).toThrow(
      expect.objectContaining({
        code: 'IMPORT_REFUSED',
        issues: [
          { path: 'g.jsonl:2', message: expect.stringContaining('JSON object') },
          { path: 'g.jsonl:3', message: expect.stringContaining('positive whole numbers') },
        ],
      }),
    );
    expect(() => parseGoldenFile('g.csv', 'query,expected\n"open quote,1\n')).toThrow(expect.objectContaining({ code: 'IMPORT_REFUSED' }));
    expect(() => parseGoldenFile('g.txt', '# only a comment\n')).toThrow(/holds no query/);
  });
});
