// Per-post analysis: computed once when a post is saved, reused for every pair it is scored in.

import { addText, emptyBag } from '../text/analyze.js';

export interface AnalyzedText {
  /** canonical term -> weighted frequency */
  terms: Map<string, number>;
  /** sum of term weights (BM25 document length) */
  length: number;
  /** canonical term -> the words as the post wrote them (for explanations) */
  surface: Map<string, string>;
  /**
   * The terms of the description's request sentences ("We want...", "We are looking for...",
   * "Probes must..."): what would answer the post, as opposed to background. Empty when no sentence
   * states a request. Used for a need's view of a pair.
   */
  request: Map<string, number>;
  /**
   * The request without what it moves away from (`wantedPart`): what an offering must provide. The same
   * map as `request` when no request sentence names a status quo. A need's view of an offering uses it;
   * common needs use the whole request, since two posts of one need share their starting point too.
   */
  wanted: Map<string, number>;
}

// The title and the author's own keywords state what the post is about; the description adds detail
// and incidental words. Weights multiply each occurrence.
export const FIELD_WEIGHTS = { title: 2.5, keywords: 2, description: 1 };

// "We want ...", and the same verb coordinated: "We are finalising X and want Y".
const REQUEST_CUE =
  /\b(?:we|i|and)\s+(?:want|need|seek|require|would like|are looking|are seeking|look for|hope to find|are interested in|aim to)\b|\blooking for\b|\bseeking\b|\bmust\b|\bshould\b|\brequires?\b|\brequired\b|\bneeds? to\b|\bideally\b/i;

// Sentence ends: ., ! or ? followed by space and a capital, digit or bracket (keeps "e.g. the", "Ph. Eur").
const SENTENCE_END = /(?<=[.!?])\s+(?=[A-Z0-9(])/;

export function isRequestSentence(sentence: string): boolean {
  return REQUEST_CUE.test(sentence);
}

// What a request moves away from is the status quo, not what is asked for: "a MAM to replace charge-variant
// and glycan assays", "search by meaning rather than exact keywords". "replace X with Y" asks for Y.
const REPLACED = /\b(?:to replace|replacing)\b.*?(?=\bwith\b|;|$)/gi;
const NOT_WANTED = /\b(?:instead of|rather than)\b[^,;:]*/gi;

/** A request sentence without what it asks to replace or would rather not have. */
export function wantedPart(sentence: string): string {
  return sentence.replace(REPLACED, ' ').replace(NOT_WANTED, ' ');
}

export function analyzePost(p: { title: string; description: string; keywords: string[] }): AnalyzedText {
  const bag = emptyBag();
  const request = emptyBag();
  addText(bag, p.title, FIELD_WEIGHTS.title);
  // Keywords are separate phrases: analyse each alone so that no phrase spans two of them.
  for (const k of p.keywords) addText(bag, k, FIELD_WEIGHTS.keywords);
  const wanted = emptyBag();
  let statusQuo = false;
  for (const sentence of p.description.split(SENTENCE_END)) {
    if (!isRequestSentence(sentence)) {
      addText(bag, sentence, FIELD_WEIGHTS.description);
      continue;
    }
    addText(bag, sentence, FIELD_WEIGHTS.description, request);
    const part = wantedPart(sentence);
    statusQuo ||= part !== sentence;
    addText(wanted, part, FIELD_WEIGHTS.description);
  }
  return {
    terms: bag.terms,
    length: bag.length,
    surface: bag.surface,
    request: request.terms,
    wanted: statusQuo ? wanted.terms : request.terms,
  };
}

/**
 * Bump when analysis changes (tokeniser, thesaurus, stemmer, weights): analyses stored with another
 * version must be recomputed before they are scored against fresh ones.
 */
export const ANALYSIS_VERSION = 4;

/** A JSON-safe form of an analysis, for storing it next to the post (e.g. a jsonb column). */
export interface AnalyzedTextJson {
  version: number;
  length: number;
  terms: [string, number][];
  surface: [string, string][];
  request: [string, number][];
  /** Absent when the same as `request`. */
  wanted?: [string, number][];
}

export function analyzedToJson(a: AnalyzedText): AnalyzedTextJson {
  return {
    version: ANALYSIS_VERSION,
    length: a.length,
    terms: [...a.terms],
    surface: [...a.surface],
    request: [...a.request],
    ...(a.wanted === a.request ? {} : { wanted: [...a.wanted] }),
  };
}

/** The analysis back from its JSON form, or null if it was made by another version of the analyser. */
export function analyzedFromJson(j: AnalyzedTextJson): AnalyzedText | null {
  if (j.version !== ANALYSIS_VERSION) return null;
  const request = new Map(j.request);
  return {
    length: j.length,
    terms: new Map(j.terms),
    surface: new Map(j.surface),
    request,
    wanted: j.wanted ? new Map(j.wanted) : request,
  };
}

const INDEX_TERM = /^[a-z0-9]+$/;

/**
 * The distinct canonical terms of a post, for PostgreSQL: `to_tsvector('simple', terms.join(' '))`.
 * Terms are [a-z0-9]+ by construction (checked here too), so the 'simple' parser keeps each one whole.
 */
export function indexTerms(a: AnalyzedText): string[] {
  const out: string[] = [];
  for (const t of a.terms.keys()) if (INDEX_TERM.test(t)) out.push(t);
  return out;
}
