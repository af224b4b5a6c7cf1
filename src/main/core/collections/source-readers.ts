import path from 'node:path';
import { parseCsv, sniffDelimiter } from './csv';

export type SourceFormat = 'text' | 'markdown' | 'csv' | 'tsv' | 'jsonl';

const FORMATS: Record<string, SourceFormat> = {
  '.txt': 'text',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};

export function formatOf(file: string): SourceFormat | null {
  return FORMATS[path.extname(file).toLowerCase()] ?? null;
}

/** One document of a source: a whole text file, or one row / line of a CSV or JSONL file. */
export interface SourceDocument {
  text: string;
  line: number | null;
}

export interface SourceIssue {
  line: number | null;
  message: string;
}

export interface ReadOptions {
  textColumn?: string;
  jsonField?: string;
}

export interface ReadResult {
  format: SourceFormat;
  documents: SourceDocument[];
  /** Malformed rows or lines; each names its line. */
  issues: SourceIssue[];
  /** Rows or lines whose text was empty (left out, not errors). */
  empty: number;
  /** A problem with the whole file (not text, no such column): nothing of it can be read. */
  fatal: string | null;
}

const DEFAULT_FIELDS = ['text', 'content', 'body'];

function decode(bytes: Buffer): string | null {
  if (bytes.subarray(0, 8192).includes(0)) return null;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    return null;
  }
}

function readCsv(text: string, delimiter: string, options: ReadOptions, result: ReadResult): void {
  const records = parseCsv(text, delimiter);
  const first = records.next();
  if (first.done) return;
  if ('error' in first.value) {
    result.fatal = `the header line cannot be read: ${first.value.error}`;
    return;
  }
  const header = first.value.fields.map((h) => h.trim());
  let column: number;
  const wanted = options.textColumn;
  if (wanted) {
    column = header.findIndex((h) => h.toLowerCase() === wanted.toLowerCase());
    if (column < 0 && /^\d+$/.test(wanted) && Number(wanted) >= 1 && Number(wanted) <= header.length) column = Number(wanted) - 1;
  } else column = header.findIndex((h) => DEFAULT_FIELDS.includes(h.toLowerCase()));
  if (column < 0) {
    result.fatal = `${wanted ? `no column "${wanted}"` : `no column named ${DEFAULT_FIELDS.join(', ')}`}; the columns are: ${header.join(', ')}. Choose one with --text-column (name or 1-based number).`;
    return;
  }
  for (const record of records) {
    if ('error' in record) {
      result.issues.push({ line: record.line, message: record.error });
      continue;
    }
    if (record.fields.length !== header.length) {
      result.issues.push({ line: record.line, message: `${record.fields.length} field(s), the header has ${header.length}` });
      continue;
    }
    const value = record.fields[column]!;
    if (value.trim()) result.documents.push({ text: value, line: record.line });
    else result.empty++;
  }
}

function fieldAt(value: unknown, dotted: string): unknown {
  let v = value;
  for (const key of dotted.split('.')) {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function readJsonl(text: string, options: ReadOptions, result: ReadResult): void {
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = i + 1;
    const body = raw.replace(/\r$/, '');
    if (!body.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (err) {
      result.issues.push({ line, message: `not valid JSON: ${(err as Error).message}` });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      result.issues.push({ line, message: `not a JSON object (${Array.isArray(value) ? 'an array' : typeof value})` });
      return;
    }
    const name = options.jsonField ?? DEFAULT_FIELDS.find((f) => fieldAt(value, f) !== undefined) ?? DEFAULT_FIELDS[0]!;
    const field = fieldAt(value, name);
    if (field === undefined) result.issues.push({ line, message: `no field "${name}"${options.jsonField ? '' : ' (choose one with --json-field)'}` });
    else if (typeof field !== 'string') result.issues.push({ line, message: `field "${name}" is ${field === null ? 'null' : Array.isArray(field) ? 'an array' : `a ${typeof field}`}, not text` });
    else if (field.trim()) result.documents.push({ text: field, line });
    else result.empty++;
  });
}

/** Reads one file's documents; malformed rows are collected, never thrown. */
export function readSource(file: string, bytes: Buffer, options: ReadOptions): ReadResult {
  const format = formatOf(file);
  const result: ReadResult = { format: format ?? 'text', documents: [], issues: [], empty: 0, fatal: null };
  if (!format) {
    result.fatal = `unsupported file type "${path.extname(file) || '(none)'}" (supported: .txt, .md, .csv, .tsv, .jsonl)`;
    return result;
  }
  const text = decode(bytes);
  if (text === null) {
    result.fatal = 'not UTF-8 text (binary content or another encoding)';
    return result;
  }
  const firstLine = text.split('\n', 1)[0] ?? '';
  if (format === 'csv' || format === 'tsv') readCsv(text, format === 'tsv' ? '\t' : sniffDelimiter(firstLine), options, result);
  else if (format === 'jsonl') readJsonl(text, options, result);
  else if (text.trim()) result.documents.push({ text, line: null });
  else result.empty++;
  return result;
}
