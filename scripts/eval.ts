/**
 * `npm run eval -- FILE`: loads a labelled data file (../shared/eval/README.md) into a fresh database through
 * the public API, waits for matching, and prints nDCG@5 and precision@5 of Roadmatch (as loaded, and after a
 * full rematch) beside plain PostgreSQL full-text ranking (ts_rank over the same texts, with the same hard
 * exclusions) measured in the same run, and how many needs keep their top three through the rematch.
 */
import { readFileSync } from 'node:fs';
import { summarize } from '../core/eval/metrics.js';
import { apiClient, onboard, startHarness, waitForMatching } from './harness.js';

interface EvalFile {
  organisations: { key: string; name: string; kind: string; country: string }[];
  needs: ({ key: string; org: string } & Record<string, unknown>)[];
  offerings: ({ key: string; org: string } & Record<string, unknown>)[];
  judgments: { need: string; offering: string; grade: number }[];
}

const K = 5;

async function main() {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npm run eval -- FILE');
    process.exit(64);
  }
  const data = JSON.parse(readFileSync(file, 'utf8')) as EvalFile;
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
    const { rows, unexplained } = await rankings(harness, data, ids, keys, tokens);
    const sameTop3 = rows.filter(
      (r, i) => r.ours.slice(0, 3).join() === loaded.rows[i]!.ours.slice(0, 3).join(),
    ).length;

    const summary = (from: typeof rows, pick: (r: (typeof rows)[number]) => string[]) => {
      const rankings = from.map((r) => {
        const judged = grades.get(r.need) ?? new Map<string, number>();
        return { need: r.need, rankedGrades: pick(r).map((o) => judged.get(o) ?? 0), allGrades: [...judged.values()] };
      });
      const fitting = rankings.filter((r) => r.allGrades.some((g) => g > 0));
      return { all: summarize(rankings, K), fitting: summarize(fitting, K) };
    };
    const asLoaded = summary(loaded.rows, (r) => r.ours);
    const ours = summary(rows, (r) => r.ours);
    const plain = summary(rows, (r) => r.plain);

    console.log(
      `\n${file}: ${data.needs.length} needs, ${data.offerings.length} offerings, ${data.judgments.length} judgments\n`,
    );
    console.log(
      '| ranking | nDCG@5, all needs | nDCG@5, needs with a fit | precision@5 | needs nothing fits given no match |',
    );
    console.log('|---|---|---|---|---|');
    for (const [name, s] of [
      ['Roadmatch, as loaded', asLoaded],
      ['Roadmatch, after a rematch', ours],
      ['PostgreSQL ts_rank', plain],
    ] as const) {
      console.log(
        `| ${name} | ${s.all.ndcg.toFixed(3)} | ${s.fitting.ndcg.toFixed(3)} | ${s.all.precision.toFixed(3)} | ${s.all.unmatchedWithNoResult} of ${s.all.unmatchedNeeds} |`,
      );
    }
    console.log(`\nmargin over ts_rank, all needs: ${(ours.all.ndcg - plain.all.ndcg).toFixed(3)}`);
    console.log(`needs whose top three survive the rematch: ${sameTop3} of ${rows.length}`);
    console.log(`matches without an explanation: ${unexplained + loaded.unexplained}`);
    if (process.env.EVAL_VERBOSE) {
      for (const r of rows) console.log(r.need, 'ours', r.ours.join(','), '| plain', r.plain.join(','));
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
  const rows: { need: string; ours: string[]; plain: string[] }[] = [];
  let unexplained = 0;
  for (const need of data.needs) {
    const id = ids.get(need.key)!;
    const page = await apiClient(harness.url, tokens.get(need.org))<{
      items: { offering: { id: string }; explanation: { summary: string } }[];
    }>('GET', `/v1/needs/${id}/matches?limit=${K}`);
    unexplained += page.items.filter((m) => !m.explanation?.summary).length;
    const plain = await harness.db.sql<{ id: string }[]>`
      with q as (
        select to_tsquery('english', string_agg(lexeme, ' | ')) as query
        from needs n, unnest(n.search) as lexeme where n.id = ${id})
      select o.id from offerings o join organisations org on org.id = o.organisation_id, q, needs n
      where n.id = ${id} and o.search @@ q.query
        and o.organisation_id <> n.organisation_id and org.kind = any(n.open_to)
      order by ts_rank(o.search, q.query) desc, o.id limit ${K}`;
    rows.push({
      need: need.key,
      ours: page.items.map((m) => keys.get(m.offering.id)!),
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
