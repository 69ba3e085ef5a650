// BM25 term weighting, used directionally: how much of a query post's weighted terms a document post
// covers, normalised by what the query would score against itself (so 1 = covers everything).

import type { AnalyzedText } from './analysis.js';

/** Statistics of ONE side's corpus (all needs, or all offerings). */
export interface CorpusStats {
  docCount: number;
  avgLength: number;
  docFreq(term: string): number;
}

export const BM25 = {
  k1: 1.2,
  b: 0.75,
  /** Saturation of the query's own term frequency (a term repeated in title, keywords and text counts more, not linearly). */
  k3: 2,
};

/** In-memory corpus statistics from analysed posts (the harness, tests, or a cache in the worker). */
export function buildCorpusStats(docs: Iterable<AnalyzedText>): CorpusStats {
  const df = new Map<string, number>();
  let n = 0;
  let total = 0;
  for (const d of docs) {
    n++;
    total += d.length;
    for (const t of d.terms.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  }
  return corpusStatsFrom(n, total, df);
}

/** Corpus statistics from counts (e.g. loaded from PostgreSQL). */
export function corpusStatsFrom(docCount: number, totalLength: number, df: ReadonlyMap<string, number>): CorpusStats {
  return {
    docCount,
    avgLength: docCount > 0 ? totalLength / docCount : 0,
    docFreq: (t) => df.get(t) ?? 0,
  };
}

/**
 * Smoothing of document frequencies: every corpus is read as if it also held PRIOR.docs posts in which each
 * term has a PRIOR.share. A young marketplace's statistics swing with each post (in a corpus of five, a
 * word in two posts looks common); with the prior its weights start even and move as evidence comes in,
 * so the first posts are scored much as they will be once the marketplace has grown.
 */
export const PRIOR = { docs: 20, share: 0.02 };

/**
 * Robertson-Sparck Jones idf, never negative. A term no document has yet is treated as if one had it:
 * it cannot match anything now, and an unbounded weight would let it swamp the normalisation.
 */
export function idf(stats: CorpusStats, term: string): number {
  const n = Math.max(stats.docCount, 1) + PRIOR.docs;
  const df = Math.min(Math.max(stats.docFreq(term), 1), n) + PRIOR.docs * PRIOR.share;
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}

function tfPart(tf: number, len: number, avgLen: number): number {
  const norm = avgLen > 0 ? 1 - BM25.b + (BM25.b * len) / avgLen : 1;
  return (tf * (BM25.k1 + 1)) / (tf + BM25.k1 * norm);
}

/** A query post prepared against one corpus: its terms with query weight x idf, and its self-score. */
export interface PreparedQuery {
  stats: CorpusStats;
  weigh: TermWeigher | undefined;
  terms: string[];
  weights: Float64Array;
  selfScore: number;
}

/** A weight per query term on top of its BM25 weight (e.g. less for generic words); 1 for most terms. */
export type TermWeigher = (term: string) => number;

const prepared = new WeakMap<Map<string, number>, PreparedQuery>();

export function prepareQuery(qterms: Map<string, number>, stats: CorpusStats, weigh?: TermWeigher): PreparedQuery {
  const hit = prepared.get(qterms);
  if (hit && hit.stats === stats && hit.weigh === weigh) return hit;
  const terms: string[] = [];
  const weights: number[] = [];
  let selfScore = 0;
  for (const [t, tf] of qterms) {
    const w = ((tf * (BM25.k3 + 1)) / (tf + BM25.k3)) * idf(stats, t) * (weigh ? weigh(t) : 1);
    terms.push(t);
    weights.push(w);
    // Self-score as if the query were a document of average length: independent of how long it is.
    selfScore += w * tfPart(tf, stats.avgLength, stats.avgLength);
  }
  const p: PreparedQuery = { stats, weigh, terms, weights: Float64Array.from(weights), selfScore };
  prepared.set(qterms, p);
  return p;
}

/** Fraction (0..1) of the query terms' BM25 self-score that the document achieves. */
export function coverage(q: Map<string, number>, doc: AnalyzedText, stats: CorpusStats, weigh?: TermWeigher): number {
  const p = prepareQuery(q, stats, weigh);
  if (p.selfScore <= 0) return 0;
  let s = 0;
  const dt = doc.terms;
  for (let i = 0; i < p.terms.length; i++) {
    const tf = dt.get(p.terms[i] as string);
    if (tf !== undefined) s += (p.weights[i] as number) * tfPart(tf, doc.length, stats.avgLength);
  }
  return Math.min(1, s / p.selfScore);
}

/** Per-term contributions of a match (for explanations): term -> share of the self-score. */
export function termContributions(
  q: Map<string, number>,
  doc: AnalyzedText,
  stats: CorpusStats,
  weigh?: TermWeigher,
): Map<string, number> {
  const p = prepareQuery(q, stats, weigh);
  const out = new Map<string, number>();
  if (p.selfScore <= 0) return out;
  for (let i = 0; i < p.terms.length; i++) {
    const t = p.terms[i] as string;
    const tf = doc.terms.get(t);
    if (tf !== undefined)
      out.set(t, ((p.weights[i] as number) * tfPart(tf, doc.length, stats.avgLength)) / p.selfScore);
  }
  return out;
}
