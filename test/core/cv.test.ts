import { describe, expect, it } from 'vitest';
import {
  chooseRule,
  crossValidate,
  figuresOf,
  foldsOf,
  kept,
  type NeedCandidates,
  type Rule,
} from '../../core/eval/cv.js';

// Six needs: four with a good offering scoring 0.5-0.7 and a poor one at 0.3, two that nothing fits whose
// best candidate scores 0.35 (a threshold between 0.35 and 0.5 is right for all of them).
const fitting = (i: number): NeedCandidates => ({
  need: `n-${i}`,
  allGrades: [3],
  candidates: [
    { offering: `good-${i}`, score: 0.5 + i * 0.05, evidence: 0.8, grade: 3 },
    { offering: `poor-${i}`, score: 0.3, evidence: 0.9, grade: 0 },
  ],
});
const unmet = (i: number): NeedCandidates => ({
  need: `u-${i}`,
  allGrades: [],
  candidates: [{ offering: `near-${i}`, score: 0.35, evidence: 0.7, grade: 0 }],
});
const needs = [0, 1, 2, 3].map(fitting).concat([0, 1].map(unmet));
const grid: Rule[] = [0.2, 0.3, 0.4, 0.45, 0.6].map((threshold) => ({ threshold, evidence: 0 }));

describe('cross-validation of the match rule', () => {
  it('keeps what a rule keeps, best first', () => {
    expect(kept(needs[0]!, { threshold: 0.25, evidence: 0 }).map((c) => c.offering)).toEqual(['good-0', 'poor-0']);
    expect(kept(needs[0]!, { threshold: 0.25, evidence: 0.85 }).map((c) => c.offering)).toEqual(['poor-0']);
  });

  it('keeps by the score and orders by the rank where candidates carry one', () => {
    const ranked: NeedCandidates = {
      need: 'r',
      allGrades: [3],
      candidates: [
        { offering: 'relevant', score: 0.7, rank: 0.3, evidence: 1, grade: 2 },
        { offering: 'fitting', score: 0.5, rank: 0.5, evidence: 1, grade: 3 },
        { offering: 'below', score: 0.2, rank: 0.9, evidence: 1, grade: 0 },
      ],
    };
    expect(kept(ranked, { threshold: 0.4, evidence: 0 }).map((c) => c.offering)).toEqual(['fitting', 'relevant']);
  });

  it('measures shown precision at 3 over everything shown, and silence for needs nothing fits', () => {
    const f = figuresOf([
      { need: 'a', rankedGrades: [3, 0, 2, 2], allGrades: [3, 2] },
      { need: 'b', rankedGrades: [0], allGrades: [] },
      { need: 'c', rankedGrades: [], allGrades: [] },
    ]);
    expect(f.shown3).toBe(4);
    expect(f.shownPrecision3).toBe(0.5);
    expect(f.unmet).toBe(2);
    expect(f.unmetSilent).toBe(1);
  });

  it('chooses the middle of the best plateau (the lower of two)', () => {
    expect(chooseRule(needs, grid).threshold).toBe(0.4);
  });

  it('deals needs into folds by key and leaves each fold out', () => {
    expect(foldsOf(['c', 'a', 'b', 'd'], 2)).toEqual([
      ['a', 'c'],
      ['b', 'd'],
    ]);
    const cv = crossValidate(needs, grid, 3);
    expect(cv.rules).toHaveLength(3);
    expect(cv.rankings.map((r) => r.need).sort()).toEqual(needs.map((n) => n.need).sort());
    expect(cv.figures.unmetSilent).toBe(2);
    expect(cv.median.threshold).toBeGreaterThan(0.35);
    // Leave one out: one fold per need.
    expect(crossValidate(needs, grid, 100).rules).toHaveLength(needs.length);
  });

  it('chooses among variants of the candidates with the rule', () => {
    const worse = needs.map((n) => ({ ...n, candidates: n.candidates.map((c) => ({ ...c, score: 0.3 })) }));
    const both = grid.flatMap((r) => [
      { ...r, variant: 'a' },
      { ...r, variant: 'b' },
    ]);
    const cv = crossValidate({ a: needs, b: worse }, both, 3);
    expect(cv.rules.every((r) => r.variant === 'a')).toBe(true);
    expect(cv.median.variant).toBe('a');
  });
});
