/**
 * `npm run eval -- FILE [--deployed]`: loads a labelled data file (../shared/eval/README.md) into a fresh
 * database through the public API one post at a time, waits for matching, and measures Roadmatch in two
 * states, as loaded and after a full rematch, beside plain PostgreSQL full-text ranking (ts_rank over the
 * same texts, with the same hard exclusions) measured in the same run. For each state it prints nDCG@5,
 * precision@5, the shown precision at 3 (share of the shown top three with grade >= 2), how many needs that
 * nothing fits are shown nothing, the cross-validated figures, and every explanation term that is not a
 * domain term; then how many needs keep their top three through the rematch.
 *
 * Cross-validation: the relevance threshold is chosen on the other needs (5 folds, and leave one out) and
 * applied to the needs left out; what passes is shown in the API's order (by score: the relevance weighed by
 * partnership fit). To know the scores below the deployed threshold, the run's worker keeps
 * every pair down to the grid's floor (MATCH_RULE.threshold relaxed; the evidence rule stays as deployed),
 * and what a person would see is the stored matches whose relevance is at or above the deployed threshold: the same pairs,
 * scored at the same moments, as the deployed rule keeps. `--deployed` runs the deployed rule unrelaxed
 * (the check of that equivalence; the cross-validation then only sees thresholds above it). The evidence
 * rule and the weight of generic words are cross-validated offline (bench/eval-offline.ts), where every
 * pair can be scored again.
 */
import { readFileSync } from 'node:fs';
import { crossValidate, figuresOf, kept, type Figures, type NeedCandidates, type Rule } from '../core/eval/cv.js';
import { summarize } from '../core/eval/metrics.js';
import { analyzePost, buildCorpusStats, isDomainPhrase, MATCH_RULE, relevanceOf } from '../core/matching/index.js';
import { cliProgram } from './cli.js';
import { apiClient, onboard, startHarness, waitForMatching } from './harness.js';

interface EvalFile {
  organisations: { key: string; name: string; kind: string; country: string }[];
  needs: ({ key: string; org: string } & Record<string, unknown>)[];
  offerings: ({ key: string; org: string } & Record<string, unknown>)[];
  judgments: { need: string; offering: string; grade: number }[];
}

const K = 5;
const FLOOR = 0.2;
const THRESHOLDS = Array.from({ length: 31 }, (_, i) => Math.round((FLOOR + i * 0.01) * 100) / 100);

type Post = { title: string; description: string; keywords: string[] };
interface Shown {
  offering: string;
  /** what the API orders by */
  score: number;
  /** what the match rule's threshold reads (relevanceOf the stored views) */
  relevance: number;
  terms: string[];
}
interface Row {
  need: string;
  /** every stored match of the need (down to the floor), best first */
  all: Shown[];
  plain: string[];
}

