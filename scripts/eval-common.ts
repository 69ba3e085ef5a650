/**
 * `npm run eval:common -- FILE`: loads a common-needs data file (../shared/eval/README.md, "Common needs")
 * into a fresh database through the public API, one need at a time, waits for matching, reads every need's
 * `GET /v1/needs/{id}/common`, and prints pairwise precision, recall and F1 and the share of needs in no
 * group that get no common need: as loaded, and after a full rematch. Beside them, plain PostgreSQL
 * full-text similarity of the same needs (ts_rank both ways, averaged) at its best threshold on the file.
 */
import { readFileSync } from 'node:fs';
import { bestThreshold, formatPrf, goldPairs, pairKey, pairwisePrf, silentShare } from '../core/eval/pairs.js';
import { cliProgram } from './cli.js';
import { apiClient, onboard, startHarness, type Harness, waitForMatching } from './harness.js';

interface CommonFile {
  organisations: { key: string; name: string; kind: string; country: string }[];
  needs: ({ key: string; org: string } & Record<string, unknown>)[];
  groups: string[][];
}

async function main() {
  const program = cliProgram(
    'npm run eval:common --',
    'Loads a common-needs data file into a fresh database through the API, waits for matching and measures ' +
      'the common needs found (pairwise precision, recall, F1) as loaded and after a full rematch, beside ' +
      'plain PostgreSQL full-text similarity.',
  )
    .argument('<FILE>', 'common-needs data file (../shared/eval/README.md), e.g. ../shared/eval/common-dev.json')
    .parse();
  const file = program.args[0]!;
  const data = JSON.parse(readFileSync(file, 'utf8')) as CommonFile;
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
    for (const { key, org, ...body } of data.needs) {
      // The data is ordinary technical text; a phrase the screen flags is acknowledged, as its author would.
      const res = await apiClient(harness.url, tokens.get(org))<{ id: string }>('POST', '/v1/needs', {
        ...body,
        acknowledgeSensitive: true,
      });
      ids.set(key, res.id);
      keys.set(res.id, key);
    }
    const gold = goldPairs(data.groups);
    const inGold = new Set(data.groups.flat());
    const needKeys = data.needs.map((n) => n.key);

    const measure = async () => {
      await waitForMatching(harness.db);
      const predicted = new Set<string>();
      for (const need of data.needs) {
        const page = await apiClient(harness.url, tokens.get(need.org))<{ items: { need: { id: string } }[] }>(
          'GET',
          `/v1/needs/${ids.get(need.key)}/common?limit=100`,
        );
        for (const item of page.items) predicted.add(pairKey(need.key, keys.get(item.need.id)!));
      }
      return { prf: pairwisePrf(predicted, gold), silent: silentShare(predicted, needKeys, inGold) };
    };

    const loaded = await measure();
    await apiClient(harness.url, harness.adminToken)('POST', '/v1/admin/rematch');
    const rematched = await measure();
    const plain = await fullTextBaseline(harness, keys);
    const best = bestThreshold(plain, gold);
    const plainPredicted = new Set(plain.filter((p) => p.similarity >= best.th).map((p) => p.key));
    const baseline = { prf: pairwisePrf(plainPredicted, gold), silent: silentShare(plainPredicted, needKeys, inGold) };

    console.log(
      `\n${file}: ${data.needs.length} needs, ${data.organisations.length} organisations, ${data.groups.length} groups, ${gold.size} gold pairs\n`,
    );
    console.log('| common needs | precision | recall | F1 | needs in no group given none |');
    console.log('|---|---|---|---|---|');
    for (const [name, m] of [
      ['Roadmatch, as loaded', loaded],
      ['Roadmatch, after a rematch', rematched],
      [`PostgreSQL full-text, best threshold ${best.th.toFixed(4)}`, baseline],
    ] as const) {
      console.log(
        `| ${name} | ${m.prf.p.toFixed(3)} | ${m.prf.r.toFixed(3)} | ${m.prf.f1.toFixed(3)} | ${m.silent.silent} of ${m.silent.total} |`,
      );
    }
    console.log(`\nas loaded: ${formatPrf(loaded.prf)}`);
    console.log(`after a rematch: ${formatPrf(rematched.prf)}`);
    console.log(
      `F1 over full-text: ${(loaded.prf.f1 - baseline.prf.f1).toFixed(3)} as loaded, ${(rematched.prf.f1 - baseline.prf.f1).toFixed(3)} after a rematch`,
    );
  } finally {
    await harness.stop();
  }
}

/**
 * Plain full-text similarity of every pair of needs of different organisations: each need's English
 * lexemes as an OR query ranked (ts_rank) against the other's text, both ways, averaged.
 */
async function fullTextBaseline(harness: Harness, keys: Map<string, string>) {
  const rows = await harness.db.sql<{ a: string; b: string; similarity: number }[]>`
    with q as (
      select n.id, n.organisation_id, n.search,
        to_tsquery('english', string_agg(quote_literal(lexeme), ' | ')) as query
      from needs n, unnest(n.search) as lexeme group by n.id)
    select a.id as a, b.id as b,
      (ts_rank(b.search, a.query) + ts_rank(a.search, b.query)) / 2 as similarity
    from q a join q b on a.id < b.id and a.organisation_id <> b.organisation_id`;
  return rows.map((r) => ({ key: pairKey(keys.get(r.a)!, keys.get(r.b)!), similarity: Number(r.similarity) }));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
