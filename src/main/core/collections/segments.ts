/**
 * Splits a document into sentence-sized segments with their character offsets and the strength of the boundary
 * before each: chunking packs whole segments and prefers to cut where the boundary is strongest.
 */
export const Boundary = { Word: 0, Sentence: 1, Line: 2, Paragraph: 3 } as const;
export type Boundary = (typeof Boundary)[keyof typeof Boundary];

export interface Segment {
  start: number;
  end: number;
  /** The boundary before this segment (the first segment of a document counts as a paragraph start). */
  before: Boundary;
}

// A sentence ends at . ! ? … (with closing quotes or brackets) followed by whitespace.
const SENTENCE_END = /[.!?…]+["'»”)\]]*(?=\s)/g;

function trimmed(text: string, start: number, end: number): { start: number; end: number } | null {
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return end > start ? { start, end } : null;
}

function sentences(text: string, start: number, end: number, before: Boundary, out: Segment[]): void {
  const line = text.slice(start, end);
  let from = 0;
  let first = true;
  SENTENCE_END.lastIndex = 0;
  for (let m = SENTENCE_END.exec(line); m; m = SENTENCE_END.exec(line)) {
    const cut = m.index + m[0].length;
    const t = trimmed(text, start + from, start + cut);
    if (t) {
      out.push({ ...t, before: first ? before : Boundary.Sentence });
      first = false;
    }
    from = cut;
  }
  const t = trimmed(text, start + from, end);
  if (t) out.push({ ...t, before: first ? before : Boundary.Sentence });
}

export function splitSegments(text: string): Segment[] {
  const out: Segment[] = [];
  let before: Boundary = Boundary.Paragraph;
  let lineStart = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && text[i] !== '\n') continue;
    const t = trimmed(text, lineStart, i);
    if (t) {
      sentences(text, t.start, t.end, before, out);
      before = Boundary.Line;
    } else before = Boundary.Paragraph; // a blank line ends a paragraph
    lineStart = i + 1;
  }
  return out;
}

/** Splits one segment at whitespace into word segments (for sentences longer than a chunk). */
export function splitWords(text: string, seg: Segment): Segment[] {
  const out: Segment[] = [];
  const re = /\S+/g;
  const part = text.slice(seg.start, seg.end);
  for (let m = re.exec(part); m; m = re.exec(part)) {
    out.push({ start: seg.start + m.index, end: seg.start + m.index + m[0].length, before: out.length ? Boundary.Word : seg.before });
  }
  return out;
}
