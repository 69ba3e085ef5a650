// Offline common-need harness: analyses every need of a labelled file with the core engine (no database),
// builds the needs corpus statistics from all of them, scores every pair with scoreCommonPair and prints
// pairwise precision, recall and F1 (a pair counted once), the share of needs in no gold group that get no
// common need, the same for the groups of groupCommonNeeds, a cross-validated figure (threshold chosen on
// the other folds, measured on the left-out pairs) and a plain full-text baseline side by side.
//
//   npx tsx bench/eval-common-offline.ts ../shared/eval/common-dev.json [--verbose] [--folds=5]
//
// --verbose  lists the false positives and false negatives with titles, similarity and explanation
// --folds=K  number of folds of the cross-validation (default 5)

import { readFileSync } from 'node:fs';
import {
  bestThreshold,
  formatPrf,
  goldPairs,
  pairKey,
  pairwisePrf,
  silentShare,
  type Prf,
} from '../core/eval/pairs.js';
import {
  analyzePost,
  buildCorpusStats,
  COMMON_THRESHOLD,
  GROUP_LINK_FACTOR,
  commonExclusionReason,
  commonPairComponents,
  explainCommonPair,
  groupCommonNeeds,
  scoreCommonPair,
  type CommonNeedCandidate,
} from '../core/matching/index.js';
import { defaultExpiry } from '../core/policy.js';
import { cliProgram, integer } from '../scripts/cli.js';

interface CommonFile {
  organisations: { key: string; name: string; kind: string }[];
  needs: {
    key: string;
    org: string;
    title: string;
    description: string;
    capabilities: string[];
    keywords: string[];
    trlMin: number;
    trlMax: number;
    partnershipTypes: string[];
  }[];
  groups: string[][];
}

const program = cliProgram(
  'npx tsx bench/eval-common-offline.ts',
  'Scores every pair of needs of a common-needs data file with the core engine (no database) and prints ' +
    'pairwise precision, recall and F1, the groups, a cross-validated figure and a plain full-text baseline.',
)
  .argument('[FILE]', 'common-needs data file', '../shared/eval/common-dev.json')
  .option('--verbose', 'list the false positives and false negatives with titles, similarity and explanation')
  .option('--folds <k>', 'folds of the cross-validation (over organisations)', integer(2), 5)
  .parse();
const file = program.processedArgs[0] as string;
const { verbose = false, folds: K } = program.opts<{ verbose?: boolean; folds: number }>();

const data = JSON.parse(readFileSync(file, 'utf8')) as CommonFile;
type Need = CommonNeedCandidate & { title: string; description: string; keywords: string[] };

const t0 = performance.now();
const needs: Need[] = data.needs.map((n) => ({
  id: n.key,
  orgId: n.org,
  title: n.title,
  description: n.description,
  keywords: n.keywords,
  capabilities: n.capabilities,
  trlMin: n.trlMin,
  trlMax: n.trlMax,
  partnershipTypes: n.partnershipTypes,
  status: 'open',
  expiresAt: defaultExpiry(), // as if posted today: live through the run
  analyzed: analyzePost(n),
}));
const stats = buildCorpusStats(needs.map((n) => n.analyzed));
const byId = new Map(needs.map((n) => [n.id, n]));
const orgOf = (id: string): string => (byId.get(id) as Need).orgId;
const tAnalyze = performance.now() - t0;

const gold = goldPairs(data.groups);
const inGold = new Set(data.groups.flat());
const needIds = needs.map((n) => n.id);
for (const k of gold) {
  const [a, b] = k.split('|') as [string, string];
  if (orgOf(a) === orgOf(b)) console.warn(`warning: gold pair ${k} is of one organisation`);
}

// Every candidate pair (different organisations) with its raw similarity, and the pairs scoreCommonPair keeps.
const now = new Date();
interface Scored {
  key: string;
  a: Need;
  b: Need;
  similarity: number;
}
const candidates: Scored[] = [];
const kept: Scored[] = [];
const t1 = performance.now();
let scoredPairs = 0;
for (let i = 0; i < needs.length; i++) {
  for (let j = i + 1; j < needs.length; j++) {
    const a = needs[i] as Need;
    const b = needs[j] as Need;
    scoredPairs++;
    const r = scoreCommonPair(a, b, stats, now);
    if (r) kept.push({ key: pairKey(a.id, b.id), a, b, similarity: r.similarity });
  }
}
const tScore = performance.now() - t1;
for (let i = 0; i < needs.length; i++) {
  for (let j = i + 1; j < needs.length; j++) {
    const a = needs[i] as Need;
    const b = needs[j] as Need;
    if (commonExclusionReason(a, b, now) !== null) continue;
    const [x, y] = a.id <= b.id ? [a, b] : [b, a];
    candidates.push({ key: pairKey(a.id, b.id), a, b, similarity: commonPairComponents(x, y, stats).similarity });
  }
}

