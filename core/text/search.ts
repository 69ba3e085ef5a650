// A person's search words -> conditions on the analysed terms of posts, so that search knows the
// vocabulary as matching does: "PAT" finds "process analytical technology" and back, "characterisation"
// finds "characterization", "lentiviral" finds "LV".
//
// Semantics, as in web search: every part of the query must be found (AND); `a OR b` gives alternatives;
// `-word` or `-"a phrase"` excludes; quotes keep a phrase together. A part is either a thesaurus phrase
// or acronym (one concept: a post has it whichever way it is written) or a single word (its stem). A
// phrase that is a concept is one part, not three words that must all be written: "process analytical
// technology" finds a post that only says "PAT".
//
// A single word that is only one member of a broad group ("Raman" in spectroscopy, "orbitrap" in mass
// spectrometry) stands for itself, not for the group: searching "Raman" must not find NIR. It stands for
// its group when it names the group (its id or head phrase: "spectroscopy", "lentiviral", "perfusion").

import { THESAURUS } from './thesaurus-data.js';
import { CONCEPT_PREFIX, findConcepts, type ConceptMatch } from './thesaurus.js';
import { termOf } from './analyze.js';
import { tokenize, type Token } from './tokenize.js';

/** One alternative of a query: posts with at least one term of each `all` group, and none of any `none` group. */
export interface SearchClause {
  all: string[][];
  none: string[][];
}

interface GroupInfo {
  /** forms in the group: the fewer, the more specific */
  forms: number;
  /** token keys that name the group: its id and the words of its first phrase */
  head: Set<string>;
}

const groups = new Map<string, GroupInfo>();
for (const g of THESAURUS) {
  const head = new Set<string>([g.id]);
  const first = g.phrases?.[0];
  if (first !== undefined) for (const t of tokenize(first).tokens) head.add(t.key);
  groups.set(CONCEPT_PREFIX + g.id, { forms: (g.phrases?.length ?? 0) + (g.acronyms?.length ?? 0), head });
}

/** The parts of a piece of query text: each a list of alternative terms (a post needs one of them). */
export function searchParts(text: string): string[][] {
  const { tokens } = tokenize(text);
  const { concepts, acronymTokens } = findConcepts(tokens);
  // Concepts by span; a span stands for its concepts when it is an acronym, a phrase of several words, or a
  // word that names the group.
  const spans = new Map<string, { start: number; end: number; concepts: ConceptMatch[] }>();
  for (const c of concepts) {
    const single = c.end - c.start === 1;
    const token = tokens[c.start] as Token;
    const names = !single || acronymTokens.has(c.start) || (groups.get(c.concept)?.head.has(token.key) ?? false);
    if (!names) continue;
    const k = `${c.start}:${c.end}`;
    const s = spans.get(k) ?? { start: c.start, end: c.end, concepts: [] };
    s.concepts.push(c);
    spans.set(k, s);
  }
  // Longest spans first, then leftmost; a span inside or across a chosen one is not used.
  const chosen = [...spans.values()].sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
  const covered = new Array<boolean>(tokens.length).fill(false);
  const parts: { at: number; terms: string[] }[] = [];
  for (const s of chosen) {
    let free = true;
    for (let i = s.start; i < s.end; i++) if (covered[i]) free = false;
    if (!free) continue;
    for (let i = s.start; i < s.end; i++) covered[i] = true;
    // A form in several groups stands for the most specific of them ("lentiviral": lentivirus, not every
    // viral vector); groups equally specific are alternatives.
    const size = (c: ConceptMatch) => groups.get(c.concept)?.forms ?? Infinity;
    const min = Math.min(...s.concepts.map(size));
    parts.push({ at: s.start, terms: [...new Set(s.concepts.filter((c) => size(c) === min).map((c) => c.concept))] });
  }
  for (let i = 0; i < tokens.length; i++) {
    // An acronym of the thesaurus always stands for its concept; its letters are no word.
    if (covered[i] || acronymTokens.has(i)) continue;
    const term = termOf(tokens[i] as Token);
    if (term !== null) parts.push({ at: i, terms: [term] });
  }
  parts.sort((a, b) => a.at - b.at);
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const p of parts) {
    const key = [...p.terms].sort().join(' ');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p.terms);
  }
  return out;
}

const OR = /\s+or\s+/i;
// "-word" or -"a phrase" at the start or after a space; a minus before a digit is a number ("-70 °C").
const NEGATED = /(^|\s)-("[^"]*"?|[A-Za-z][^\s"]*)/g;

/** Parses a search into alternatives (OR), each a set of required and excluded parts; [] when no part is left. */
export function parseSearch(q: string): SearchClause[] {
  const clauses: SearchClause[] = [];
  for (const alternative of q.split(OR)) {
    const none: string[][] = [];
    const positive = alternative.replace(NEGATED, (_m, lead: string, what: string) => {
      none.push(...searchParts(what.replace(/"/g, ' ')));
      return `${lead} , `;
    });
    const all = searchParts(positive);
    if (all.length > 0 || none.length > 0) clauses.push({ all, none });
  }
  return clauses;
}
