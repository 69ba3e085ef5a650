// Why a pair matched, in terms a person recognises: the capabilities in common, the terms that matched
// as each post wrote them, the TRL fit and the partnership types in common, plus one readable line.

import { capabilityBySlug } from '../taxonomy.js';
import { CONCEPT_PREFIX } from '../text/thesaurus.js';
import type { AnalyzedText } from './analysis.js';
import { termContributions, type CorpusStats } from './bm25.js';
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

/** The matched terms, strongest first, rendered as written; near-duplicates collapsed. */
export function matchedTerms(
  need: AnalyzedText,
  offering: AnalyzedText,
  stats: { needs: CorpusStats; offerings: CorpusStats },
  max = MAX_EXPLANATION_TERMS,
): string[] {
  const fromNeed = termContributions(need, offering, stats.offerings);
  const fromOffering = termContributions(offering, need, stats.needs);
  const ranked = [...fromNeed.keys()]
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
  for (const { t } of ranked) {
    const a = need.surface.get(t) ?? t;
    const b = offering.surface.get(t) ?? t;
    const la = a.toLowerCase();
    const lb = b.toLowerCase();
    const isConcept = t.startsWith(CONCEPT_PREFIX);
    if (!isConcept && phrases.some((p) => p !== la && (p.includes(la) || p.includes(lb)))) continue;
    if (shown.some((s) => s.includes(la) && s.includes(lb))) continue;
    out.push(la === lb || sameWord(la, lb) ? a : `${a} / ${b}`);
    shown.push(`${la} / ${lb}`);
    if (out.length >= max) break;
  }
  return out;
}

// "resin" and "resins", "modelling" and "modeling": same word, show it once.
function sameWord(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  return n >= 4 && a.slice(0, n - 1) === b.slice(0, n - 1) && Math.abs(a.length - b.length) <= 3;
}

const FIT_WORDS: Record<TrlFit, string> = { within: 'within', near: 'just outside', outside: 'outside' };

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

  const parts: string[] = [];
  if (terms.length > 0) parts.push(`Matched on ${terms.slice(0, 4).join(', ')}`);
  if (capabilities.length > 0) parts.push(`both in ${capabilities.map((c) => c.name).join(' and ')}`);
  const range = trl.needMin === trl.needMax ? `${trl.needMin}` : `${trl.needMin}-${trl.needMax}`;
  parts.push(`TRL ${trl.offering} ${FIT_WORDS[fit]} ${range}`);
  parts.push(partnershipTypes.length > 0 ? partnershipTypes.join(', ') : 'no partnership type in common');
  return { capabilities, terms, trl, partnershipTypes, summary: parts.join('; ') + '.' };
}
