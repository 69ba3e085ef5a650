import { analyzedFromJson, analyzePost, type AnalyzedText, type AnalyzedTextJson } from '../core/matching/index.js';

/** A post's analysis as its jsonb `analysis` column keeps it (core/matching's JSON form). */
export type StoredAnalysis = AnalyzedTextJson;

/** The stored analysis, or a fresh one when it was made by another version of the analyser. */
export function analysisOf(post: {
  analysis: StoredAnalysis;
  title: string;
  description: string;
  keywords: string[];
}): AnalyzedText {
  return analyzedFromJson(post.analysis) ?? analyzePost(post);
}

/** The distinct terms of a stored analysis, for the corpus statistics. */
export function storedTerms(stored: StoredAnalysis): string[] {
  return (stored.terms ?? []).map(([term]) => term);
}
