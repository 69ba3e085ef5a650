// Scores a need-offering pair from both sides and combines the two views with a harmonic mean, so a
// match has to make sense to the biomanufacturer and to the supplier or lab.

import { isLive } from '../policy.js';
import type { OrgKind } from '../taxonomy.js';
import { isGenericTerm } from '../text/generic.js';
import { CONCEPT_PREFIX } from '../text/thesaurus.js';
import type { AnalyzedText } from './analysis.js';
import { coverage, idf, termContributions, type CorpusStats, type TermWeigher } from './bm25.js';
import { isDomainTerm } from './domain.js';
import { explain, type MatchExplanation } from './explain.js';
import { capabilityCoverage, partnershipFit, trlFit } from './fit.js';

/** What scoring reads of a need; its text comes in through its analysis. */
export interface MatchableNeed {
  id: string;
  orgId: string;
  capabilities: string[];
  trlMin: number;
  trlMax: number;
  partnershipTypes: string[];
  openTo: OrgKind[];
  status: 'open' | 'closed';
  expiresAt: Date;
}

/** What scoring reads of an offering; its text comes in through its analysis. */
export interface MatchableOffering {
  id: string;
  orgId: string;
  orgKind: OrgKind;
  capabilities: string[];
  trl: number;
  partnershipTypes: string[];
  status: 'open' | 'closed';
}

export interface ScoredMatch {
  /** 0..1, what matches are ranked by: the relevance weighed by the partnership fit (see rankScore) */
  score: number;
  /** 0..1, the harmonic mean of the two views: whether the pair is a match at all (MATCH_RULE) */
  relevance: number;
  needScore: number;
  offeringScore: number;
  explanation: MatchExplanation;
}

/**
 * Scoring weights.
 * - Text coverage is a BM25 fraction of a post's own self-score. A need's coverage mixes its whole text
 *   with its request sentences (REQUEST_WEIGHT of it): background shared with an offering ("our
 *   lentiviral vector for CAR-T...") matters less than what the need asks for.
 * - Even a perfect partner covers only part of a long post's vocabulary, so coverage c is spread over
 *   0..1 by 1 - (1 - c)^TEXT_POWER.
 * - Capabilities scale a direction's relevance: tags in common keep it whole, tags in different areas
 *   cost CAPABILITY_WEIGHT of it, and missing tags cost half of that (no evidence either way).
 * - Generic words (core/text/generic.ts: test, data, units, development...) count GENERIC_WEIGHT of a
 *   word in a pair's text coverage: a need and an offering are written by different people for different
 *   ends, and the everyday words they share are mostly coincidence. (Common needs, two statements of one
 *   problem in the same register, count them whole.) Half: chosen with MATCH_RULE by cross-validation,
 *   every fold preferring it to 1 and to 0.25.
 * - Partnership fit orders matches, it does not decide them: a relevant offering that offers fewer of the
 *   ways of working the need accepts (fit.ts partnershipFit) ranks lower, its relevance multiplied by
 *   1 - PARTNERSHIP_WEIGHT x (1 - fit). On eval/dev.json the offerings judged to answer a need directly
 *   offer more of its partnership types than those judged a good fit with a gap in 19 needs' pairs out
 *   of 22 where the two differ. Chosen by cross-validation over needs (bench/eval-offline.ts): the figures
 *   are flat from 0.8 to 1, and 0.8 keeps a fifth of the relevance for an offering with no type in common.
 */
export const WEIGHTS = {
  REQUEST_WEIGHT: 0.7,
  TEXT_POWER: 2,
  CAPABILITY_WEIGHT: 0.3,
  GENERIC_WEIGHT: 0.5,
  PARTNERSHIP_WEIGHT: 0.8,
};

/**
 * Bump when scoring changes what a stored match's score means (weights, rules): a worker that finds matches
 * scored by another version rematches on start, so that old and new scores are ranked together no longer
 * than a rematch takes.
 * 2: the score is the relevance weighed by partnership fit (before, the relevance).
 */
export const SCORING_VERSION = 2;

/** Query-term weights of match scoring: generic words count GENERIC_WEIGHT. */
const weighGeneric: TermWeigher = (t) => (isGenericTerm(t) ? WEIGHTS.GENERIC_WEIGHT : 1);

/**
 * Roadmatch is a biologics marketplace; a small-molecule offering (tablets, chiral separations, API assays)
 * shares the vocabulary of a biologics need (chromatography, Raman, LC-MS) without answering it.
 * When exactly one side is about small molecules only, both views are multiplied by this.
 */
export const MODALITY_MISMATCH_FACTOR = 0.5;