/** The pairs within groups, of different organisations (one organisation's needs are never common). */
function groupPairs(groups: string[][]): Set<string> {
  const out = new Set<string>();
  for (const g of groups)
    for (let i = 0; i < g.length; i++)
      for (let j = i + 1; j < g.length; j++)
        if (orgOf(g[i] as string) !== orgOf(g[j] as string)) out.add(pairKey(g[i] as string, g[j] as string));
  return out;
}

// ---------- Engine: pairs kept by scoreCommonPair, and groups ----------
const keptKeys = new Set(kept.map((k) => k.key));
const pairwise = pairwisePrf(keptKeys, gold);
const silent = silentShare(keptKeys, needIds, inGold);
const groups = groupCommonNeeds(
  kept.map((k) => ({ a: k.a.id, b: k.b.id, similarity: k.similarity })),
  orgOf,
);
const grouped = groupPairs(groups);
const groupedPrf = pairwisePrf(grouped, gold);
const groupedSilent = silentShare(grouped, needIds, inGold);

// ---------- Plain full-text baseline: tf-idf cosine over lowercase words, English stop words removed ----------
const STOP = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below between ' +
    'both but by can could did do does doing down during each few for from further had has have having he her here ' +
    'hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off ' +
    'on once only or other our ours ourselves out over own same she should so some such than that the their theirs ' +
    'them themselves then there these they this those through to too under until up very was we were what when where ' +
    'which while who whom why will with would you your yours yourself yourselves'
  ).split(' '),
);
const words = (n: Need): string[] =>
  [n.title, n.keywords.join(' '), n.description]
    .join(' ')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 1 && !STOP.has(w));
const df = new Map<string, number>();
const bags = new Map<string, Map<string, number>>();
for (const n of needs) {
  const bag = new Map<string, number>();
  for (const w of words(n)) bag.set(w, (bag.get(w) ?? 0) + 1);
  bags.set(n.id, bag);
  for (const w of bag.keys()) df.set(w, (df.get(w) ?? 0) + 1);
}
const vectors = new Map<string, { v: Map<string, number>; norm: number }>();
for (const [id, bag] of bags) {
  const v = new Map<string, number>();
  let sq = 0;
  for (const [w, tf] of bag) {
    const x = tf * Math.log(needs.length / (df.get(w) as number));
    v.set(w, x);
    sq += x * x;
  }
  vectors.set(id, { v, norm: Math.sqrt(sq) });
}
function cosine(a: string, b: string): number {
  const x = vectors.get(a) as { v: Map<string, number>; norm: number };
  const y = vectors.get(b) as { v: Map<string, number>; norm: number };
  if (x.norm === 0 || y.norm === 0) return 0;
  let s = 0;
  for (const [w, xv] of x.v) s += xv * (y.v.get(w) ?? 0);
  return s / (x.norm * y.norm);
}
const baseline = candidates.map((c) => ({ key: c.key, a: c.a, b: c.b, similarity: cosine(c.a.id, c.b.id) }));
const baseBest = bestThreshold(baseline, gold);
const baseKept = new Set(baseline.filter((c) => c.similarity >= baseBest.th).map((c) => c.key));
const basePrf = pairwisePrf(baseKept, gold);
const baseSilent = silentShare(baseKept, needIds, inGold);

// ---------- Cross-validation over organisations ----------
// Organisations are dealt round-robin (sorted by key) into K folds. For each fold, the threshold of best F1
// is chosen on the pairs between needs of the other organisations, and measured on the pairs that touch
// the fold's organisations. The same folds are used for the baseline.
const orgs = [...new Set(needs.map((n) => n.orgId))].sort();
const foldOf = new Map(orgs.map((o, i) => [o, i % K]));
interface FoldResult {
  th: number;
  engine: Prf;
  grouped: Prf;
  baseTh: number;
  base: Prf;
}
const folds: FoldResult[] = [];
for (let f = 0; f < K; f++) {
  const inFold = (c: Scored): boolean => foldOf.get(c.a.orgId) === f || foldOf.get(c.b.orgId) === f;
  const train = candidates.filter((c) => !inFold(c));
  const test = candidates.filter(inFold);
  const testKeys = new Set(test.map((c) => c.key));
  const testGold = new Set([...gold].filter((k) => testKeys.has(k)));
  const th = bestThreshold(train, gold).th;
  const engine = pairwisePrf(new Set(test.filter((c) => c.similarity >= th).map((c) => c.key)), testGold);
  // Groups formed from all pairs above the fold's threshold, measured on the fold's pairs only.
  const foldGroups = groupCommonNeeds(
    candidates.filter((c) => c.similarity >= th).map((c) => ({ a: c.a.id, b: c.b.id, similarity: c.similarity })),
    orgOf,
    { linkThreshold: th * GROUP_LINK_FACTOR },
  );
  const foldGrouped = pairwisePrf(new Set([...groupPairs(foldGroups)].filter((k) => testKeys.has(k))), testGold);
  const baseTrain = baseline.filter((c) => !inFold(c));
  const baseTh = bestThreshold(baseTrain, gold).th;
  const base = pairwisePrf(
    new Set(baseline.filter((c) => inFold(c) && c.similarity >= baseTh).map((c) => c.key)),
    testGold,
  );
  folds.push({ th, engine, grouped: foldGrouped, baseTh, base });
}
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(xs.length, 1);

