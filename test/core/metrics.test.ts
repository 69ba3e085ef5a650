import { describe, expect, it } from 'vitest';
import { dcgAtK, ndcgAtK, precisionAtK, summarize } from '../../core/eval/metrics.js';

describe('nDCG@k', () => {
  it('uses gain 2^grade - 1 and a log2 rank discount', () => {
    expect(dcgAtK([3], 5)).toBe(7);
    expect(dcgAtK([0, 3], 5)).toBeCloseTo(7 / Math.log2(3), 12);
    expect(dcgAtK([1, 1, 1, 1, 1, 1], 5)).toBeCloseTo(
      1 + 1 / Math.log2(3) + 1 / Math.log2(4) + 1 / Math.log2(5) + 1 / Math.log2(6),
      12,
    );
  });

  it('is 1 for the ideal ranking and less for any other', () => {
    const all = [3, 2, 1];
    expect(ndcgAtK([3, 2, 1], all, 5)).toBeCloseTo(1, 12);
    expect(ndcgAtK([2, 3, 1], all, 5)).toBeLessThan(1);
    expect(ndcgAtK([0, 3, 2, 1], all, 5)).toBeLessThan(ndcgAtK([3, 0, 2, 1], all, 5));
    expect(ndcgAtK([], all, 5)).toBe(0);
  });

  it('normalises by the best possible top k of all judged offerings', () => {
    // Only one of the two grade-3 offerings was returned.
    const v = ndcgAtK([3], [3, 3], 5);
    expect(v).toBeCloseTo(7 / (7 + 7 / Math.log2(3)), 12);
    // Results beyond k do not count.
    expect(ndcgAtK([0, 0, 0, 0, 0, 3], [3], 5)).toBe(0);
  });

  it('scores a need nothing fits 1 when nothing is returned and 0 otherwise', () => {
    expect(ndcgAtK([], [], 5)).toBe(1);
    expect(ndcgAtK([0], [], 5)).toBe(0);
    expect(ndcgAtK([0, 0, 0], [0], 5)).toBe(0);
  });
});

describe('precision@k', () => {
  it('counts results of grade 2 or more among the first k, over k', () => {
    expect(precisionAtK([3, 2, 1, 0, 2], 5)).toBeCloseTo(3 / 5, 12);
    expect(precisionAtK([3, 1], 5)).toBeCloseTo(1 / 5, 12);
    expect(precisionAtK([3, 3, 3, 3, 3, 3], 5)).toBe(1);
    expect(precisionAtK([1, 1], 5, 1)).toBeCloseTo(2 / 5, 12);
    expect(precisionAtK([], 5)).toBe(0);
  });
});

describe('summary over needs', () => {
  it('applies the conventions for needs without any relevant offering', () => {
    const s = summarize([
      { need: 'a', rankedGrades: [3, 0], allGrades: [3] },
      { need: 'b', rankedGrades: [], allGrades: [] },
      { need: 'c', rankedGrades: [0], allGrades: [] },
    ]);
    expect(s.needs).toBe(3);
    expect(s.ndcg).toBeCloseTo((1 + 1 + 0) / 3, 12);
    expect(s.answerableNeeds).toBe(1);
    expect(s.precision).toBeCloseTo(1 / 5, 12);
    expect(s.unmatchedNeeds).toBe(2);
    expect(s.unmatchedWithNoResult).toBe(1);
  });
});
