// Why a pair matched, in terms a person recognises: the capabilities in common, the domain terms that
// matched as each post wrote them (never generic words: see domain.ts), the TRL fit and the partnership
// types in common, plus one readable sentence with a label for every part.

import { capabilityBySlug, isPartnershipType, PARTNERSHIP_TYPE_NAMES } from '../taxonomy.js';
import { CONCEPT_PREFIX } from '../text/thesaurus.js';
import type { AnalyzedText } from './analysis.js';
import { termContributions, type CorpusStats } from './bm25.js';
import { isDomainPhrase, isDomainTerm } from './domain.js';
import { commonPartnershipTypes, sharedCapabilities, trlFit, type TrlFit } from './fit.js';

export interface MatchExplanation {
  capabilities: { slug: string; name: string }[];
  /** matched terms as the posts wrote them ("PAT / process analytical technology" when they differ) */
  terms: string[];
  trl: { offering: number; needMin: number; needMax: number; fit: TrlFit };
  partnershipTypes: string[];
  /** one readable line */
  summary: string;
}

interface ExplainNeed {
  capabilities: string[];
  trlMin: number;
  trlMax: number;
  partnershipTypes: string[];
  analyzed: AnalyzedText;
}

interface ExplainOffering {
  capabilities: string[];
  trl: number;
  partnershipTypes: string[];
  analyzed: AnalyzedText;
}

export const MAX_EXPLANATION_TERMS = 6;

/**
 * The matched domain terms, strongest first, rendered as written; near-duplicates collapsed. Generic and
 * common words are left out however much they weigh (isDomainTerm), and so is a concept that one of the
 * posts wrote as a single generic word (isDomainPhrase).
 */
export function matchedTerms(
  need: AnalyzedText,
  offering: AnalyzedText,
  stats: { needs: CorpusStats; offerings: CorpusStats },
  max = MAX_EXPLANATION_TERMS,
): string[] {
  const fromNeed = termContributions(need.terms, offering, stats.offerings);
  const fromOffering = termContributions(offering.terms, need, stats.needs);
  const ranked = [...fromNeed.keys()]
    .filter((t) => isDomainTerm(t, stats))
    .map((t) => ({ t, w: (fromNeed.get(t) ?? 0) + (fromOffering.get(t) ?? 0) }))
    .sort((a, b) => b.w - a.w || (a.t < b.t ? -1 : 1));
  // A word that is part of a matched phrase ("twin" in "digital twin") is shown through the phrase.
  const phrases: string[] = [];
  for (const { t } of ranked) {
    if (!t.startsWith(CONCEPT_PREFIX)) continue;
    phrases.push((need.surface.get(t) ?? '').toLowerCase(), (offering.surface.get(t) ?? '').toLowerCase());
  }
  const out: string[] = [];
  const shown: string[] = [];
  // Each phrase of the need once: "early warning" matched to two concepts of the offering is one reason.
  const needPhrases = new Set<string>();
  for (const { t } of ranked) {
    const a = need.surface.get(t) ?? t;
    const b = offering.surface.get(t) ?? t;
    const la = a.toLowerCase();
    const lb = b.toLowerCase();
    const isConcept = t.startsWith(CONCEPT_PREFIX);
    if (!isConcept && phrases.some((p) => p !== la && (p.includes(la) || p.includes(lb)))) continue;
    if (shown.some((s) => s.includes(la) && s.includes(lb)) || needPhrases.has(la)) continue;
    const rendered = la === lb || sameWord(la, lb) ? a : `${a} / ${b}`;
    // A concept written as one everyday word ("interpret", "explained") is not shown for its concept.
    if (!isDomainPhrase(rendered, stats)) continue;
    out.push(rendered);
    shown.push(`${la} / ${lb}`);
    needPhrases.add(la);
    if (out.length >= max) break;
  }
  return out;
}

// "resin" and "resins", "modelling" and "modeling": same word, show it once.
function sameWord(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  return n >= 4 && a.slice(0, n - 1) === b.slice(0, n - 1) && Math.abs(a.length - b.length) <= 3;
}

/** Partnership types as a sentence reads them ("supply agreement, pilot project"), not as slugs. */
export function partnershipTypeWords(slugs: readonly string[]): string {
  return slugs
    .map((s) => (isPartnershipType(s) ? PARTNERSHIP_TYPE_NAMES[s] : s))
    .map((name) => name.charAt(0).toLowerCase() + name.slice(1))
    .join(', ');
}

/** A list as a sentence writes it: "a", "a and b", "a, b and c". */
export function sentenceList(xs: readonly string[]): string {
  return xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

/** "5–8", or "6" for a range of one level. */
export function trlRange(min: number, max: number): string {
  return min === max ? `${min}` : `${min}–${max}`;
}

/** "TRL 7 within your 5–8", "TRL 4 just below your 5–8", "TRL 9 well above your 5–7". */
export function trlPhrase(trl: number, min: number, max: number): string {
  const { fit } = trlFit(trl, min, max);
  const where =
    fit === 'within' ? 'within' : `${fit === 'near' ? 'just' : 'well'} ${trl < Math.min(min, max) ? 'below' : 'above'}`;
  return `TRL ${trl} ${where} your ${trlRange(min, max)}`;
}

/**
 * The partnership types in common as a sentence reads them, with how many of the need's they are when
 * not all ("pilot project (1 of the 3 the need accepts)"): the share ranks the match (partnershipFit). The
 * sentence is read by both sides, so it names the need rather than "you".
 */
export function partnershipPhrase(need: readonly string[], offering: readonly string[]): string {
  if (need.length === 0 || offering.length === 0) return 'not stated';
  const common = commonPartnershipTypes(need, offering);
  if (common.length === 0) return 'none in common';
  const words = partnershipTypeWords(common);
  return common.length < need.length ? `${words} (${common.length} of the ${need.length} the need accepts)` : words;
}

/** How many matched terms the one-line summary names (the `terms` field has up to MAX_EXPLANATION_TERMS). */
export const SUMMARY_TERMS = 4;

export function explain(
  need: ExplainNeed,
  offering: ExplainOffering,
  stats: { needs: CorpusStats; offerings: CorpusStats },
): MatchExplanation {
  const capabilities = sharedCapabilities(need.capabilities, offering.capabilities).map((slug) => ({
    slug,
    name: capabilityBySlug(slug)?.name ?? slug,
  }));
  const terms = matchedTerms(need.analyzed, offering.analyzed, stats);
  const { fit } = trlFit(offering.trl, need.trlMin, need.trlMax);
  const trl = { offering: offering.trl, needMin: need.trlMin, needMax: need.trlMax, fit };
  const partnershipTypes = commonPartnershipTypes(need.partnershipTypes, offering.partnershipTypes);

  // One sentence, each part labelled: "Matched on Raman and PAT / process analytical technology;
  // Capability: Spectroscopic process analytical technology; TRL 8 within your 5–8; Partnership: pilot project."
  const parts: string[] = [];
  if (terms.length > 0) parts.push(`Matched on ${sentenceList(terms.slice(0, SUMMARY_TERMS))}`);
  if (capabilities.length > 0) {
    parts.push(
      `${capabilities.length > 1 ? 'Capabilities' : 'Capability'}: ${sentenceList(capabilities.map((c) => c.name))}`,
    );
  }
  parts.push(trlPhrase(trl.offering, trl.needMin, trl.needMax));
  parts.push(`Partnership: ${partnershipPhrase(need.partnershipTypes, offering.partnershipTypes)}`);
  return { capabilities, terms, trl, partnershipTypes, summary: parts.join('; ') + '.' };
}
