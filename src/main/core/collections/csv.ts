/** One record of a CSV file, or why it could not be read, with the line it starts on (1-based). */
export type CsvRecord = { line: number; fields: string[] } | { line: number; error: string };

/** The delimiter a header line most likely uses: tab, semicolon or comma. */
export function sniffDelimiter(firstLine: string): string {
  let best = { d: ',', n: 0 };
  for (const d of ['\t', ';', ',']) {
    const n = firstLine.split(d).length - 1;
    if (n > best.n) best = { d, n };
  }
  return best.d;
}

/**
 * RFC 4180 records: quoted fields may hold delimiters, doubled quotes and line breaks. A quote opened and never
 * closed, or text right after a closing quote, is reported on the line where its record starts, and reading
 * resumes at the next line so one bad row does not hide the rest.
 */
export function* parseCsv(text: string, delimiter: string): Generator<CsvRecord> {
  let pos = 0;
  let line = 1;
  const n = text.length;
  while (pos < n) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let error: string | null = null;
    let atFieldStart = true;
    let quoted = false;
    let ended = false;
    while (pos < n && !ended) {
      const c = text[pos]!;
      if (quoted) {
        if (c === '"') {
          if (text[pos + 1] === '"') {
            field += '"';
            pos += 2;
          } else {
            quoted = false;
            pos++;
            const next = text[pos];
            if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') {
              error = `text after a closing quote in field ${fields.length + 1}`;
            }
          }
        } else {
          if (c === '\n') line++;
          field += c;
          pos++;
        }
        continue;
      }
      if (c === '"' && atFieldStart) {
        quoted = true;
        atFieldStart = false;
        pos++;
      } else if (c === delimiter) {
        fields.push(field);
        field = '';
        atFieldStart = true;
        pos++;
      } else if (c === '\n' || c === '\r') {
        pos += c === '\r' && text[pos + 1] === '\n' ? 2 : 1;
        line++;
        ended = true;
      } else {
        field += c;
        atFieldStart = false;
        pos++;
      }
    }
    if (quoted) {
      // Unterminated quote: report it and start again on the line after the record's first line.
      yield { line: startLine, error: 'a quoted field is never closed' };
      const p = nthLineEnd(text, startLine);
      if (p < 0) return;
      pos = p + 1;
      line = startLine + 1;
      continue;
    }
    fields.push(field);
    if (fields.length === 1 && fields[0] === '') continue; // a blank line
    yield error ? { line: startLine, error } : { line: startLine, fields };
  }
}

/** Position of the newline that ends 1-based line `lineNo`. */
function nthLineEnd(text: string, lineNo: number): number {
  let p = -1;
  for (let i = 0; i < lineNo; i++) {
    p = text.indexOf('\n', p + 1);
    if (p < 0) return -1;
  }
  return p;
}
