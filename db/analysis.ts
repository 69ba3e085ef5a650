import type { AnalyzedText } from '../core/matching/index.js';

/**
 * How a post's AnalyzedText is kept in its jsonb `analysis` column: Map fields become
 * `{"$map": {...}}` objects, everything else is stored as it is, so the codec follows the shape of
 * AnalyzedText without listing its fields.
 */
export type StoredAnalysis = Record<string, unknown>;

export function toStoredAnalysis(a: AnalyzedText): StoredAnalysis {
  return Object.fromEntries(
    Object.entries(a).map(([k, v]) => [k, v instanceof Map ? { $map: Object.fromEntries(v) } : v]),
  );
}

export function fromStoredAnalysis(stored: StoredAnalysis): AnalyzedText {
  return Object.fromEntries(
    Object.entries(stored).map(([k, v]) => [
      k,
      v && typeof v === 'object' && '$map' in v ? new Map(Object.entries((v as { $map: object }).$map)) : v,
    ]),
  ) as unknown as AnalyzedText;
}

/** The distinct terms of a stored analysis, for the corpus statistics. */
export function storedTerms(stored: StoredAnalysis): string[] {
  const terms = stored.terms as { $map?: Record<string, number> } | undefined;
  return Object.keys(terms?.$map ?? {});
}
