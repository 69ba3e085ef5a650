// Offline match-quality harness: scores every need against every offering of a labelled data file with
// the core engine (no database), keeps the matches of the match rule (MATCH_RULE: relevance threshold and
// evidence), ranks them by score and prints nDCG@5, precision@5, the shown precision at 3, the
// needs-without-offers check, one line per need, every explanation term that is not a domain term, and the
// cross-validated figures: the rule's constants (and the weights of generic words and of partnership fit)
// chosen on the other needs, fold by fold, and measured on the needs left out.
//
//   npx tsx bench/eval-offline.ts ../shared/eval/dev.json [--verbose] [--sweep] [--folds=5]
//
// --verbose  also prints each need's kept matches with their explanation, and its missed judged offerings
// --sweep    prints the measures for a range of thresholds (tuning aid; the engine uses MATCH_RULE)
// --folds=K  folds of the cross-validation over needs (default 5; leave-one-out is printed too)
// TUNE='{"WEIGHTS":{"REQUEST_WEIGHT":0.5}}' overrides engine constants for an experiment (BM25, WEIGHTS,
//            FIELD_WEIGHTS, TERM_WEIGHTS).

import { readFileSync } from 'node:fs';
import { summarize, ndcgAtK, precisionAtK, type NeedRanking } from '../core/eval/metrics.js';
import { crossValidate, figuresOf, type Figures, type NeedCandidates, type Rule } from '../core/eval/cv.js';
import {
  analyzePost,
  isDomainPhrase,
  MATCH_RULE,
  buildCorpusStats,
  BM25,
  FIELD_WEIGHTS,
  WEIGHTS,
  exclusionReason,
  scoreComponents,
  scorePair,
  type AnalyzedText,
  type MatchableNeed,
  type MatchableOffering,
  type ScoredMatch,
} from '../core/matching/index.js';
import { defaultExpiry } from '../core/policy.js';
import { isOrgKind, type OrgKind } from '../core/taxonomy.js';
import { TERM_WEIGHTS } from '../core/text/index.js';
import { cliProgram, integer } from '../scripts/cli.js';

interface EvalFile {
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
    openTo: string[];
  }[];
  offerings: {
    key: string;
    org: string;
    title: string;
    description: string;
    capabilities: string[];
    keywords: string[];
    trl: number;
    partnershipTypes: string[];
  }[];
  judgments: { need: string; offering: string; grade: number }[];
}

const K = 5;
const program = cliProgram(
  'npx tsx bench/eval-offline.ts',
  'Scores every need against every offering of a labelled data file with the core engine (no database) and ' +
    'prints the match-quality figures, plain and cross-validated. TUNE=\'{"WEIGHTS":{...}}\' overrides engine ' +
    'constants for an experiment (BM25, WEIGHTS, FIELD_WEIGHTS, TERM_WEIGHTS).',
)
  .argument('[FILE]', 'labelled data file', '../shared/eval/dev.json')
  .option('--verbose', "also print each need's kept matches with their explanation, and its missed judged offerings")
  .option('--sweep', 'print the measures for a range of thresholds (tuning aid; the engine uses MATCH_RULE)')
  .option('--folds <k>', 'folds of the cross-validation over needs (leave-one-out is printed too)', integer(2), 5)
  .parse();
const file = program.processedArgs[0] as string;
const {
  verbose = false,
  sweep = false,
  folds: FOLDS,
} = program.opts<{
  verbose?: boolean;
  sweep?: boolean;
  folds: number;
}>();

if (process.env.TUNE) {
  const tune = JSON.parse(process.env.TUNE) as Record<string, Record<string, number>>;
  const targets: Record<string, Record<string, number>> = { BM25, WEIGHTS, FIELD_WEIGHTS, TERM_WEIGHTS };
  for (const [k, v] of Object.entries(tune)) Object.assign(targets[k] ?? {}, v);
}

const data = JSON.parse(readFileSync(file, 'utf8')) as EvalFile;
const orgKind = new Map<string, OrgKind>();
for (const o of data.organisations) {
  if (!isOrgKind(o.kind)) throw new Error(`organisation ${o.key}: unknown kind ${o.kind}`);
  orgKind.set(o.key, o.kind);
}