const SMALL_MOLECULE = CONCEPT_PREFIX + 'smallmolecule';
const BIOLOGIC = CONCEPT_PREFIX + 'biologic';

function smallMoleculeOnly(a: AnalyzedText): boolean {
  return a.terms.has(SMALL_MOLECULE) && !a.terms.has(BIOLOGIC);
}

export function modalityFactor(a: AnalyzedText, b: AnalyzedText): number {
  const sa = smallMoleculeOnly(a);
  const sb = smallMoleculeOnly(b);
  if (sa && !b.terms.has(SMALL_MOLECULE)) return MODALITY_MISMATCH_FACTOR;
  if (sb && !a.terms.has(SMALL_MOLECULE)) return MODALITY_MISMATCH_FACTOR;
  return 1;
}

/**
 * What a pair needs to be a match.
 * - threshold: the relevance (0..1) below which a pair is not worth a person's time.
 * - evidence: the share of the pair's text match that must be carried by domain terms (isDomainTerm:
 *   thesaurus concepts, taxonomy words, rare words; never generic words such as "test", "data", "units"):
 *   a match made mostly of everyday words is no match however high its sum. See `pairEvidence`.
 * Both, with WEIGHTS.GENERIC_WEIGHT, chosen by cross-validation over needs on eval/dev.json
 * (bench/eval-offline.ts): each fold's constants are set on the other needs, not on the whole file. Every
 * evidence share up to 0.4 keeps the same matches on dev, and 0.2 is the middle of that plateau. The folds
 * choose thresholds of 0.36-0.37, the lowest at which dev's needs that nothing fits stay silent (at 0.35
 * one is shown a match): the edge of that plateau, with no margin for unseen needs. 0.38 keeps two
 * hundredths of margin, for 0.007 of nDCG@5 on dev (0.913 against 0.920): a need nothing fits shown a match
 * costs far more, to the person and to the measure, than a good-with-a-gap match left out.
 */
export const MATCH_RULE = { threshold: 0.38, evidence: 0.2 };
/** The relevance threshold of MATCH_RULE. */
export const MATCH_THRESHOLD = MATCH_RULE.threshold;

export function exclusionReason(need: MatchableNeed, offering: MatchableOffering, now: Date): string | null {
  if (need.orgId === offering.orgId) return 'same organisation';
  if (!need.openTo.includes(offering.orgKind)) return `need is not open to ${offering.orgKind} organisations`;
  if (need.status !== 'open') return 'need is closed';
  if (offering.status !== 'open') return 'offering is closed';
  if (!isLive(need, now)) return 'need has expired';
  return null;
}

/** How much of the need the offering covers: its whole text, and above all what its requests want. */
function needCoverage(need: AnalyzedText, offering: AnalyzedText, stats: CorpusStats): number {
  const full = coverage(need.terms, offering, stats, weighGeneric);
  if (need.wanted.size === 0) return full;
  return (
    (1 - WEIGHTS.REQUEST_WEIGHT) * full + WEIGHTS.REQUEST_WEIGHT * coverage(need.wanted, offering, stats, weighGeneric)
  );
}

/**
 * The share (0..1) of a pair's text match carried by domain terms: of the per-term contributions to both
 * directions' coverage (the need's mixed as needCoverage mixes them), those of domain terms over all.
 */
export function pairEvidence(need: AnalyzedText, offering: AnalyzedText, stats: SideStats): number {
  let all = 0;
  let domain = 0;
  const add = (contributions: Map<string, number>, weight: number): void => {
    for (const [t, c] of contributions) {
      all += weight * c;
      if (isDomainTerm(t, stats)) domain += weight * c;
    }
  };
  const request = need.wanted.size > 0 ? WEIGHTS.REQUEST_WEIGHT : 0;
  add(termContributions(need.terms, offering, stats.offerings, weighGeneric), 1 - request);
  if (request > 0) add(termContributions(need.wanted, offering, stats.offerings, weighGeneric), request);
  add(termContributions(offering.terms, need, stats.needs, weighGeneric), 1);
  return all > 0 ? domain / all : 0;
}

function viewScore(text: number, cap: number | null): number {
  const t = 1 - (1 - text) ** WEIGHTS.TEXT_POWER;
  const c = cap === null ? 0.5 : cap;
  return t * (1 - WEIGHTS.CAPABILITY_WEIGHT + WEIGHTS.CAPABILITY_WEIGHT * c);
}

export interface PairComponents {
  needText: number;
  offeringText: number;
  needCapability: number | null;
  offeringCapability: number | null;
  trlFactor: number;
  /** partnershipFit: the share of the need's partnership types the offering offers */
  partnershipFit: number;
  modalityFactor: number;
  needScore: number;
  offeringScore: number;
  relevance: number;
  score: number;
  /** pairEvidence: the share of the text match carried by domain terms */
  evidence: number;
}

