// Common needs: two open needs of different organisations that describe the same underlying problem,
// however differently they word it. Scored with the matcher's own parts (the same analysis and thesaurus,
// BM25 coverage against the needs corpus, the request-weighted view of a need, the capability, TRL,
// partnership and modality fits) and the same rule: no fit, no common need.
//
// The rule in short: each need's text (above all its request sentences) must be found in the other, in
// both directions (a harmonic mean, so one long post cannot carry a short one); structured fit (tags,
// TRL range, partnership types) scales that evidence modestly; and at least one specific term or concept
// must be shared, not only common words. Groups are formed by average linkage over pairs of organisations.

import { isLive } from '../policy.js';
import { capabilityBySlug } from '../taxonomy.js';
import type { AnalyzedText } from './analysis.js';
import { coverage, type CorpusStats } from './bm25.js';
import { matchedTerms, partnershipTypeWords, sentenceList, SUMMARY_TERMS, trlRange } from './explain.js';
import { capabilityCoverage, commonPartnershipTypes, partnershipFactor, sharedCapabilities } from './fit.js';
import { modalityFactor, WEIGHTS } from './score.js';

/** What common-need scoring reads of a need; its text comes in through its analysis. */
export interface CommonNeedCandidate {
  id: string;
  orgId: string;
  capabilities: string[];
  trlMin: number;
  trlMax: number;
  partnershipTypes: string[];
  status: 'open' | 'closed';
  expiresAt: Date;
  analyzed: AnalyzedText;
}

/** Why two needs are common, in the form of a match's explanation, from the first need's side. */
export interface CommonNeedExplanation {
  capabilities: { slug: string; name: string }[];
  /** shared terms as the two needs wrote them ("PAT / process analytical technology" when they differ) */
  terms: string[];
  /** min/max: the first need's TRL range; otherMin/otherMax: the other's */
  trl: { min: number; max: number; otherMin: number; otherMax: number; overlap: boolean };
  partnershipTypes: string[];
  /** one readable line */
  summary: string;
}

export interface CommonPairComponents {
  /** coverage of each need's text by the other (request-weighted, as in a need's view of an offering) */
  textAB: number;
  textBA: number;
  /** harmonic mean of the two, spread over 0..1 as the matcher spreads text coverage */
  text: number;
  capabilityFactor: number;
  trlFactor: number;
  partnershipFactor: number;
  modalityFactor: number;
  /** at least one specific term (see SPECIFIC_DF_SHARE) is shared */
  substance: boolean;
  /** 0..1; 0 when there is no substance */
  similarity: number;
}

/**
 * A pair below this similarity is not common. Chosen by cross-validation on eval/common-dev.json, not at
 * the whole file's optimum: the mean, rounded, of the thresholds of best F1 chosen with each fold of
 * organisations left out (0.401-0.422 with the idf prior; bench/eval-common-offline.ts prints them).
 */
export const COMMON_THRESHOLD = 0.4;

/**
 * Capabilities scale the similarity by 1 - COMMON_CAPABILITY_WEIGHT x (1 - c), c the mean coverage of each
 * need's tags by the other's (1 same capability, SAME_AREA_CREDIT same area); untagged needs are not
 * penalised. Set below the matcher's CAPABILITY_WEIGHT (0.3): two authors of the same need often tag it
 * differently, and 0.25 was as good as 0.2 or 0.3 on the dev set (a flat region, not a fitted optimum).
 */
export const COMMON_CAPABILITY_WEIGHT = 0.25;

/**
 * The same problem is at about the same readiness: the similarity is scaled by 1 - COMMON_TRL_WEIGHT x
 * (1 - J), J the Jaccard overlap of the two TRL ranges (levels in common / levels in either). Disjoint ranges
 * cost a quarter, like a partnership mismatch (NO_COMMON_PARTNERSHIP_FACTOR); 0.2-0.3 behave alike on dev.
 */
export const COMMON_TRL_WEIGHT = 0.25;

/**
 * Substance: a pair must share at least one specific term (word stem or thesaurus concept), one that at
 * most SPECIFIC_DF_SHARE of all open needs carry, so that common words alone ("process", "manufacturing",
 * "data", "validation") never make two needs common. A tenth: a topic shared by a tenth of all needs is
 * still a topic, not boilerplate. SPECIFIC_MIN_DF keeps the rule from biting in a small corpus, where a
 * common need posted by four organisations, plus one other need using its words, is itself a sizeable
 * share of all needs (four is the largest group in the dev set).
 */
export const SPECIFIC_DF_SHARE = 0.1;
export const SPECIFIC_MIN_DF = 5;

