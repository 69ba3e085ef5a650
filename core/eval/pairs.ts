// Pairwise measures for common needs (shared/eval/README.md, "Common needs"): a predicted pair of needs is
// right when both are in one gold group; a pair counts once, whichever need it was seen from.

export const pairKey = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

/** Every pair within each gold group. */
export function goldPairs(groups: readonly (readonly string[])[]): Set<string> {
  const out = new Set<string>();
  for (const g of groups)
    for (let i = 0; i < g.length; i++) for (let j = i + 1; j < g.length; j++) out.add(pairKey(g[i]!, g[j]!));
  return out;
}

export interface Prf {
  p: number;
  r: number;
  f1: number;
  tp: number;
  predicted: number;
  relevant: number;
}

/** Precision, recall and F1 of predicted pairs against the relevant ones (nothing predicted: precision 1). */
export function pairwisePrf(predicted: ReadonlySet<string>, relevant: ReadonlySet<string>): Prf {
  let tp = 0;
  for (const k of predicted) if (relevant.has(k)) tp++;
  const p = predicted.size > 0 ? tp / predicted.size : 1;
  const r = relevant.size > 0 ? tp / relevant.size : 1;
  return { p, r, f1: p + r > 0 ? (2 * p * r) / (p + r) : 0, tp, predicted: predicted.size, relevant: relevant.size };
}

export const formatPrf = (x: Prf): string =>
  `F1 ${x.f1.toFixed(3)}  P ${x.p.toFixed(3)}  R ${x.r.toFixed(3)}  (${x.tp} of ${x.predicted} predicted pairs right, ${x.relevant} gold pairs)`;

/** Of the needs in no gold group, how many are in no predicted pair: the right answer for them is none. */
export function silentShare(
  predicted: ReadonlySet<string>,
  needIds: readonly string[],
  inGold: ReadonlySet<string>,
): { silent: number; total: number } {
  const touched = new Set<string>();
  for (const k of predicted) for (const id of k.split('|')) touched.add(id);
  const singles = needIds.filter((id) => !inGold.has(id));
  return { silent: singles.filter((id) => !touched.has(id)).length, total: singles.length };
}

/** The threshold of best F1 over scored pairs (midway to the next lower score), and that F1. */
export function bestThreshold(
  scored: readonly { key: string; similarity: number }[],
  relevant: ReadonlySet<string>,
): { th: number; f1: number } {
  const sorted = [...scored].sort((x, y) => y.similarity - x.similarity || (x.key < y.key ? -1 : 1));
  let tp = 0;
  let best = { th: Infinity, f1: 0 };
  for (let i = 0; i < sorted.length; i++) {
    const s = sorted[i]!;
    if (relevant.has(s.key)) tp++;
    const next = sorted[i + 1]?.similarity ?? 0;
    if (next === s.similarity) continue; // a threshold cannot split equal scores
    const p = tp / (i + 1);
    const r = relevant.size > 0 ? tp / relevant.size : 0;
    const f1 = p + r > 0 ? (2 * p * r) / (p + r) : 0;
    if (f1 > best.f1) best = { th: (s.similarity + next) / 2, f1 };
  }
  return best;
}