async function main() {
  const program = cliProgram(
    'npm run eval --',
    'Loads a labelled data file into a fresh database through the API, waits for matching and measures ' +
      'Roadmatch as loaded and after a full rematch, beside plain PostgreSQL full-text ranking.',
  )
    .argument('<FILE>', 'labelled data file (../shared/eval/README.md), e.g. ../shared/eval/dev.json')
    .option(
      '--deployed',
      `keep only the pairs of the deployed match rule (by default the run keeps pairs down to ${FLOOR}, to cross-validate the threshold)`,
    )
    .parse();
  const file = program.args[0]!;
  const deployed = { ...MATCH_RULE };
  const relaxed = !program.opts<{ deployed?: boolean }>().deployed;
  // The run's worker is in this process: it keeps every pair down to the floor (see above).
  if (relaxed) MATCH_RULE.threshold = FLOOR;

  const data = JSON.parse(readFileSync(file, 'utf8')) as EvalFile;
  // The final corpus's statistics, to judge explanation terms (rare words are domain terms).
  const stats = {
    needs: buildCorpusStats(data.needs.map((n) => analyzePost(n as unknown as Post))),
    offerings: buildCorpusStats(data.offerings.map((o) => analyzePost(o as unknown as Post))),
  };
  const harness = await startHarness();
  try {
    const tokens = new Map<string, string>();
    for (const org of data.organisations) {
      const token = await onboard(harness.url, harness.adminToken, {
        organisation: { name: org.name, kind: org.kind, country: org.country },
        user: { name: `Evaluator at ${org.name}`, email: `${org.key}@eval.example` },
      });
      tokens.set(org.key, token);
    }
    const ids = new Map<string, string>();
    const keys = new Map<string, string>();
    for (const [side, items] of [
      ['needs', data.needs],
      ['offerings', data.offerings],
    ] as const) {
      for (const { key, org, ...body } of items) {
        const res = await apiClient(harness.url, tokens.get(org))<{ id: string }>('POST', `/v1/${side}`, body);
        ids.set(key, res.id);
        keys.set(res.id, key);
      }
    }
    const grades = new Map<string, Map<string, number>>();
    for (const j of data.judgments) {
      if (!grades.has(j.need)) grades.set(j.need, new Map());
      grades.get(j.need)!.set(j.offering, j.grade);
    }

    // Two states: as loaded one post at a time (what people see on a young marketplace, once the posts
    // scored on a much smaller corpus have been scored again), and after a full rematch.
    await waitForMatching(harness.db);
    const loaded = await rankings(harness, data, ids, keys, tokens);
    await apiClient(harness.url, harness.adminToken)('POST', '/v1/admin/rematch');
    await waitForMatching(harness.db);
    const rematched = await rankings(harness, data, ids, keys, tokens);

    const candidates = (rows: Row[]): NeedCandidates[] =>
      rows.map((r) => {
        const judged = grades.get(r.need) ?? new Map<string, number>();
        return {
          need: r.need,
          allGrades: [...judged.values()],
          candidates: r.all.map((m) => ({
            offering: m.offering,
            score: m.relevance,
            rank: m.score,
            evidence: 1,
            grade: judged.get(m.offering) ?? 0,
          })),
        };
      });
    const rule: Rule = { threshold: deployed.threshold, evidence: 0 };
    const grid: Rule[] = THRESHOLDS.filter((t) => relaxed || t >= deployed.threshold).map((threshold) => ({
      threshold,
      evidence: 0,
    }));
    const shownOf = (rows: Row[]) =>
      new Map(candidates(rows).map((n) => [n.need, kept(n, rule).map((c) => c.offering)]));
    const top3 = (m: Map<string, string[]>, need: string) => (m.get(need) ?? []).slice(0, 3).join();
    const loadedShown = shownOf(loaded.rows);
    const rematchedShown = shownOf(rematched.rows);
    const sameTop3 = data.needs.filter((n) => top3(loadedShown, n.key) === top3(rematchedShown, n.key)).length;

    const fmt = (f: Figures) =>
      `nDCG@5 ${f.ndcg.toFixed(3)} | shown precision at 3 ${f.shownPrecision3.toFixed(3)} (of ${f.shown3}) | ` +
      `precision@5 ${f.precision5.toFixed(3)} | needs nothing fits given no match ${f.unmetSilent} of ${f.unmet}`;
    console.log(
      `\n${file}: ${data.needs.length} needs, ${data.offerings.length} offerings, ${data.judgments.length} judgments`,
    );
    console.log(
      `match rule as deployed: relevance >= ${deployed.threshold}, evidence >= ${deployed.evidence}` +
        (relaxed ? `; the run kept pairs down to ${FLOOR} and shows those at or above ${deployed.threshold}` : ''),
    );
    for (const [name, state] of [
      ['as loaded', loaded],
      ['after a rematch', rematched],
    ] as const) {
      const nc = candidates(state.rows);
      const fitted = figuresOf(
        nc.map((n) => ({ need: n.need, rankedGrades: kept(n, rule).map((c) => c.grade), allGrades: n.allGrades })),
      );
      console.log(`\nRoadmatch, ${name}:`);
      console.log(`  deployed rule:       ${fmt(fitted)}`);
      for (const k of [K, nc.length]) {
        const cv = crossValidate(nc, grid, k);
        const label = k >= nc.length ? 'leave one out:      ' : `cross-validated, ${k} folds:`;
        console.log(`  ${label} ${fmt(cv.figures)}`);
        console.log(`      thresholds chosen: ${[...new Set(cv.rules.map((r) => r.threshold.toFixed(2)))].join(', ')}`);
      }
      const terms = new Map<string, number>();
      for (const r of state.rows)
        for (const m of r.all.filter((x) => x.relevance >= deployed.threshold))
          for (const t of m.terms) terms.set(t, (terms.get(t) ?? 0) + 1);
      const bad = [...terms].filter(([t]) => !isDomainPhrase(t, stats));
      console.log(
        `  explanation terms: ${terms.size} distinct, not domain terms: ${bad.length}` +
          (bad.length ? ` (${bad.map(([t, n]) => `${t} x${n}`).join(', ')})` : ''),
      );
      const capped = state.rows.filter((r) => r.all.length >= 50).length;
      if (capped > 0) console.log(`  warning: ${capped} needs hold 50 stored matches (the per-post cap may have cut)`);
      if (state.unexplained > 0) console.log(`  matches without an explanation: ${state.unexplained}`);
    }

    const plain = summarize(
      rematched.rows.map((r) => {
        const judged = grades.get(r.need) ?? new Map<string, number>();
        return { need: r.need, rankedGrades: r.plain.map((o) => judged.get(o) ?? 0), allGrades: [...judged.values()] };
      }),
      K,
    );
    const ours = figuresOf(
      candidates(rematched.rows).map((n) => ({
        need: n.need,
        rankedGrades: kept(n, rule).map((c) => c.grade),
        allGrades: n.allGrades,
      })),
    );
    console.log(
      `\nPostgreSQL ts_rank: nDCG@5 ${plain.ndcg.toFixed(3)} | precision@5 ${plain.precision.toFixed(3)} | needs nothing fits given no match ${plain.unmatchedWithNoResult} of ${plain.unmatchedNeeds}`,
    );
    console.log(`margin over ts_rank, all needs, after a rematch: ${(ours.ndcg - plain.ndcg).toFixed(3)}`);
    console.log(`needs whose top three survive the rematch: ${sameTop3} of ${data.needs.length}`);
    if (process.env.EVAL_VERBOSE) {
      for (const r of rematched.rows) {
        const mine = rematchedShown.get(r.need) ?? [];
        console.log(
          r.need,
          'ours',
          mine.slice(0, K).join(','),
          '| as loaded',
          (loadedShown.get(r.need) ?? []).slice(0, K).join(','),
          '| plain',
          r.plain.join(','),
        );
      }
    }
  } finally {
    await harness.stop();
  }
}