type Scorable<T> = T & { analyzed: AnalyzedText };
type SideStats = { needs: CorpusStats; offerings: CorpusStats };

/** The need's view: its terms (above all its request) found in the offering, and the TRL fit. */
function needView(need: Scorable<MatchableNeed>, offering: Scorable<MatchableOffering>, stats: SideStats) {
  const text = needCoverage(need.analyzed, offering.analyzed, stats.offerings);
  const capability = capabilityCoverage(need.capabilities, offering.capabilities);
  const trl = trlFit(offering.trl, need.trlMin, need.trlMax).factor;
  const modality = modalityFactor(need.analyzed, offering.analyzed);
  return { text, capability, trl, modality, score: viewScore(text, capability) * trl * modality };
}

/**
 * The offering's view: its terms found in the need, against the need corpus. (An offering's "we are
 * looking for" sentences are about partners, not about what it provides, so its whole text is used.)
 */
function offeringView(need: Scorable<MatchableNeed>, offering: Scorable<MatchableOffering>, stats: SideStats) {
  const text = coverage(offering.analyzed.terms, need.analyzed, stats.needs, weighGeneric);
  const capability = capabilityCoverage(offering.capabilities, need.capabilities);
  const modality = modalityFactor(need.analyzed, offering.analyzed);
  return { text, capability, score: viewScore(text, capability) * modality };
}

function harmonicMean(a: number, b: number): number {
  return a + b > 0 ? (2 * a * b) / (a + b) : 0;
}

/** A pair's relevance from its two views (as stored with a match): the harmonic mean. */
export const relevanceOf = (needScore: number, offeringScore: number): number => harmonicMean(needScore, offeringScore);

/** What a match ranks by: its relevance, less for an offering that offers fewer of the need's ways of working. */
export function rankScore(relevance: number, fit: number): number {
  return relevance * (1 - WEIGHTS.PARTNERSHIP_WEIGHT * (1 - fit));
}

/** The raw components of a pair's score, without exclusions or threshold (for diagnosis and tests). */
export function scoreComponents(
  need: Scorable<MatchableNeed>,
  offering: Scorable<MatchableOffering>,
  stats: SideStats,
): PairComponents {
  const n = needView(need, offering, stats);
  const o = offeringView(need, offering, stats);
  const fit = partnershipFit(need.partnershipTypes, offering.partnershipTypes);
  const relevance = harmonicMean(n.score, o.score);
  return {
    needText: n.text,
    offeringText: o.text,
    needCapability: n.capability,
    offeringCapability: o.capability,
    trlFactor: n.trl,
    partnershipFit: fit,
    modalityFactor: n.modality,
    needScore: n.score,
    offeringScore: o.score,
    relevance,
    score: rankScore(relevance, fit),
    evidence: pairEvidence(need.analyzed, offering.analyzed, stats),
  };
}

/**
 * Scores a pair; null when a hard exclusion applies, the relevance is below MATCH_RULE.threshold, or too
 * little of the text match is carried by domain terms (MATCH_RULE.evidence).
 */
export function scorePair(
  need: Scorable<MatchableNeed>,
  offering: Scorable<MatchableOffering>,
  stats: SideStats,
  now: Date = new Date(),
): ScoredMatch | null {
  if (exclusionReason(need, offering, now) !== null) return null;
  const n = needView(need, offering, stats);
  // The harmonic mean is below twice its smaller argument: most candidates stop here.
  if (2 * n.score < MATCH_RULE.threshold) return null;
  const o = offeringView(need, offering, stats);
  const relevance = harmonicMean(n.score, o.score);
  if (relevance < MATCH_RULE.threshold) return null;
  if (pairEvidence(need.analyzed, offering.analyzed, stats) < MATCH_RULE.evidence) return null;
  const fit = partnershipFit(need.partnershipTypes, offering.partnershipTypes);
  return {
    score: rankScore(relevance, fit),
    relevance,
    needScore: n.score,
    offeringScore: o.score,
    explanation: explain(need, offering, stats),
  };
}

/**
 * The most discriminating terms of a post by idf x (saturated) weighted frequency, best first: the
 * terms to put in the PostgreSQL candidate query (`to_tsquery('simple', terms.join(' | '))`).
 */
export function candidateTerms(a: AnalyzedText, stats: CorpusStats, max: number): string[] {
  const scored: [string, number][] = [];
  for (const [t, tf] of a.terms) scored.push([t, idf(stats, t) * (tf / (tf + 1))]);
  scored.sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
  return scored.slice(0, Math.max(0, max)).map(([t]) => t);
}