/**
 * Grouping: two groups merge when the mean similarity over all pairs across them (a pair that was not kept
 * counts 0) is at least COMMON_THRESHOLD x GROUP_LINK_FACTOR. A need joins a pair of needs through one kept
 * link only if that link is at least 4/3 of the threshold; a chain of links just above the threshold
 * (A~B, B~C, A and C unrelated) never merges. Any value in 0.55-0.75 gave the same groups on dev; 2/3 is
 * the middle.
 */
export const GROUP_LINK_FACTOR = 2 / 3;

function harmonicMean(a: number, b: number): number {
  return a + b > 0 ? (2 * a * b) / (a + b) : 0;
}

/** A need's view of another need: the matcher's need-side coverage (whole text, above all its requests). */
function needText(from: AnalyzedText, to: AnalyzedText, stats: CorpusStats): number {
  const full = coverage(from.terms, to, stats);
  if (from.request.size === 0) return full;
  return (1 - WEIGHTS.REQUEST_WEIGHT) * full + WEIGHTS.REQUEST_WEIGHT * coverage(from.request, to, stats);
}

/** Levels in common over levels in either range (0 when the ranges are disjoint). */
export function trlOverlap(aMin: number, aMax: number, bMin: number, bMax: number): number {
  const [alo, ahi] = aMin <= aMax ? [aMin, aMax] : [aMax, aMin];
  const [blo, bhi] = bMin <= bMax ? [bMin, bMax] : [bMax, bMin];
  const inter = Math.min(ahi, bhi) - Math.max(alo, blo) + 1;
  if (inter <= 0) return 0;
  return inter / (Math.max(ahi, bhi) - Math.min(alo, blo) + 1);
}

function hasSubstance(a: AnalyzedText, b: AnalyzedText, stats: CorpusStats): boolean {
  const maxDf = Math.max(SPECIFIC_MIN_DF, SPECIFIC_DF_SHARE * stats.docCount);
  const [small, large] = a.terms.size <= b.terms.size ? [a, b] : [b, a];
  for (const t of small.terms.keys()) if (large.terms.has(t) && stats.docFreq(t) <= maxDf) return true;
  return false;
}

type Scorable = Pick<CommonNeedCandidate, 'capabilities' | 'trlMin' | 'trlMax' | 'partnershipTypes' | 'analyzed'>;

/** The raw parts of a pair's similarity, without exclusions or threshold (for diagnosis, tuning and tests). */
export function commonPairComponents(a: Scorable, b: Scorable, needStats: CorpusStats): CommonPairComponents {
  const textAB = needText(a.analyzed, b.analyzed, needStats);
  const textBA = needText(b.analyzed, a.analyzed, needStats);
  const text = 1 - (1 - harmonicMean(textAB, textBA)) ** WEIGHTS.TEXT_POWER;
  const cAB = capabilityCoverage(a.capabilities, b.capabilities);
  const cBA = capabilityCoverage(b.capabilities, a.capabilities);
  const capabilityFactor = cAB === null || cBA === null ? 1 : 1 - COMMON_CAPABILITY_WEIGHT * (1 - (cAB + cBA) / 2);
  const trlFactor = 1 - COMMON_TRL_WEIGHT * (1 - trlOverlap(a.trlMin, a.trlMax, b.trlMin, b.trlMax));
  const partnership = partnershipFactor(a.partnershipTypes, b.partnershipTypes);
  const modality = modalityFactor(a.analyzed, b.analyzed);
  const substance = hasSubstance(a.analyzed, b.analyzed, needStats);
  const similarity = substance ? text * capabilityFactor * trlFactor * partnership * modality : 0;
  return {
    textAB,
    textBA,
    text,
    capabilityFactor,
    trlFactor,
    partnershipFactor: partnership,
    modalityFactor: modality,
    substance,
    similarity,
  };
}

/** Why a pair of needs is not a candidate at all, or null: same organisation, closed or expired. */
export function commonExclusionReason(a: CommonNeedCandidate, b: CommonNeedCandidate, now: Date): string | null {
  if (a.id === b.id) return 'same need';
  if (a.orgId === b.orgId) return 'same organisation';
  if (a.status !== 'open' || b.status !== 'open') return 'need is closed';
  if (!isLive(a, now) || !isLive(b, now)) return 'need has expired';
  return null;
}