type Post = { title: string; description: string; keywords: string[] };
type Need = MatchableNeed & Post & { analyzed: AnalyzedText };
type Offering = MatchableOffering & Post & { analyzed: AnalyzedText };

const t0 = performance.now();
const needs: Need[] = data.needs.map((n) => ({
  id: n.key,
  orgId: n.org,
  title: n.title,
  description: n.description,
  capabilities: n.capabilities,
  keywords: n.keywords,
  trlMin: n.trlMin,
  trlMax: n.trlMax,
  partnershipTypes: n.partnershipTypes,
  openTo: n.openTo.filter(isOrgKind),
  status: 'open',
  expiresAt: defaultExpiry(), // as if posted today: live through the run
  analyzed: analyzePost(n),
}));
const offerings: Offering[] = data.offerings.map((o) => {
  const kind = orgKind.get(o.org);
  if (kind === undefined) throw new Error(`offering ${o.key}: unknown organisation ${o.org}`);
  return {
    id: o.key,
    orgId: o.org,
    orgKind: kind,
    title: o.title,
    description: o.description,
    capabilities: o.capabilities,
    keywords: o.keywords,
    trl: o.trl,
    partnershipTypes: o.partnershipTypes,
    status: 'open',
    analyzed: analyzePost(o),
  };
});
const stats = {
  needs: buildCorpusStats(needs.map((n) => n.analyzed)),
  offerings: buildCorpusStats(offerings.map((o) => o.analyzed)),
};
const tAnalyze = performance.now() - t0;

const grades = new Map<string, Map<string, number>>();
for (const j of data.judgments) {
  const m = grades.get(j.need) ?? new Map<string, number>();
  m.set(j.offering, j.grade);
  grades.set(j.need, m);
}

const now = new Date();
for (const n of needs) for (const o of offerings) scorePair(n, o, stats, now); // warm-up, not timed
const t1 = performance.now();
const results = new Map<string, { offering: Offering; match: ScoredMatch }[]>();
for (const n of needs) {
  const kept: { offering: Offering; match: ScoredMatch }[] = [];
  for (const o of offerings) {
    const match = scorePair(n, o, stats, now);
    if (match) kept.push({ offering: o, match });
  }
  kept.sort((a, b) => b.match.score - a.match.score);
  results.set(n.id, kept);
}
const tScore = performance.now() - t1;
const pairs = needs.length * offerings.length;

const rankings: NeedRanking[] = needs.map((n) => {
  const g = grades.get(n.id) ?? new Map<string, number>();
  return {
    need: n.id,
    rankedGrades: (results.get(n.id) ?? []).map((r) => g.get(r.offering.id) ?? 0),
    allGrades: [...g.values()],
  };
});

const pct = (x: number): string => x.toFixed(3);
console.log(`data: ${file}: ${needs.length} needs, ${offerings.length} offerings, ${data.judgments.length} judgments`);
console.log(
  `timing: analysis ${tAnalyze.toFixed(0)} ms; ${pairs} pairs scored in ${tScore.toFixed(1)} ms ` +
    `(${((tScore * 1000) / pairs).toFixed(2)} us/pair incl. explanations of kept matches)`,
);
console.log(
  `match rule: relevance >= ${MATCH_RULE.threshold}, evidence >= ${MATCH_RULE.evidence}; generic words weigh ` +
    `${WEIGHTS.GENERIC_WEIGHT}; partnership fit weighs ${WEIGHTS.PARTNERSHIP_WEIGHT} in the score`,
);
console.log('');