// ---------- Report ----------
const singles = needs.filter((n) => !inGold.has(n.id)).length;
console.log(
  `data: ${file}: ${needs.length} needs, ${orgs.length} organisations, ${data.groups.length} gold groups, ` +
    `${gold.size} gold pairs, ${singles} needs in no group`,
);
console.log(
  `timing: analysis ${tAnalyze.toFixed(0)} ms; ${scoredPairs} pairs scored in ${tScore.toFixed(1)} ms ` +
    `(${((tScore * 1000) / Math.max(scoredPairs, 1)).toFixed(2)} us/pair incl. explanations of kept pairs)`,
);
console.log(
  `threshold: COMMON_THRESHOLD ${COMMON_THRESHOLD}; group link ${(COMMON_THRESHOLD * GROUP_LINK_FACTOR).toFixed(3)}`,
);
console.log('');
console.log(`pairs kept by scoreCommonPair:  ${formatPrf(pairwise)}`);
console.log(`  needs in no gold group with no common need: ${silent.silent} of ${silent.total}`);
console.log(`groups of groupCommonNeeds:     ${formatPrf(groupedPrf)}`);
console.log(`  ${groups.length} groups (sizes ${groups.map((g) => g.length).join(', ') || '-'})`);
console.log(`  needs in no gold group in no group: ${groupedSilent.silent} of ${groupedSilent.total}`);
console.log(
  `plain full-text baseline (tf-idf cosine, lowercase words, stop words removed, best threshold ${baseBest.th.toFixed(3)} on the whole file):`,
);
console.log(`                                ${formatPrf(basePrf)}`);
console.log(`  needs in no gold group with no common need: ${baseSilent.silent} of ${baseSilent.total}`);
console.log(`  engine pairwise F1 minus baseline F1: ${(pairwise.f1 - basePrf.f1).toFixed(3)}`);
console.log('');
console.log(`cross-validation, ${K} folds over organisations (threshold of best F1 chosen on the other folds):`);
console.log('  fold  threshold  engine F1 (P/R)          grouped F1   baseline th  baseline F1');
folds.forEach((r, f) =>
  console.log(
    `  ${f}     ${r.th.toFixed(3)}      ${r.engine.f1.toFixed(3)} (${r.engine.p.toFixed(2)}/${r.engine.r.toFixed(2)}, ${r.engine.relevant} gold)   ` +
      `${r.grouped.f1.toFixed(3)}        ${r.baseTh.toFixed(3)}        ${r.base.f1.toFixed(3)}`,
  ),
);
console.log(
  `  mean: engine F1 ${mean(folds.map((r) => r.engine.f1)).toFixed(3)}, grouped F1 ${mean(folds.map((r) => r.grouped.f1)).toFixed(3)}, ` +
    `baseline F1 ${mean(folds.map((r) => r.base.f1)).toFixed(3)}; chosen thresholds ${folds.map((r) => r.th.toFixed(3)).join(', ')}`,
);

if (verbose) {
  const show = (label: string, list: Scored[]): void => {
    console.log(`\n${label} (${list.length}):`);
    for (const c of list.sort((x, y) => y.similarity - x.similarity)) {
      const comp = commonPairComponents(c.a, c.b, stats);
      console.log(
        `  ${c.a.id} ~ ${c.b.id}  similarity ${c.similarity.toFixed(3)}  (text ${comp.textAB.toFixed(2)}/${comp.textBA.toFixed(2)}, ` +
          `cap ${comp.capabilityFactor.toFixed(2)}, trl ${comp.trlFactor.toFixed(2)}, partnership ${comp.partnershipFactor}, ` +
          `substance ${comp.substance})\n` +
          `    ${c.a.id}: ${c.a.title}\n    ${c.b.id}: ${c.b.title}\n` +
          `    ${explainCommonPair(c.a, c.b, stats).summary}`,
      );
    }
  };
  const fp = kept.filter((k) => !gold.has(k.key));
  const fn = candidates.filter((c) => gold.has(c.key) && !keptKeys.has(c.key));
  show('false positives (kept, not gold)', fp);
  show('false negatives (gold, not kept)', fn);
  const gfp = candidates.filter((c) => grouped.has(c.key) && !gold.has(c.key));
  const gfn = candidates.filter((c) => gold.has(c.key) && !grouped.has(c.key));
  console.log('\ngroups:');
  for (const g of groups)
    console.log(`  ${g.map((id) => `${id} ${(byId.get(id) as Need).title.slice(0, 50)}`).join('\n    ')}`);
  console.log(`\ngrouped false positives: ${gfp.map((c) => c.key).join(' ') || '-'}`);
  console.log(`grouped false negatives: ${gfn.map((c) => c.key).join(' ') || '-'}`);
}
