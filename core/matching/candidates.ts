// How posts are found as candidates before they are scored: each post lists its terms with an impact
// (how strongly the post is about that term), and a query takes the highest-impact posts of each of its
// most discriminating terms. The cost is bounded by terms x posts-per-term, whatever the corpus size.

import type { AnalyzedText } from './analysis.js';
import { BM25, idf, type CorpusStats } from './bm25.js';
import { candidateTerms } from './score.js';

/**
 * A fixed reference length for the impact's length normalisation: impacts order one term's posting
 * list, so only their order matters, and a constant keeps stored impacts stable as the corpus grows.
 */
const REFERENCE_LENGTH = 60;

/** Each term of a post with its BM25 term-frequency part, in 0..k1+1. */
export function termImpacts(a: AnalyzedText): [string, number][] {
  const norm = 1 - BM25.b + (BM25.b * a.length) / REFERENCE_LENGTH;
  return [...a.terms].map(([term, tf]) => [term, (tf * (BM25.k1 + 1)) / (tf + BM25.k1 * norm)]);
}

/** The query side of a candidate search: the post's most discriminating terms, weighted by idf. */
export function candidateQuery(
  a: AnalyzedText,
  stats: CorpusStats,
  max: number,
): { terms: string[]; weights: number[] } {
  const terms = candidateTerms(a, stats, max);
  return { terms, weights: terms.map((t) => idf(stats, t)) };
}