let emptySummaries = 0;
for (const n of needs) {
  const kept = results.get(n.id) ?? [];
  const g = grades.get(n.id) ?? new Map<string, number>();
  const r = rankings.find((x) => x.need === n.id) as NeedRanking;
  const nd = ndcgAtK(r.rankedGrades, r.allGrades, K);
  const p = precisionAtK(r.rankedGrades, K);
  const top = kept
    .slice(0, 6)
    .map((k) => `${k.offering.id}(${g.get(k.offering.id) ?? 0}) ${k.match.score.toFixed(2)}`)
    .join('  ');
  const keptIds = new Set(kept.map((k) => k.offering.id));
  const missed = [...g.entries()]
    .filter(([o, gr]) => gr >= 2 && !keptIds.has(o))
    .map(([o, gr]) => {
      const off = offerings.find((x) => x.id === o) as Offering;
      const why = exclusionReason(n, off, now);
      return why
        ? `${o}(${gr}) excluded: ${why}`
        : `${o}(${gr}) relevance ${scoreComponents(n, off, stats).relevance.toFixed(2)}`;
    });
  const flag = g.size === 0 ? (kept.length === 0 ? '  [no offer: OK]' : '  [no offer: SHOWN]') : '';
  console.log(
    `${n.id} ndcg=${pct(nd)} p@5=${p.toFixed(1)} kept=${kept.length}${flag}  ${n.title.slice(0, 70)}\n` +
      `    ${top || '(no match)'}${missed.length ? `\n    missed: ${missed.join('  ')}` : ''}`,
  );
  for (const k of kept) if (k.match.explanation.summary.trim() === '') emptySummaries++;
  if (verbose) {
    for (const k of kept.slice(0, K)) {
      const c = scoreComponents(n, k.offering, stats);
      console.log(
        `      ${k.offering.id} ${k.offering.title.slice(0, 60)}\n` +
          `        nt=${c.needText.toFixed(2)} ot=${c.offeringText.toFixed(2)} nc=${c.needCapability?.toFixed(2) ?? '-'} ` +
          `oc=${c.offeringCapability?.toFixed(2) ?? '-'} trl=${c.trlFactor} pt=${c.partnershipFit.toFixed(2)} ev=${c.evidence.toFixed(2)} ` +
          `N=${c.needScore.toFixed(2)} O=${c.offeringScore.toFixed(2)}\n        ${k.match.explanation.summary}`,
      );
    }
  }
}

const s = summarize(rankings, K);
console.log('');
console.log(`nDCG@${K}: ${pct(s.ndcg)}`);
console.log(
  `precision@${K} (grade >= 2, over ${s.answerableNeeds} needs with a relevant offering): ${pct(s.precision)}`,
);
console.log(`needs without any judged offering that got no match: ${s.unmatchedWithNoResult} of ${s.unmatchedNeeds}`);
const keptTotal = [...results.values()].reduce((a, r) => a + r.length, 0);
console.log(`kept matches: ${keptTotal}; with an empty explanation summary: ${emptySummaries}`);
const shown = figuresOf(rankings);
console.log(
  `shown precision at 3 (share of the shown top three with grade >= 2): ${pct(shown.shownPrecision3)} of ${shown.shown3}`,
);

// ---------- Explanations: every shown term that is not a domain term ----------
const shownTerms = new Map<string, number>();
for (const kept of results.values())
  for (const k of kept) for (const t of k.match.explanation.terms) shownTerms.set(t, (shownTerms.get(t) ?? 0) + 1);
const notDomain = [...shownTerms].filter(([t]) => !isDomainPhrase(t, stats));
console.log(
  `explanation terms: ${shownTerms.size} distinct; not domain terms: ${notDomain.length}` +
    (notDomain.length ? ` (${notDomain.map(([t, n]) => `${t} x${n}`).join(', ')})` : ''),
);

