import { analyzedFromJson, type AnalyzedText, type AnalyzedTextJson } from '../core/matching/index.js';

/** A post's analysis as its jsonb `analysis` column keeps it (core/matching's JSON form). */
export type StoredAnalysis = AnalyzedTextJson;

const NO_TERMS = new Map<string, number>();
const NOTHING: AnalyzedText = { length: 0, terms: NO_TERMS, surface: new Map(), request: NO_TERMS, wanted: NO_TERMS };

/**
 * The stored analysis. One made by another version of the analyser matches nothing until a rematch has
 * re-analysed it (`reanalyseStale`): scores of two analyser versions are not comparable.
 */
export function analysisOf(post: { analysis: StoredAnalysis }): AnalyzedText {
  return analyzedFromJson(post.analysis) ?? NOTHING;
}

/** The distinct terms of a stored analysis, for the corpus statistics. */
export function storedTerms(stored: StoredAnalysis): string[] {
  return (stored.terms ?? []).map(([term]) => term);
}