/** The explanation of a pair from the first need's side (computed whether or not the pair is kept). */
export function explainCommonPair(a: Scorable, b: Scorable, needStats: CorpusStats): CommonNeedExplanation {
  const capabilities = sharedCapabilities(a.capabilities, b.capabilities).map((slug) => ({
    slug,
    name: capabilityBySlug(slug)?.name ?? slug,
  }));
  const terms = matchedTerms(a.analyzed, b.analyzed, { needs: needStats, offerings: needStats });
  const overlap = trlOverlap(a.trlMin, a.trlMax, b.trlMin, b.trlMax) > 0;
  const trl = { min: a.trlMin, max: a.trlMax, otherMin: b.trlMin, otherMax: b.trlMax, overlap };
  const partnershipTypes = commonPartnershipTypes(a.partnershipTypes, b.partnershipTypes);

  // One sentence, each part labelled, as a match's: "Both need PAT / process analytical technology and
  // Raman; Capability: …; TRL ranges 5–7 and 6–8 overlap; Partnership: consortium, co-development."
  const parts: string[] = [];
  if (terms.length > 0) parts.push(`Both need ${sentenceList(terms.slice(0, SUMMARY_TERMS))}`);
  if (capabilities.length > 0) {
    parts.push(
      `${capabilities.length > 1 ? 'Capabilities' : 'Capability'}: ${sentenceList(capabilities.map((c) => c.name))}`,
    );
  }
  const ranges = `${trlRange(trl.min, trl.max)} and ${trlRange(trl.otherMin, trl.otherMax)}`;
  parts.push(`TRL ranges ${ranges} ${overlap ? 'overlap' : 'do not overlap'}`);
  if (partnershipTypes.length > 0) parts.push(`Partnership: ${partnershipTypeWords(partnershipTypes)}`);
  const summary = parts.join('; ') + '.';
  return { capabilities, terms, trl, partnershipTypes, summary: summary.charAt(0).toUpperCase() + summary.slice(1) };
}

/**
 * Scores a pair of needs as a common need. Symmetric: (a, b) and (b, a) give the same similarity (the
 * explanation is told from the first need's side). Null for the same organisation, a closed or expired
 * need, no shared specific term, or a similarity below COMMON_THRESHOLD. `needStats` are the BM25
 * statistics of all open needs.
 */
export function scoreCommonPair(
  a: CommonNeedCandidate,
  b: CommonNeedCandidate,
  needStats: CorpusStats,
  now: Date = new Date(),
): { similarity: number; explanation: CommonNeedExplanation } | null {
  if (commonExclusionReason(a, b, now) !== null) return null;
  // Compute in a fixed order so that floating-point sums cannot differ between (a, b) and (b, a).
  const [x, y] = a.id <= b.id ? [a, b] : [b, a];
  // The harmonic mean is below twice its smaller argument and every factor is at most 1: most candidates
  // stop here, before the other direction and the explanation are computed.
  const oneWay = needText(x.analyzed, y.analyzed, needStats);
  if (1 - (1 - Math.min(1, 2 * oneWay)) ** WEIGHTS.TEXT_POWER < COMMON_THRESHOLD) return null;
  const { similarity } = commonPairComponents(x, y, needStats);
  if (similarity < COMMON_THRESHOLD) return null;
  return { similarity, explanation: explainCommonPair(a, b, needStats) };
}

export interface GroupOptions {
  /** merge when the mean similarity across two groups is at least this; default COMMON_THRESHOLD x GROUP_LINK_FACTOR */
  linkThreshold?: number;
}

/**
 * Partitions needs into common-need groups by average-linkage agglomeration over the kept pairs, a pair
 * not given counting 0. Average linkage, not single linkage: a need joins a group only if it is similar to
 * the group as a whole, so two unrelated needs are never chained through one weak link. The average is
 * over pairs of different organisations: two sites of one company posting the same need both join the
 * group the others form (they are never common to each other, and that says nothing against the group).
 * Every group spans at least two organisations. Deterministic and independent of input order: the best
 * merge is taken first, ties broken by the groups' smallest ids. Candidate merges wait in a heap, so a
 * marketplace of thousands of needs groups in well under a second. Groups of two or more, largest first;
 * ids sorted within a group.
 */