async function rankings(
  harness: Awaited<ReturnType<typeof startHarness>>,
  data: EvalFile,
  ids: Map<string, string>,
  keys: Map<string, string>,
  tokens: Map<string, string>,
) {
  const rows: Row[] = [];
  let unexplained = 0;
  for (const need of data.needs) {
    const id = ids.get(need.key)!;
    const page = await apiClient(harness.url, tokens.get(need.org))<{
      items: { offering: { id: string }; score: number; explanation: { summary: string; terms: string[] } }[];
    }>('GET', `/v1/needs/${id}/matches?limit=100`);
    unexplained += page.items.filter((m) => !m.explanation?.summary).length;
    const plain = await harness.db.sql<{ id: string }[]>`
      with q as (
        select to_tsquery('english', string_agg(lexeme, ' | ')) as query
        from needs n, unnest(n.search) as lexeme where n.id = ${id})
      select o.id from offerings o join organisations org on org.id = o.organisation_id, q, needs n
      where n.id = ${id} and o.search @@ q.query
        and o.organisation_id <> n.organisation_id and org.kind = any(n.open_to)
      order by ts_rank(o.search, q.query) desc, o.id limit ${K}`;
    // The API shows the score; the rule's threshold reads the relevance, from the two stored views.
    const views = await harness.db.sql<{ offering_id: string; need_score: number; offering_score: number }[]>`
      select offering_id, need_score, offering_score from matches where need_id = ${id}`;
    const relevance = new Map(views.map((v) => [v.offering_id, relevanceOf(v.need_score, v.offering_score)]));
    rows.push({
      need: need.key,
      all: page.items.map((m) => ({
        offering: keys.get(m.offering.id)!,
        score: m.score,
        relevance: relevance.get(m.offering.id) ?? 0,
        terms: m.explanation?.terms ?? [],
      })),
      plain: plain.map((r) => keys.get(r.id)!),
    });
  }
  return { rows, unexplained };
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
