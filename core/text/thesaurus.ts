// Compiles the thesaurus once at module load into lookup tables keyed by a form's first token, and finds
// every form in a token sequence.

import { SHADOWING_PHRASES, THESAURUS, type ThesaurusGroup } from './thesaurus-data.js';
import { tokenize, type Token } from './tokenize.js';

/** Concept tokens are "x" + group id: letters and digits only, so PostgreSQL's parser keeps them whole. */
export const CONCEPT_PREFIX = 'x';

interface Entry {
  /** Token keys (phrases) or exact surfaces (acronyms) to match, in order. */
  seq: string[];
  concepts: string[];
  /** Hides the matches that lie inside it. */
  shadows: boolean;
}

export interface ConceptMatch {
  concept: string;
  /** Token index range [start, end). */
  start: number;
  end: number;
  /** How many concepts the matched form yields (a form in several groups spreads its weight). */
  siblings: number;
}

const phraseIndex = new Map<string, Entry[]>();
const acronymIndex = new Map<string, Entry[]>();
// Acronym entries by the capitalised form of their first token, for variants such as "MAB" for mAb.
const acronymUpperIndex = new Map<string, Entry[]>();
const phraseBySignature = new Map<string, Entry>();
const acronymBySignature = new Map<string, Entry>();

function addEntry(
  index: Map<string, Entry[]>,
  bySig: Map<string, Entry>,
  seq: string[],
  concept: string | null,
  shadows: boolean,
): void {
  const first = seq[0];
  if (first === undefined) return;
  const sig = seq.join(' ');
  let e = bySig.get(sig);
  if (!e) {
    e = { seq, concepts: [], shadows: false };
    bySig.set(sig, e);
    const list = index.get(first) ?? [];
    list.push(e);
    list.sort((a, b) => b.seq.length - a.seq.length); // longest first
    index.set(first, list);
  }
  if (concept !== null && !e.concepts.includes(concept)) e.concepts.push(concept);
  if (shadows) e.shadows = true;
}

function phraseKeys(phrase: string): string[] {
  return tokenize(phrase).tokens.map((t) => t.key);
}

function compile(groups: readonly ThesaurusGroup[]): void {
  const shadowing = new Set(SHADOWING_PHRASES.map((p) => phraseKeys(p).join(' ')));
  for (const g of groups) {
    if (!/^[a-z0-9]+$/.test(g.id)) throw new Error(`thesaurus id must be [a-z0-9]+: ${g.id}`);
    const concept = CONCEPT_PREFIX + g.id;
    for (const p of g.phrases ?? []) {
      const keys = phraseKeys(p);
      addEntry(phraseIndex, phraseBySignature, keys, concept, shadowing.has(keys.join(' ')));
    }
    for (const a of g.acronyms ?? []) {
      const surfaces = tokenize(a).tokens.map((t) => t.surface);
      addEntry(acronymIndex, acronymBySignature, surfaces, concept, false);
    }
  }
  for (const p of SHADOWING_PHRASES) addEntry(phraseIndex, phraseBySignature, phraseKeys(p), null, true);
  for (const [first, list] of acronymIndex) {
    const up = first.toUpperCase();
    if (up !== first) acronymUpperIndex.set(up, (acronymUpperIndex.get(up) ?? []).concat(list));
  }
}

compile(THESAURUS);

/** Does token `t` carry acronym surface `form`? Accepts the form as written, in capitals, or plural. */
function surfaceMatches(t: Token, form: string, last: boolean): boolean {
  const s = t.surface;
  if (s === form || s === form.toUpperCase()) return true;
  if (last && s.length === form.length + 1 && s.endsWith('s')) {
    const base = s.slice(0, -1);
    return base === form || base === form.toUpperCase();
  }
  return false;
}

function acronymCandidates(t: Token): Entry[] | undefined {
  const s = t.surface;
  const direct = acronymIndex.get(s);
  if (direct) return direct;
  // Plural ("CQAs") or capitalised ("MAB") variants of a form.
  if (s.endsWith('s')) {
    const base = s.slice(0, -1);
    return acronymIndex.get(base) ?? acronymUpperIndex.get(base.toUpperCase());
  }
  return acronymUpperIndex.get(s);
}

function matchesAt(tokens: Token[], i: number, e: Entry, acronym: boolean): boolean {
  const n = e.seq.length;
  if (i + n > tokens.length) return false;
  for (let k = 0; k < n; k++) {
    const t = tokens[i + k] as Token;
    if (k > 0 && t.boundary) return false;
    const want = e.seq[k] as string;
    if (acronym ? !surfaceMatches(t, want, k === n - 1) : t.key !== want) return false;
  }
  return true;
}

export interface ThesaurusResult {
  concepts: ConceptMatch[];
  /** Tokens that were read as an acronym of the thesaurus: they stand for their concepts only. */
  acronymTokens: Set<number>;
}

/**
 * Finds thesaurus forms in a token sequence. Every form found yields its concepts once (a concept found
 * again in an overlapping span is not counted twice); forms inside a shadowing phrase are ignored.
 */
export function findConcepts(tokens: Token[]): ThesaurusResult {
  const concepts: ConceptMatch[] = [];
  const acronymTokens = new Set<number>();
  const lastEnd = new Map<string, number>();
  let shadowEnd = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const found: { e: Entry; acronym: boolean }[] = [];
    for (const e of phraseIndex.get(t.key) ?? []) if (matchesAt(tokens, i, e, false)) found.push({ e, acronym: false });
    for (const e of acronymCandidates(t) ?? []) if (matchesAt(tokens, i, e, true)) found.push({ e, acronym: true });
    if (found.length === 0) continue;
    found.sort((a, b) => b.e.seq.length - a.e.seq.length);
    for (const { e, acronym } of found) {
      const end = i + e.seq.length;
      if (end <= shadowEnd && !e.shadows) continue;
      if (e.shadows) shadowEnd = Math.max(shadowEnd, end);
      if (acronym) for (let k = i; k < end; k++) acronymTokens.add(k);
      for (const c of e.concepts) {
        if ((lastEnd.get(c) ?? -1) > i) continue;
        lastEnd.set(c, end);
        concepts.push({ concept: c, start: i, end, siblings: e.concepts.length });
      }
    }
  }
  return { concepts, acronymTokens };
}

/** All concept tokens the thesaurus can produce (for tests and diagnostics). */
export function allConcepts(): string[] {
  return THESAURUS.map((g) => CONCEPT_PREFIX + g.id);
}
