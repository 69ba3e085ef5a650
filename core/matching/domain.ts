// Which terms carry meaning in this domain: the words and concepts a scientist would give as the reason two
// posts belong together. Explanations name only these, and a match must be carried in good part by them
// (score.ts, pairEvidence).
//
// A term is a domain term when it is not a generic word (core/text/generic.ts) and it is
// - a thesaurus concept (PAT, perfusion, viral clearance...), or
// - a word of the capability taxonomy (chromatography, endotoxin, lyophilisation...), or
// - a word that is rare in the marketplace: at most RARE_SHARE of the posts of either side use it (or at
//   most RARE_MIN_DF posts).
// A word that many posts use is common vocabulary, whatever a generic list forgets, unless the taxonomy
// names it ("bioreactor", "chromatography").

import { CAPABILITIES } from '../taxonomy.js';
import { addText, analyzeText, emptyBag } from '../text/analyze.js';
import { isGenericTerm } from '../text/generic.js';
import { CONCEPT_PREFIX } from '../text/thesaurus.js';
import { tokenize } from '../text/tokenize.js';
import { PRIOR, type CorpusStats } from './bm25.js';

/**
 * A word used by more than this share of one side's posts is common vocabulary, not a reason. One post in
 * ten, as a topic shared by a tenth of the marketplace is still a topic (the same share as the common-need
 * rule's SPECIFIC_DF_SHARE). Shares are smoothed with the idf prior, so a young marketplace's few posts do
 * not make every word look common or rare.
 */
export const RARE_SHARE = 0.1;
/**
 * A word used by at most this many posts of a side is rare whatever its share: in a young marketplace a
 * handful of posts on one topic is a large share of all posts, and the topic is no less specific for it.
 * Five, as the common-need rule's SPECIFIC_MIN_DF.
 */
export const RARE_MIN_DF = 5;

/** The words (stems) of the capability taxonomy's names and descriptions, generic words left out. */
export const CAPABILITY_TERMS: ReadonlySet<string> = (() => {
  const bag = emptyBag();
  for (const c of CAPABILITIES) addText(bag, `${c.name}. ${c.covers}`, 1);
  return new Set([...bag.terms.keys()].filter((t) => !t.startsWith(CONCEPT_PREFIX) && !isGenericTerm(t)));
})();

/** Share of a side's posts that use a term, smoothed as idf is (PRIOR). */
export function termShare(stats: CorpusStats, term: string): number {
  return (stats.docFreq(term) + PRIOR.docs * PRIOR.share) / (Math.max(stats.docCount, 0) + PRIOR.docs);
}

export function isConcept(term: string): boolean {
  return term.startsWith(CONCEPT_PREFIX);
}

type SideStats = { needs: CorpusStats; offerings: CorpusStats };

/** Is the term rare on both sides: used by at most RARE_MIN_DF posts, or at most RARE_SHARE of them? */
export function isRareTerm(term: string, stats: SideStats): boolean {
  const rare = (s: CorpusStats) => s.docFreq(term) <= RARE_MIN_DF || termShare(s, term) <= RARE_SHARE;
  return rare(stats.needs) && rare(stats.offerings);
}

/** Is the term one a scientist would give as a reason (see above)? */
export function isDomainTerm(term: string, stats: SideStats): boolean {
  if (isGenericTerm(term)) return false;
  if (isConcept(term) || CAPABILITY_TERMS.has(term)) return true;
  return isRareTerm(term, stats);
}

/**
 * Is an explanation term, as shown ("PAT / process analytical technology", "glucose"), a domain term? Read
 * back through the analyser, each side of the "/": a single word must not be generic, and must be a domain
 * term itself or stand for a concept that is one ("Raman", "perfused"; not "interpret", whatever concept
 * it was read as); a phrase must hold a domain concept or be made of domain words. The explanations use it,
 * and the evaluation prints every shown term for which it fails.
 */
export function isDomainPhrase(shown: string, stats: SideStats): boolean {
  return shown.split(' / ').every((part) => {
    const terms = analyzeText(part);
    const words = terms.filter((t) => !isConcept(t));
    const domainConcept = terms.some((t) => isConcept(t) && isDomainTerm(t, stats));
    if (words.length === 1 && tokenize(part).tokens.length === 1) {
      const word = words[0] as string;
      return !isGenericTerm(word) && (domainConcept || isDomainTerm(word, stats));
    }
    return domainConcept || (words.length > 0 && words.every((t) => isDomainTerm(t, stats)));
  });
}