export function groupCommonNeeds(
  pairs: { a: string; b: string; similarity: number }[],
  orgOf: (needId: string) => string,
  options: GroupOptions = {},
): string[][] {
  const link = options.linkThreshold ?? COMMON_THRESHOLD * GROUP_LINK_FACTOR;
  // One similarity per unordered pair (the larger if given twice); same-organisation pairs never link.
  const sim = new Map<string, number>();
  const key = (x: string, y: string): string => (x < y ? `${x}\u0000${y}` : `${y}\u0000${x}`);
  const ids = new Set<string>();
  for (const p of pairs) {
    if (p.a === p.b || !(p.similarity > 0) || orgOf(p.a) === orgOf(p.b)) continue;
    const k = key(p.a, p.b);
    sim.set(k, Math.max(sim.get(k) ?? 0, p.similarity));
    ids.add(p.a);
    ids.add(p.b);
  }
  const sorted = [...ids].sort();
  interface Cluster {
    /** indexes into `sorted`; the first is the smallest */
    members: number[];
    /** needs per organisation */
    orgs: Map<string, number>;
    alive: boolean;
    /** bumped on every merge: a candidate merge computed before it is out of date */
    version: number;
  }
  const clusters: Cluster[] = sorted.map((id, i) => ({
    members: [i],
    orgs: new Map([[orgOf(id), 1]]),
    alive: true,
    version: 0,
  }));
  const index = new Map(sorted.map((id, i) => [id, i]));
  // Sum of similarities between two clusters, kept only for clusters with at least one link.
  const sums = new Map<number, Map<number, number>>();
  const addSum = (i: number, j: number, s: number): void => {
    for (const [p, q] of [
      [i, j],
      [j, i],
    ] as const) {
      const m = sums.get(p) ?? new Map<number, number>();
      m.set(q, (m.get(q) ?? 0) + s);
      sums.set(p, m);
    }
  };
  for (const k of [...sim.keys()].sort()) {
    const s = sim.get(k) as number;
    const [x, y] = k.split('\u0000') as [string, string];
    addSum(index.get(x) as number, index.get(y) as number, s);
  }
  // Pairs across two clusters that may link: those of different organisations (one organisation's two
  // needs are never common, and their missing pair is no evidence against the group).
  const crossPairs = (ci: Cluster, cj: Cluster): number => {
    let same = 0;
    for (const [o, n] of ci.orgs) same += n * (cj.orgs.get(o) ?? 0);
    return ci.members.length * cj.members.length - same;
  };

  const heap = new MergeHeap();
  const offer = (i: number, j: number): void => {
    const ci = clusters[i] as Cluster;
    const cj = clusters[j] as Cluster;
    const s = sums.get(i)?.get(j);
    const n = crossPairs(ci, cj);
    if (s === undefined || n === 0) return;
    const avg = s / n;
    if (avg < link) return;
    // The clusters' smallest ids, as positions in the sorted ids: the smaller first, then the other.
    const [lo, hi] = [ci.members[0] as number, cj.members[0] as number].sort((x, y) => x - y) as [number, number];
    heap.push({ avg, tie: lo * sorted.length + hi, i, j, vi: ci.version, vj: cj.version });
  };
  for (const [i, m] of sums) for (const j of m.keys()) if (i < j) offer(i, j);

  for (let best = heap.pop(); best !== undefined; best = heap.pop()) {
    const ci = clusters[best.i] as Cluster;
    const cj = clusters[best.j] as Cluster;
    if (!ci.alive || !cj.alive || ci.version !== best.vi || cj.version !== best.vj) continue;
    ci.members =
      (ci.members[0] as number) < (cj.members[0] as number)
        ? ci.members.concat(cj.members)
        : cj.members.concat(ci.members);
    for (const [o, n] of cj.orgs) ci.orgs.set(o, (ci.orgs.get(o) ?? 0) + n);
    ci.version++;
    cj.alive = false;
    // Merge j's link sums into i's, then offer i's merges anew with its new averages.
    const mj = sums.get(best.j) ?? new Map<number, number>();
    sums.delete(best.j);
    for (const [q, s] of mj) {
      sums.get(q)?.delete(best.j);
      if (q !== best.i) addSum(best.i, q, s);
    }
    sums.get(best.i)?.delete(best.i);
    for (const q of sums.get(best.i)?.keys() ?? []) offer(best.i, q);
  }
  return clusters
    .filter((c) => c.alive && c.members.length >= 2)
    .map((c) => c.members.map((m) => sorted[m] as string).sort())
    .sort((x, y) => y.length - x.length || ((x[0] as string) < (y[0] as string) ? -1 : 1));
}

interface Merge {
  avg: number;
  /** the two clusters' smallest ids, as one number that orders like the pair: ties go to the smallest */
  tie: number;
  i: number;
  j: number;
  vi: number;
  vj: number;
}

/** A binary max-heap of candidate merges: highest average first, ties by their smallest ids. */
class MergeHeap {
  private readonly items: Merge[] = [];

  private static before(a: Merge, b: Merge): boolean {
    return a.avg > b.avg || (a.avg === b.avg && a.tie < b.tie);
  }

  push(m: Merge): void {
    const h = this.items;
    h.push(m);
    for (let k = h.length - 1; k > 0;) {
      const parent = (k - 1) >> 1;
      if (!MergeHeap.before(h[k] as Merge, h[parent] as Merge)) break;
      [h[k], h[parent]] = [h[parent] as Merge, h[k] as Merge];
      k = parent;
    }
  }

  pop(): Merge | undefined {
    const h = this.items;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      for (let k = 0; ;) {
        const l = 2 * k + 1;
        const r = l + 1;
        let m = k;
        if (l < h.length && MergeHeap.before(h[l] as Merge, h[m] as Merge)) m = l;
        if (r < h.length && MergeHeap.before(h[r] as Merge, h[m] as Merge)) m = r;
        if (m === k) break;
        [h[k], h[m]] = [h[m] as Merge, h[k] as Merge];
        k = m;
      }
    }
    return top;
  }
}
