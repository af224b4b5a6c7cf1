import path from 'node:path';
import { AppError, type ErrorIssue } from '../../../shared/errors';
import { parseCsv, sniffDelimiter } from '../collections/csv';

export interface GoldenItem {
  query: string;
  expected: number[];
}

const QUERY_KEYS = ['query', 'question', 'text', 'q'];
const EXPECTED_KEYS = ['expected', 'expected_ids', 'expected_chunk_ids', 'relevant', 'relevant_ids', 'chunk_ids'];
const MAX_ISSUES = 50;

/** Chunk ids from a JSON value (an id or a list of ids) or a cell ("12 15", "12;15", "12,15", "[12, 15]"). */
function chunkIds(value: unknown): number[] | string {
  if (value === undefined || value === null || value === '') return [];
  const list = Array.isArray(value) ? value : typeof value === 'number' ? [value] : String(value).replace(/^\s*\[|\]\s*$/g, '').split(/[\s,;|]+/).filter(Boolean);
  const ids = list.map((x) => (typeof x === 'number' ? x : /^\d+$/.test(String(x).trim()) ? Number(String(x).trim()) : NaN));
  const bad = list.find((_, i) => !Number.isSafeInteger(ids[i]) || ids[i]! <= 0);
  return bad === undefined ? ids : `expected chunk ids must be positive whole numbers, got ${JSON.stringify(bad)}`;
}

function fromObject(o: unknown): GoldenItem | string {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return 'expected a JSON object like {"query": "…", "expected": [12, 15]}';
  const rec = o as Record<string, unknown>;
  const key = QUERY_KEYS.find((k) => typeof rec[k] === 'string');
  if (!key || !(rec[key] as string).trim()) return `no query: give a non-empty "query" field (or one of ${QUERY_KEYS.slice(1).join(', ')})`;
  const ids = chunkIds(rec[EXPECTED_KEYS.find((k) => k in rec) ?? '']);
  return typeof ids === 'string' ? ids : { query: (rec[key] as string).trim(), expected: ids };
}

/**
 * Golden queries from a file's text, by its extension: .jsonl/.ndjson (one object per line), .json (an array of
 * them), .csv/.tsv (query, then optional expected ids; a header row naming a `query` column is followed; "id, text"
 * rows without a header, as MS MARCO's queries.tsv, are read as their text), or
 * anything else as text, one query per line (`#` starts a comment). A malformed line refuses the whole file with
 * every problem named by file and line, so nothing is half-imported.
 */
export function parseGoldenFile(fileName: string, content: string): GoldenItem[] {
  const name = path.basename(fileName);
  const ext = path.extname(name).toLowerCase();
  const items: GoldenItem[] = [];
  const issues: ErrorIssue[] = [];
  const push = (line: number, r: GoldenItem | string): void => {
    if (typeof r === 'string') issues.push({ path: `${name}:${line}`, message: r });
    else items.push(r);
  };
  const lines = content.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (ext === '.jsonl' || ext === '.ndjson') {
    lines.forEach((text, i) => {
      if (!text.trim()) return;
      try {
        push(i + 1, fromObject(JSON.parse(text)));
      } catch (err) {
        push(i + 1, `not valid JSON (${(err as Error).message})`);
      }
    });
  } else if (ext === '.json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(content);
    } catch (err) {
      throw new AppError('IMPORT_REFUSED', `${name} is not valid JSON: ${(err as Error).message}`, { hint: 'Give an array of {"query": "…", "expected": [ids]} objects, or use .jsonl.' });
    }
    if (!Array.isArray(parsed)) throw new AppError('IMPORT_REFUSED', `${name} must hold an array of {"query": "…", "expected": [ids]} objects.`);
    parsed.forEach((o, i) => push(i + 1, fromObject(o)));
  } else if (ext === '.csv' || ext === '.tsv') {
    const body = content.replace(/^\uFEFF/, '');
    const delimiter = ext === '.tsv' ? '\t' : sniffDelimiter(lines[0] ?? '');
    let columns: { query: number; expected: number } | null = null;
    for (const rec of parseCsv(body, delimiter)) {
      if ('error' in rec) {
        push(rec.line, rec.error);
        continue;
      }
      const cells = rec.fields.map((f) => f.trim());
      if (rec.line === 1) {
        const header = cells.map((c) => c.toLowerCase());
        const q = header.findIndex((h) => QUERY_KEYS.includes(h));
        if (q >= 0) {
          const e = header.findIndex((h) => EXPECTED_KEYS.includes(h));
          columns = { query: q, expected: e };
          continue;
        }
      }
      // No header: "query[, ids]", or "id, query" as MS MARCO's and BEIR's query TSVs are (a number, then text).
      columns ??= /^\d+$/.test(cells[0] ?? '') && cells[1] && typeof chunkIds(cells[1]) === 'string' ? { query: 1, expected: -1 } : { query: 0, expected: 1 };
      if (cells.every((c) => !c)) continue;
      const query = cells[columns.query] ?? '';
      const ids = columns.expected >= 0 ? chunkIds(cells[columns.expected]) : [];
      push(rec.line, !query ? 'the query cell is empty' : typeof ids === 'string' ? ids : { query, expected: ids });
    }
  } else {
    lines.forEach((text, i) => {
      const query = text.trim();
      if (query && !query.startsWith('#')) push(i + 1, { query, expected: [] });
    });
  }
  if (issues.length) {
    throw new AppError('IMPORT_REFUSED', `${name}: ${issues.length} malformed line${issues.length > 1 ? 's' : ''}; no query was imported.`, {
      hint: `Fix ${issues.length > 1 ? 'them' : 'it'} and import again. First: ${issues[0]!.path} ${issues[0]!.message}`,
      issues: issues.slice(0, MAX_ISSUES),
    });
  }
  if (!items.length) throw new AppError('IMPORT_REFUSED', `${name} holds no query.`, { hint: 'One query per line (.txt), or {"query": "…", "expected": [ids]} per line (.jsonl).' });
  return items;
}
