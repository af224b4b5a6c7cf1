import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import corpusJson from '../../../../resources/bench-corpus.json';
import { corpusLines } from '../../../shared/bench-corpus-text';
import { MAX_USER_CORPUS_TEXTS, type BenchParams } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';

/**
 * resources/bench-corpus.json: `{ about, texts: [{ lang, kind, text }] }` (made by bench/support/make-corpus.ts and
 * shared with `npm run bench:embed`). Plain strings and a `sentences` list are read too, so a hand-made corpus works.
 */
const Entry = z.union([z.string(), z.object({ text: z.string(), lang: z.string().optional(), kind: z.string().optional() })]);
const CorpusFileSchema = z
  .object({ about: z.string().default(''), texts: z.array(Entry).optional(), sentences: z.array(Entry).optional() })
  .transform((c, ctx) => {
    const entries = (c.texts ?? c.sentences ?? []).map((e) => (typeof e === 'string' ? { text: e, lang: 'unknown' } : { text: e.text, lang: e.lang ?? 'unknown' }));
    if (!entries.length) ctx.addIssue({ code: 'custom', message: 'the corpus has no texts' });
    return { about: c.about, entries };
  });

export interface Corpus {
  name: string;
  about: string;
  texts: string[];
  languages: Record<string, number>;
  /** sha256 of the texts (first 16 hex): results on different corpora are not comparable. */
  hash: string;
}

export const BUILTIN_CORPUS_NAME = 'builtin';

const builtin = CorpusFileSchema.parse(corpusJson);

export function corpusHash(texts: readonly string[]): string {
  const h = createHash('sha256');
  for (const t of texts) h.update(t).update('\n');
  return h.digest('hex').slice(0, 16);
}

function make(name: string, about: string, entries: Array<{ text: string; lang: string }>): Corpus {
  const texts = entries.map((e) => e.text);
  const languages: Record<string, number> = {};
  for (const e of entries) languages[e.lang] = (languages[e.lang] ?? 0) + 1;
  return { name, about, texts, languages, hash: corpusHash(texts) };
}

export function builtinCorpus(): Corpus {
  return make(BUILTIN_CORPUS_NAME, builtin.about, builtin.entries);
}

/** A corpus file: one text per line, blank lines skipped. */
function readCorpusFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('INVALID_INPUT', `Cannot read the corpus file ${file}: ${(err as Error).message}`, { hint: 'Give a text file with one text per line.' });
  }
  const lines = corpusLines(text);
  if (!lines.length) throw new AppError('INVALID_INPUT', `The corpus file ${file} has no text in it.`, { hint: 'Give a text file with one text per line.' });
  if (lines.length > MAX_USER_CORPUS_TEXTS) {
    throw new AppError('INVALID_INPUT', `The corpus file ${file} has ${lines.length} lines; at most ${MAX_USER_CORPUS_TEXTS} are benchmarked.`, { hint: 'Cut it, or use --limit.' });
  }
  return lines;
}

/** The texts a benchmark runs on: the corpus asked for, cut to `limit` (quick runs). */
export function benchCorpus(params: Pick<BenchParams, 'corpus' | 'limit'>): Corpus {
  const c = params.corpus;
  const entries =
    c.kind === 'builtin' ? builtin.entries : (c.kind === 'texts' ? c.texts : readCorpusFile(c.path)).map((text) => ({ text, lang: 'unknown' }));
  const name = c.kind === 'builtin' ? BUILTIN_CORPUS_NAME : c.kind === 'texts' ? c.name : path.basename(c.path);
  const about = c.kind === 'builtin' ? builtin.about : c.kind === 'texts' ? `${entries.length} texts given by the caller` : `${entries.length} lines of ${c.path}`;
  const cut = params.limit !== undefined && params.limit < entries.length;
  return make(cut ? `${name} (first ${params.limit})` : name, about, cut ? entries.slice(0, params.limit) : entries);
}
