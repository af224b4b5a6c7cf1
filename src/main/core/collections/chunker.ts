import { Boundary, splitSegments, splitWords, type Segment } from './segments';

/** Counts tokens the way the model's own tokenizer does, without special tokens. */
export interface TokenCounter {
  countTokens(text: string): number;
}

export interface ChunkOptions {
  /** Most tokens per chunk (special tokens not included). */
  size: number;
  /** Tokens repeated from the end of one chunk at the start of the next (whole segments only). */
  overlap: number;
}

export interface Chunk {
  start: number;
  end: number;
  text: string;
  tokens: number;
}

interface Counted extends Segment {
  tokens: number;
}

/** A run of characters with no whitespace longer than a chunk (a URL, base64): cut where the tokens run out. */
function hardSplit(text: string, seg: Segment, counter: TokenCounter, size: number): Counted[] {
  const out: Counted[] = [];
  let start = seg.start;
  while (start < seg.end) {
    let lo = 1;
    let hi = seg.end - start;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (counter.countTokens(text.slice(start, start + mid)) <= size) lo = mid;
      else hi = mid - 1;
    }
    out.push({ start, end: start + lo, before: out.length ? Boundary.Word : seg.before, tokens: counter.countTokens(text.slice(start, start + lo)) });
    start += lo;
  }
  return out;
}

function countedSegments(text: string, counter: TokenCounter, size: number): Counted[] {
  const out: Counted[] = [];
  for (const seg of splitSegments(text)) {
    const tokens = counter.countTokens(text.slice(seg.start, seg.end));
    if (tokens <= size) {
      out.push({ ...seg, tokens });
      continue;
    }
    for (const word of splitWords(text, seg)) {
      const t = counter.countTokens(text.slice(word.start, word.end));
      if (t <= size) out.push({ ...word, tokens: t });
      else out.push(...hardSplit(text, word, counter, size));
    }
  }
  return out;
}

/**
 * Cuts a document into chunks of at most `size` tokens of the model's tokenizer. Chunks are whole segments
 * (sentences; words only inside a sentence longer than a chunk); when a chunk is full, the cut moves back to
 * the strongest boundary (paragraph > line > sentence) found in its second half. Consecutive chunks share up
 * to `overlap` tokens of whole trailing segments. Offsets are UTF-16 positions in `text`.
 */
export function chunkText(text: string, counter: TokenCounter, options: ChunkOptions): Chunk[] {
  const size = Math.max(1, options.size);
  const segs = countedSegments(text, counter, size);
  const chunks: Chunk[] = [];
  let i = 0;
  while (i < segs.length) {
    let j = i;
    let sum = 0;
    while (j < segs.length && sum + segs[j]!.tokens <= size) sum += segs[j++]!.tokens;
    if (j === i) j = i + 1;
    // Prefer the strongest boundary in the chunk's second half over a weaker one at its very end.
    let cut = j;
    if (j < segs.length) {
      let strength: number = segs[j]!.before;
      let filled = sum;
      for (let p = j - 1; p > i; p--) {
        filled -= segs[p]!.tokens;
        if (filled < size / 2) break;
        if (segs[p]!.before > strength) {
          strength = segs[p]!.before;
          cut = p;
        }
      }
    }
    // Token counts of segments add up for BERT-style tokenizers; others may merge across a boundary: check.
    let chunk = make(text, segs, i, cut, counter);
    while (chunk.tokens > size && cut > i + 1) chunk = make(text, segs, i, --cut, counter);
    chunks.push(chunk);
    if (cut >= segs.length) break;
    let next = cut;
    let shared = 0;
    while (next - 1 > i && shared + segs[next - 1]!.tokens <= options.overlap) shared += segs[--next]!.tokens;
    i = next;
  }
  return chunks;
}

function make(text: string, segs: Counted[], from: number, to: number, counter: TokenCounter): Chunk {
  const start = segs[from]!.start;
  const end = segs[to - 1]!.end;
  const slice = text.slice(start, end);
  return { start, end, text: slice, tokens: counter.countTokens(slice) };
}
