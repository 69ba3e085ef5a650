// Cross-validation of the match rule over needs (shared/eval/README.md data): the rule's constants (the
// score threshold and the evidence a match needs) are chosen on some needs and measured on the others, so
// that the figures say what to expect on needs the constants were not set on.
//
// Every harness gives, per need, its candidate offerings with score, evidence and grade (all the pairs the
// engine would keep under the most permissive rule of the grid); a rule keeps those at or above both of
// its constants, best score first. A harness may give several variants of the candidates (the same pairs
// scored with another value of a scoring constant): the variant is then chosen with the rule, fold by fold.

import { ndcgAtK, summarize, type NeedRanking } from './metrics.js';

export interface RuleCandidate {
  offering: string;
  /** what the rule's threshold reads: the pair's relevance */
  score: number;
  /** what the kept candidates are ordered by, when it is not `score` (the engine's rank score) */
  rank?: number;
  evidence: number;
  grade: number;
}

export interface NeedCandidates {
  need: string;
  /** the candidates, in any order */
  candidates: RuleCandidate[];
  /** grades of every judged offering of the need */
  allGrades: number[];
}

export interface Rule {
  threshold: number;
  evidence: number;
  /** which variant of the candidates the rule reads (see CandidateSets); '' when there is one */
  variant?: string;
}

/** Candidates per variant, each over the same needs. */
export type CandidateSets = Readonly<Record<string, readonly NeedCandidates[]>>;

const setsOf = (x: CandidateSets | readonly NeedCandidates[]): CandidateSets =>
  Array.isArray(x) ? { '': x as readonly NeedCandidates[] } : (x as CandidateSets);

/** The offerings a rule keeps for a need, best first (ties by offering key, as stable as the API's order). */
export function kept(n: NeedCandidates, rule: Rule): RuleCandidate[] {
  const rank = (c: RuleCandidate) => c.rank ?? c.score;
  return n.candidates
    .filter((c) => c.score >= rule.threshold && c.evidence >= rule.evidence)
    .sort((a, b) => rank(b) - rank(a) || (a.offering < b.offering ? -1 : 1));
}

export interface Figures {
  needs: number;
  ndcg: number;
  /** precision@5 as metrics.ts defines it (over needs with a relevant offering) */
  precision5: number;
  /** share of the shown top three (over every need) with grade >= 2; 1 when nothing is shown */
  shownPrecision3: number;
  shown3: number;
  /** needs with no judged offering, and how many of them are shown nothing */
  unmet: number;
  unmetSilent: number;
}

/** The figures of ranked grades per need (the grades of what each need is shown, best first). */
export function figuresOf(rankings: readonly NeedRanking[], k = 5): Figures {
  const s = summarize(rankings, k);
  let shown = 0;
  let good = 0;
  for (const r of rankings) {
    for (const g of r.rankedGrades.slice(0, 3)) {
      shown++;
      if (g >= 2) good++;
    }
  }
  return {
    needs: s.needs,
    ndcg: s.ndcg,
    precision5: s.precision,
    shownPrecision3: shown > 0 ? good / shown : 1,
    shown3: shown,
    unmet: s.unmatchedNeeds,
    unmetSilent: s.unmatchedWithNoResult,
  };
}

export function rankingOf(n: NeedCandidates, rule: Rule): NeedRanking {
  return { need: n.need, rankedGrades: kept(n, rule).map((c) => c.grade), allGrades: n.allGrades };
}

/**
 * What a rule is chosen for: nDCG@5 (where a need nothing fits counts 1 if it is shown nothing, 0 otherwise)
 * plus the shown precision at 3, the two measures a person feels.
 */
export function objective(needs: readonly NeedCandidates[], rule: Rule): number {
  const f = figuresOf(needs.map((n) => rankingOf(n, rule)));
  return f.ndcg + f.shownPrecision3;
}

/**
 * The rule of the grid with the best objective on these needs. Where several are equally good (a plateau),
 * the first variant of the grid among them, and its middle rule, so that the choice does not sit on the
 * edge of what the training needs allowed.
 */
export function chooseRule(needs: CandidateSets | readonly NeedCandidates[], grid: readonly Rule[]): Rule {
  const sets = setsOf(needs);
  const scored = grid.map((rule) => ({ rule, value: objective(sets[rule.variant ?? ''] ?? [], rule) }));
  const best = Math.max(...scored.map((s) => s.value));
  const top = scored.filter((s) => s.value >= best - 1e-9).map((s) => s.rule);
  const variant = top[0]?.variant;
  const middle = top
    .filter((r) => r.variant === variant)
    .sort((a, b) => a.threshold - b.threshold || a.evidence - b.evidence);
  return middle[Math.floor((middle.length - 1) / 2)] as Rule;
}

/** Need keys dealt round-robin into k folds in sorted order (k >= number of needs: leave one out). */
export function foldsOf(needs: readonly string[], k: number): string[][] {
  const sorted = [...needs].sort();
  const n = Math.max(1, Math.min(k, sorted.length));
  const folds: string[][] = Array.from({ length: n }, () => []);
  sorted.forEach((x, i) => folds[i % n]!.push(x));
  return folds;
}

export interface CrossValidation {
  /** figures over every need, each ranked with the rule chosen without it */
  figures: Figures;
  /** the rule chosen for each fold */
  rules: Rule[];
  /** the median of the folds' constants (and their most frequent variant): the rule to deploy */
  median: Rule;
  /** each need's ranked grades under its fold's rule */
  rankings: NeedRanking[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Leaves each fold of needs out, chooses the rule on the rest, and ranks the fold's needs with it. */
export function crossValidate(
  needs: CandidateSets | readonly NeedCandidates[],
  grid: readonly Rule[],
  k = 5,
): CrossValidation {
  const sets = setsOf(needs);
  const first = Object.values(sets)[0] ?? [];
  const folds = foldsOf(
    first.map((n) => n.need),
    k,
  );
  const rules: Rule[] = [];
  const rankings: NeedRanking[] = [];
  for (const fold of folds) {
    const held = new Set(fold);
    const train: Record<string, NeedCandidates[]> = {};
    for (const [v, list] of Object.entries(sets)) train[v] = list.filter((n) => !held.has(n.need));
    const rule = chooseRule(train, grid);
    rules.push(rule);
    for (const n of sets[rule.variant ?? ''] ?? []) if (held.has(n.need)) rankings.push(rankingOf(n, rule));
  }
  const votes = new Map<string, number>();
  for (const r of rules) votes.set(r.variant ?? '', (votes.get(r.variant ?? '') ?? 0) + 1);
  const variant = [...votes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
  return {
    figures: figuresOf(rankings),
    rules,
    median: {
      threshold: median(rules.map((r) => r.threshold)),
      evidence: median(rules.map((r) => r.evidence)),
      ...(variant ? { variant } : {}),
    },
    rankings,
  };
}

/** Per need, nDCG@k of its ranking (for listings). */
export const ndcgOf = (r: NeedRanking, k = 5): number => ndcgAtK(r.rankedGrades, r.allGrades, k);
