import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYSIS_VERSION, SCORING_VERSION } from '../../core/matching/index.js';
import { hasStaleScores, prepareRematch } from '../../db/queries/rematch.js';
import { waitForMatching } from '../../scripts/harness.js';
import { startWorker } from '../../worker/index.js';
import { sampleNeed, sampleOffering, signup, startTestApp, type TestApp } from '../helpers.js';
import { until } from '../mail-world.js';

// An upgrade that changes the analyser (ANALYSIS_VERSION) leaves every stored analysis stale, and a stale
// post matches nothing; one that changes scoring (SCORING_VERSION) leaves scores that mean something else.
// A worker starting on such a database rematches by itself.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const start = () => startWorker({ config: t.config, logger: pino({ level: 'silent' }), db: t.db.db });
const matchCount = async () => (await t.db.sql<{ n: number }[]>`select count(*)::int as n from matches`)[0]!.n;

describe('a worker starting after the analyser changed', () => {
  it('analyses the old posts again and gives them back their matches', async () => {
    const bio = await signup(t.app, 'biomanufacturer');
    const supplier = await signup(t.app, 'supplier');
    await request(t.app).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(201);
    await request(t.app).post('/v1/offerings').set(supplier.auth).send(sampleOffering()).expect(201);
    let worker = await start();
    await waitForMatching(t.db, 30_000);
    const before = await matchCount();
    expect(before).toBeGreaterThan(0);
    await worker.close();

    // As an older release left them: analyses of the previous version, and the matches they no longer make.
    for (const table of ['needs', 'offerings'])
      await t.db
        .sql`update ${t.db.sql(table)} set analysis = jsonb_set(analysis, '{version}', ${ANALYSIS_VERSION - 1}::text::jsonb)`;
    await t.db.sql`delete from matches`;
    // and the postings of the old analyses.
    for (const table of ['need_terms', 'offering_terms'])
      await t.db.sql`update ${t.db.sql(table)} set term = term || ':old'`;

    worker = await start();
    try {
      await until(async () => (await matchCount()) === before, 30_000);
      const [stale] = await t.db.sql<{ n: number }[]>`
        select count(*)::int as n from needs where (analysis->>'version')::int <> ${ANALYSIS_VERSION}`;
      expect(stale!.n).toBe(0);
      // Indexed again from the new analyses: found by their terms, not by the old ones.
      const [postings] = await t.db.sql<{ old: number; all: number }[]>`
        select count(*) filter (where term like '%:old')::int as old, count(*)::int as "all" from
          (select term from need_terms union all select term from offering_terms) p`;
      expect(postings).toEqual({ old: 0, all: expect.any(Number) });
      expect(postings!.all).toBeGreaterThan(0);
    } finally {
      await worker.close();
    }
  });
});

describe('a worker starting after scoring changed', () => {
  it('scores the old matches again, once', async () => {
    const bio = await signup(t.app, 'biomanufacturer');
    const supplier = await signup(t.app, 'supplier');
    const need = await request(t.app).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(201);
    const expired = await request(t.app).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(201);
    await request(t.app).post('/v1/offerings').set(supplier.auth).send(sampleOffering()).expect(201);
    let worker = await start();
    await waitForMatching(t.db, 30_000);
    await worker.close();
    const scored = await t.db.sql<{ id: string; score: number; version: number }[]>`
      select id, score, scoring_version as version from matches where need_id = ${need.body.id}`;
    expect(scored.length).toBeGreaterThan(0);
    expect(scored.every((m) => m.version === SCORING_VERSION)).toBe(true);

    // As an older release left them: another version's scores.
    await t.db.sql`update matches set scoring_version = ${SCORING_VERSION - 1}, score = 0.01`;
    // and a need that has expired since.
    await t.db.sql`update needs set expires_at = now() - interval '1 day' where id = ${expired.body.id}`;
    worker = await start();
    try {
      await until(async () => {
        const [m] = await t.db.sql<{ stale: number }[]>`select count(*)::int as stale from matches
          where need_id = ${need.body.id} and scoring_version <> ${SCORING_VERSION}`;
        return m!.stale === 0;
      }, 30_000);
      const rescored = await t.db.sql<{ id: string; score: number }[]>`
        select id, score from matches where need_id = ${need.body.id}`;
      expect(rescored).toHaveLength(scored.length);
      expect(rescored.every((m) => m.score > 0.01)).toBe(true); // scored again, not the old release's
    } finally {
      await worker.close();
    }
    // Nothing of the old scoring is left, the expired need's matches included: the next start rematches nothing.
    const [old] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from matches
      where scoring_version <> ${SCORING_VERSION}`;
    expect(old!.n).toBe(0);
    const [runs] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from rematches`;
    worker = await start();
    await worker.close();
    const [after] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from rematches`;
    expect(after!.n).toBe(runs!.n);
  });

  it('counts only the old matches of needs in the marketplace and not waiting for a rematch', async () => {
    await t.db.sql`update matches set scoring_version = ${SCORING_VERSION - 1}`;
    expect(await hasStaleScores(t.db.db)).toBe(true);
    // Needs that have left the marketplace are not rescored: their old matches start nothing.
    await t.db.sql`update needs set expires_at = expires_at - interval '100 years'`;
    expect(await hasStaleScores(t.db.db)).toBe(false);
    await t.db.sql`update needs set expires_at = expires_at + interval '100 years'`;
    expect(await hasStaleScores(t.db.db)).toBe(true);
    // A worker that starts while a rematch is at work (every need pending) starts no second one.
    await prepareRematch(t.db.db, 100);
    expect(await hasStaleScores(t.db.db)).toBe(false);
  });
});
