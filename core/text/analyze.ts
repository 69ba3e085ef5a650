// Text -> weighted canonical terms. A term is either a word stem ("chromatograph") or a thesaurus concept
// ("xmcc"); both are [a-z0-9]+ so they can go into PostgreSQL's 'simple' text search configuration as is.

import { stem } from './stem.js';
import { isStopWord } from './stopwords.js';
import { findConcepts } from './thesaurus.js';
import { tokenize, type Token } from './tokenize.js';

export interface TermBag {
  /** canonical term -> weighted frequency */
  terms: Map<string, number>;
  /** sum of weights: the document length for BM25 */
  length: number;
  /** canonical term -> the words as the post wrote them (first occurrence) */
  surface: Map<string, string>;
}

/**
 * Weights of terms relative to a plain word. A concept found from a phrase of several words or from an
 * acronym counts as one word; a word that is itself a thesaurus form ("lyophilised") shares its weight
 * with its concept, so that a word and its concept do not count twice. A form in several groups
 * ("lentiviral": lentivirus and viral vector) splits its concept weight among them.
 */
export const TERM_WEIGHTS = {
  concept: 1,
  singleWordConcept: 0.5,
  conceptWord: 0.5,
  /** Scale tokens such as "2000l" say little about what is needed: counted, but lightly. */
  volume: 0.3,
};

const TWO_CAPITALS = /[A-Z][^A-Z]*[A-Z]/;
const LOWER_THEN_UPPER = /^[a-z]+[A-Z]/;
const LETTER_AND_DIGIT = /^(?=.*[a-z])(?=.*\d)/i;
const DIGITS = /^\d+$/;
const VOLUME = /^\d+(?:l|ml|ul|kl|hl|m3)$/;
const NON_TERM = /[^a-z0-9]/g;

/** Acronyms and codes (HRAM, mAb, IgG1, HEK293T, Q13) are kept whole: stemming would mangle them. */
function isCode(surface: string): boolean {
  return TWO_CAPITALS.test(surface) || LOWER_THEN_UPPER.test(surface) || LETTER_AND_DIGIT.test(surface);
}

/** The canonical term of a single token, or null if it carries no meaning. */
export function termOf(t: Token): string | null {
  if (t.fixed !== undefined) return t.fixed;
  if (isCode(t.surface)) {
    // Plural of an acronym: CQAs, mAbs -> cqa, mab.
    const s = t.surface.endsWith('s') && /[A-Z]/.test(t.surface.slice(0, -1)) ? t.surface.slice(0, -1) : t.surface;
    const term = s.toLowerCase().replace(NON_TERM, '');
    return term.length >= 2 ? term : null;
  }
  const w = t.folded;
  if (w.length < 2 || DIGITS.test(w) || isStopWord(w)) return null;
  const term = stem(w.replace(NON_TERM, ''));
  return term.length >= 2 && !isStopWord(term) ? term : null;
}

export function emptyBag(): TermBag {
  return { terms: new Map(), length: 0, surface: new Map() };
}

/** Adds the terms of `text` to `bag` (and to `also`, if given), each occurrence counting `weight`. */
export function addText(bag: TermBag, text: string, weight: number, also?: TermBag): void {
  const { text: norm, tokens } = tokenize(text);
  const { concepts, acronymTokens } = findConcepts(tokens);
  const add = (term: string, w: number, surface: string): void => {
    for (const b of also ? [bag, also] : [bag]) {
      b.terms.set(term, (b.terms.get(term) ?? 0) + w);
      b.length += w;
      if (!b.surface.has(term)) b.surface.set(term, surface);
    }
  };
  const conceptWords = new Set<number>();
  for (const c of concepts) if (c.end - c.start === 1) conceptWords.add(c.start);
  for (let i = 0; i < tokens.length; i++) {
    if (acronymTokens.has(i)) continue;
    const t = tokens[i] as Token;
    const term = termOf(t);
    if (term === null) continue;
    const w = VOLUME.test(term) ? TERM_WEIGHTS.volume : conceptWords.has(i) ? TERM_WEIGHTS.conceptWord : 1;
    add(term, weight * w, t.surface);
  }
  for (const c of concepts) {
    const first = tokens[c.start] as Token;
    const last = tokens[c.end - 1] as Token;
    const single = c.end - c.start === 1 && !acronymTokens.has(c.start);
    const w = (single ? TERM_WEIGHTS.singleWordConcept : TERM_WEIGHTS.concept) / c.siblings;
    add(c.concept, weight * w, norm.slice(first.start, last.end));
  }
}

/** Canonical terms of a short text, in order of appearance (for tests and query building). */
export function analyzeText(text: string): string[] {
  const bag = emptyBag();
  addText(bag, text, 1);
  return [...bag.terms.keys()];
}
