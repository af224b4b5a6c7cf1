import { describe, expect, it } from 'vitest';
import { chunkText, type TokenCounter } from '../../src/main/core/collections/chunker';
import { parseCsv } from '../../src/main/core/collections/csv';
import { splitSegments } from '../../src/main/core/collections/segments';
import { readSource } from '../../src/main/core/collections/source-readers';
import { BatchEncoder } from '../../src/main/core/inference/batch-encoder';
import { rankCorrelation } from '../../src/main/core/migrations/compare';
import { normaliseQuery, overlapAt, queryBucket } from '../../src/main/core/migrations/rollout';
import { testModel } from '../support/embedding-models';

/** One token per word: easy to reason about. */
const words: TokenCounter = { countTokens: (t) => t.split(/\s+/).filter(Boolean).length };

describe('segments', () => {
  it('splits paragraphs, lines and sentences with exact offsets', () => {
    const text = 'First one. Second one!\nA line\n\n  New paragraph? Yes.';
    const segs = splitSegments(text);
    expect(segs.map((s) => text.slice(s.start, s.end))).toEqual(['First one.', 'Second one!', 'A line', 'New paragraph?', 'Yes.']);
    expect(segs.map((s) => s.before)).toEqual([3, 1, 2, 3, 1]);
  });
});

describe('chunking', () => {
  it('packs whole sentences up to the size, overlaps by whole sentences, and keeps offsets into the text', () => {
    const text = Array.from({ length: 10 }, (_, i) => `Sentence number ${i} has six words.`).join(' ');
    const chunks = chunkText(text, words, { size: 13, overlap: 6 });
    for (const c of chunks) {
      expect(c.tokens).toBeLessThanOrEqual(13);
      expect(text.slice(c.start, c.end)).toBe(c.text);
    }
    // two sentences per chunk, the second repeated at the start of the next
    expect(chunks[0]!.text).toBe('Sentence number 0 has six words. Sentence number 1 has six words.');
    expect(chunks[1]!.text.startsWith('Sentence number 1')).toBe(true);
    expect(chunks.at(-1)!.text.endsWith('number 9 has six words.')).toBe(true);
  });

  it('cuts at a paragraph boundary in the second half rather than mid-paragraph', () => {
    const text = 'a b c. d e f.\n\ng h i. j k l. m n o.';
    const chunks = chunkText(text, words, { size: 12, overlap: 0 });
    expect(chunks.map((c) => c.text)).toEqual(['a b c. d e f.', 'g h i. j k l. m n o.']);
  });

  it('splits a sentence longer than a chunk at words, and a word longer than a chunk by tokens', () => {
    const long = Array.from({ length: 25 }, (_, i) => `w${i}`).join(' ');
    const chunks = chunkText(long, words, { size: 10, overlap: 0 });
    expect(chunks.map((c) => c.tokens)).toEqual([10, 10, 5]);
    const enc = new BatchEncoder(testModel('tiny-32'), 128);
    const blob = 'x'.repeat(3000);
    const pieces = chunkText(blob, enc, { size: 20, overlap: 0 });
    expect(pieces.every((p) => p.tokens <= 20)).toBe(true);
    expect(pieces.map((p) => p.text).join('')).toBe(blob);
  });

  it("counts with the model's own tokenizer: no chunk exceeds the budget", () => {
    const enc = new BatchEncoder(testModel('tiny-32'), 128);
    const text = 'Зарплата приходит в первый рабочий день месяца. The salary payment is made every month on the first working day. '.repeat(30);
    const chunks = chunkText(text, enc, { size: 40, overlap: 8 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) {
      expect(c.tokens).toBe(enc.countTokens(c.text));
      expect(c.tokens).toBeLessThanOrEqual(40);
    }
    expect(enc.specialTokens).toBe(2);
  });
});

describe('csv', () => {
  it('reads quoted fields with delimiters, doubled quotes and line breaks, and reports broken records by line', () => {
    const text = 'id,text\n1,"a, b"\n2,"say ""hi"""\n3,"two\nlines"\n4,"never closed\n5,ok\n';
    const records = [...parseCsv(text, ',')];
    expect(records).toEqual([
      { line: 1, fields: ['id', 'text'] },
      { line: 2, fields: ['1', 'a, b'] },
      { line: 3, fields: ['2', 'say "hi"'] },
      { line: 4, fields: ['3', 'two\nlines'] },
      { line: 6, error: 'a quoted field is never closed' },
      { line: 7, fields: ['5', 'ok'] },
    ]);
  });

  it('reads a chosen column, reports rows with the wrong number of fields, and names the columns when one is missing', () => {
    const csv = Buffer.from('title;body\nA;first text\nB;second;extra\nC;\n');
    const r = readSource('x.csv', csv, { textColumn: 'body' });
    expect(r.documents).toEqual([{ text: 'first text', line: 2 }]);
    expect(r.issues).toEqual([{ line: 3, message: '3 field(s), the header has 2' }]);
    expect(r.empty).toBe(1);
    expect(readSource('x.csv', csv, { textColumn: '2' }).documents).toHaveLength(1);
    expect(readSource('x.csv', csv, { textColumn: 'nope' }).fatal).toMatch(/no column "nope".*title, body/);
  });
});

describe('jsonl', () => {
  it('reads a (nested) field and reports each malformed line with its number', () => {
    const text = ['{"text":"one"}', '', '{"text": 5}', 'not json', '[1]', '{"other":"x"}', '{"meta":{"body":"nested"}}'].join('\n');
    const r = readSource('x.jsonl', Buffer.from(text), {});
    expect(r.documents).toEqual([{ text: 'one', line: 1 }]);
    expect(r.issues.map((i) => i.line)).toEqual([3, 4, 5, 6, 7]);
    expect(r.issues[0]!.message).toBe('field "text" is a number, not text');
    expect(readSource('x.jsonl', Buffer.from(text), { jsonField: 'meta.body' }).documents).toEqual([{ text: 'nested', line: 7 }]);
  });

  it('refuses binary files and unknown types as a whole', () => {
    expect(readSource('x.txt', Buffer.from([0x50, 0, 1, 2]), {}).fatal).toMatch(/not UTF-8 text/);
    expect(readSource('x.pdf', Buffer.from('x'), {}).fatal).toMatch(/unsupported file type/);
  });
});

describe('rollout routing and comparison figures', () => {
  it('puts a query in the same bucket whatever its case and spacing, and spreads queries evenly', () => {
    expect(normaliseQuery('  Reset   my\tPASSWORD ')).toBe('reset my password');
    expect(queryBucket('Reset my password')).toBe(queryBucket(' reset  my password'));
    const buckets = Array.from({ length: 10_000 }, (_, i) => queryBucket(`query ${i}`));
    const under10 = buckets.filter((b) => b < 10).length / buckets.length;
    const under50 = buckets.filter((b) => b < 50).length / buckets.length;
    expect(under10).toBeGreaterThan(0.08);
    expect(under10).toBeLessThan(0.12);
    expect(under50).toBeGreaterThan(0.47);
    expect(under50).toBeLessThan(0.53);
  });

  it('computes overlap@k and Spearman rank correlation over the common results', () => {
    expect(overlapAt(4, [1, 2, 3, 4], [4, 3, 9, 8])).toBe(0.5);
    expect(rankCorrelation([1, 2, 3, 4], [1, 2, 3, 4])).toBe(1);
    expect(rankCorrelation([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    expect(rankCorrelation([1, 2, 3], [1, 7, 8])).toBeNull();
  });
});
