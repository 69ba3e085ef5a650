// Ranking quality measures for the labelled evaluation sets (shared/eval/README.md).
//
// Conventions, used by every harness:
// - Grades: 3 answers the need directly, 2 good fit with a gap, 1 related, unlisted pair 0.
// - nDCG@k uses gain 2^grade - 1 and log2(rank + 1) discount; the ideal ranking is built from all the
//   need's judged grades. A need with no judged offering (nothing fits it) scores 1 when the engine
//   returns nothing for it and 0 when it returns anything: showing the least bad offer is a failure.
// - precision@k counts results with grade >= minGrade (2) among the first k, divided by k (fewer than
//   k results still divide by k). It is averaged over the needs that have at least one offering of
//   grade >= minGrade; needs with nothing relevant are measured by nDCG and by the "no match" count.

export function dcgAtK(grades: readonly number[], k: number): number {
  let dcg = 0;
  const n = Math.min(k, grades.length);
  for (let i = 0; i < n; i++) {
    const g = grades[i] ?? 0;
    dcg += (2 ** g - 1) / Math.log2(i + 2);
  }
  return dcg;
}

/**
 * nDCG@k of one need. `rankedGrades`: the grade of each returned offering in rank order (0 for
 * unjudged); `allGradesForNeed`: the grades of every judged offering of the need (any order).
 */
export function ndcgAtK(rankedGrades: readonly number[], allGradesForNeed: readonly number[], k: number): number {
  const ideal = [...allGradesForNeed].filter((g) => g > 0).sort((a, b) => b - a);
  const idcg = dcgAtK(ideal, k);
  if (idcg === 0) return rankedGrades.length === 0 ? 1 : 0;
  return dcgAtK(rankedGrades, k) / idcg;
}

export function precisionAtK(rankedGrades: readonly number[], k: number, minGrade = 2): number {
  if (k <= 0) return 0;
  let hits = 0;
  const n = Math.min(k, rankedGrades.length);
  for (let i = 0; i < n; i++) if ((rankedGrades[i] ?? 0) >= minGrade) hits++;
  return hits / k;
}

export interface NeedRanking {
  need: string;
  /** grades of the returned offerings, best first */
  rankedGrades: number[];
  /** grades of all judged offerings of the need */
  allGrades: number[];
}

export interface EvalSummary {
  needs: number;
  ndcg: number;
  precision: number;
  /** needs with at least one offering of grade >= minGrade (the precision denominator) */
  answerableNeeds: number;
  /** needs with no judged offering at all */
  unmatchedNeeds: number;
  /** of those, how many got no match (the right answer) */
  unmatchedWithNoResult: number;
}

/** Means over needs with the conventions above. */
export function summarize(rankings: readonly NeedRanking[], k = 5, minGrade = 2): EvalSummary {
  let ndcg = 0;
  let precision = 0;
  let answerable = 0;
  let unmatched = 0;
  let unmatchedEmpty = 0;
  for (const r of rankings) {
    ndcg += ndcgAtK(r.rankedGrades, r.allGrades, k);
    if (r.allGrades.some((g) => g >= minGrade)) {
      answerable++;
      precision += precisionAtK(r.rankedGrades, k, minGrade);
    }
    if (!r.allGrades.some((g) => g > 0)) {
      unmatched++;
      if (r.rankedGrades.length === 0) unmatchedEmpty++;
    }
  }
  const n = rankings.length;
  return {
    needs: n,
    ndcg: n > 0 ? ndcg / n : 0,
    precision: answerable > 0 ? precision / answerable : 0,
    answerableNeeds: answerable,
    unmatchedNeeds: unmatched,
    unmatchedWithNoResult: unmatchedEmpty,
  };
}
