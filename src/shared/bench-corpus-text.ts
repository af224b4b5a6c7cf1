import { BenchCorpusInputSchema, MAX_INLINE_CORPUS_CHARS, type BenchParamsInput } from './contract';
import { zodIssues } from './validate';

/** A corpus as text: one text per line, blank lines skipped (the CLI's --corpus file and the window's box alike). */
export function corpusLines(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.trim().length > 0);
}

export interface TypedCorpus {
  /** Undefined when the box is empty: the built-in corpus. */
  corpus: BenchParamsInput['corpus'];
  texts: number;
  chars: number;
  /** Why the contract would refuse it (too many texts, too much text inline), checked by its own schema. */
  error: string | null;
}

/** The window's corpus box as the `texts` corpus of bench.run, with what the contract's caps say of it. */
export function typedCorpus(text: string, name: string): TypedCorpus {
  const texts = corpusLines(text);
  if (!texts.length) return { corpus: undefined, texts: 0, chars: 0, error: null };
  const corpus = { kind: 'texts' as const, name: name.trim() || 'typed corpus', texts };
  const chars = texts.reduce((n, t) => n + t.length, 0);
  const check = BenchCorpusInputSchema.safeParse(corpus);
  const issue = check.success ? undefined : zodIssues(check.error)[0];
  return { corpus, texts: texts.length, chars, error: issue ? `${issue.path || 'corpus'}: ${issue.message}` : null };
}

export const INLINE_CORPUS_KIB = MAX_INLINE_CORPUS_CHARS / 1024;
