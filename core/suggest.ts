// Capabilities suggested from a post's text as it is typed: the taxonomy's names and scopes analysed like
// posts are, and each capability scored by the rare terms it shares with the text.

import { CAPABILITIES } from './taxonomy.js';
import { analyzeText } from './text/index.js';

const profiles = CAPABILITIES.map((c) => ({ slug: c.slug, terms: new Set(analyzeText(`${c.name}. ${c.covers}`)) }));
const documentFrequency = new Map<string, number>();
for (const p of profiles) for (const t of p.terms) documentFrequency.set(t, (documentFrequency.get(t) ?? 0) + 1);

/** Below this a shared term or two of little weight is not worth a suggestion. */
const MIN_SCORE = 2;

/** The capabilities a text is most likely about, best first, at most `limit`. */
export function suggestCapabilities(text: string, limit = 3): string[] {
  const terms = new Set(analyzeText(text));
  if (terms.size === 0) return [];
  return profiles
    .map((p) => {
      let score = 0;
      for (const t of p.terms) if (terms.has(t)) score += Math.log(1 + profiles.length / documentFrequency.get(t)!);
      return { slug: p.slug, score };
    })
    .filter((s) => s.score >= MIN_SCORE)
    .sort((a, b) => b.score - a.score || a.slug.localeCompare(b.slug))
    .slice(0, limit)
    .map((s) => s.slug);
}