// ---------- Cross-validation over needs ----------
// Every pair that passes the exclusions, scored with each weight of generic words and of partnership fit
// considered; the rule (the weights, threshold, evidence) is chosen on the other needs' pairs and applied
// to the fold's needs. The deployed weights come first: on a plateau the first variant is kept.
const GENERIC_WEIGHTS = [WEIGHTS.GENERIC_WEIGHT, ...[1, 0.5, 0.25].filter((w) => w !== WEIGHTS.GENERIC_WEIGHT)];
const PARTNERSHIP_WEIGHTS = [
  WEIGHTS.PARTNERSHIP_WEIGHT,
  ...[0, 0.2, 0.4, 0.6, 0.8, 1].filter((w) => w !== WEIGHTS.PARTNERSHIP_WEIGHT),
];
const THRESHOLDS = Array.from({ length: 31 }, (_, i) => Math.round((0.2 + i * 0.01) * 100) / 100);
const EVIDENCE = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
const deployedWeights = { ...WEIGHTS };
const sets: Record<string, NeedCandidates[]> = {};
for (const [w, p] of GENERIC_WEIGHTS.flatMap((w) => PARTNERSHIP_WEIGHTS.map((p) => [w, p] as const))) {
  WEIGHTS.GENERIC_WEIGHT = w;
  WEIGHTS.PARTNERSHIP_WEIGHT = p;
  sets[`${w}/${p}`] = needs.map((n) => {
    const g = grades.get(n.id) ?? new Map<string, number>();
    return {
      need: n.id,
      allGrades: [...g.values()],
      candidates: offerings
        .filter((o) => exclusionReason(n, o, now) === null)
        .map((o) => {
          const c = scoreComponents(n, o, stats);
          return { offering: o.id, score: c.relevance, rank: c.score, evidence: c.evidence, grade: g.get(o.id) ?? 0 };
        }),
    };
  });
}
Object.assign(WEIGHTS, deployedWeights);
const grid: Rule[] = Object.keys(sets).flatMap((variant) =>
  THRESHOLDS.flatMap((threshold) => EVIDENCE.map((evidence) => ({ threshold, evidence, variant }))),
);
const line = (f: Figures): string =>
  `nDCG@5 ${pct(f.ndcg)}, shown precision at 3 ${pct(f.shownPrecision3)} (of ${f.shown3}), precision@5 ${pct(f.precision5)}, ` +
  `needs nothing fits given no match ${f.unmetSilent} of ${f.unmet}`;
const ruleText = (r: Rule): string => `${r.threshold.toFixed(2)}/${r.evidence.toFixed(1)}/${r.variant ?? '-'}`;
console.log('');
console.log(
  `cross-validation over needs (rule chosen on the other needs: threshold/evidence/generic weight/partnership weight):`,
);
for (const k of [FOLDS, needs.length]) {
  const cv = crossValidate(sets, grid, k);
  console.log(`  ${k >= needs.length ? 'leave one out' : `${k} folds`}: ${line(cv.figures)}`);
  const rules = k >= needs.length ? [...new Set(cv.rules.map(ruleText))] : cv.rules.map(ruleText);
  console.log(
    `    rules ${k >= needs.length ? `(${rules.length} distinct) ` : 'by fold '}${rules.join(', ')}; median ${ruleText(cv.median)}`,
  );
}

if (sweep) {
  // Re-rank from raw components at other thresholds (exclusions and the evidence rule still apply).
  const comps = needs.map((n) =>
    offerings
      .filter((o) => exclusionReason(n, o, now) === null)
      .map((o) => ({ o: o.id, c: scoreComponents(n, o, stats) }))
      .filter(({ c }) => c.evidence >= MATCH_RULE.evidence)
      .map(({ o, c }) => ({ o, relevance: c.relevance, score: c.score }))
      .sort((a, b) => b.score - a.score),
  );
  console.log('\nthreshold  nDCG@5  P@5    no-offer-empty  kept');
  for (let th = 0.2; th <= 0.501; th += 0.01) {
    const rk: NeedRanking[] = needs.map((n, i) => {
      const g = grades.get(n.id) ?? new Map<string, number>();
      const kept = (comps[i] ?? []).filter((c) => c.relevance >= th);
      return { need: n.id, rankedGrades: kept.map((c) => g.get(c.o) ?? 0), allGrades: [...g.values()] };
    });
    const ss = summarize(rk, K);
    const kept = rk.reduce((a, r) => a + r.rankedGrades.length, 0);
    console.log(
      `${th.toFixed(3)}      ${pct(ss.ndcg)}   ${pct(ss.precision)}  ${ss.unmatchedWithNoResult}/${ss.unmatchedNeeds}             ${kept}`,
    );
  }
}
