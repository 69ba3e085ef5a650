import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replaceCommonNeeds } from '../../db/queries/common-needs.js';
import { databaseNow, replaceMatches } from '../../db/queries/matching.js';
import { sampleNeed, sampleOffering, signup, startTestApp, type TestApp } from '../helpers.js';

// Two jobs can write the same pair from its two sides. A post rescored while the marketplace grows may
// have searched before a new post was indexed; when it writes, it must not remove the pair that the new
// post's job found meanwhile (a common need of three that lost one of its links fell apart this way).

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const post = async (side: 'needs' | 'offerings', auth: Record<string, string>, body: object) =>
  (await request(t.app).post(`/v1/${side}`).set(auth).send(body).expect(201)).body.id as string;
const pairs = async (table: 'matches' | 'common_needs') =>
  (await t.db.sql<{ n: number }[]>`select count(*)::int as n from ${t.db.sql(table)}`)[0]!.n;

describe('a job that searched before another wrote', () => {
  it('keeps the match the other side found since its search, and removes it when its search is newer', async () => {
    const bio = await signup(t.app, 'biomanufacturer');
    const supplier = await signup(t.app, 'supplier');
    const need = await post('needs', bio.auth, sampleNeed());
    const offering = await post('offerings', supplier.auth, sampleOffering());
    const searchedBefore = await databaseNow(t.db.db);
    // The offering's job finds the pair...
    const pair = {
      needId: need,
      offeringId: offering,
      score: 0.6,
      needScore: 0.6,
      offeringScore: 0.6,
      explanation: {},
    };
    await t.db.db.transaction((tx) =>
      replaceMatches(tx, 'offering', [{ id: offering, version: 1, found: [pair] }], 50),
    );
    expect(await pairs('matches')).toBe(1);
    // ...and the need's job, whose search began before that, found nothing: the pair stays.
    await t.db.db.transaction((tx) =>
      replaceMatches(tx, 'need', [{ id: need, version: 1, found: [] }], 50, null, searchedBefore),
    );
    expect(await pairs('matches')).toBe(1);
    // A search that began after the pair was written, and did not find it, removes it.
    const searchedAfter = await databaseNow(t.db.db);
    await t.db.db.transaction((tx) =>
      replaceMatches(tx, 'need', [{ id: need, version: 1, found: [] }], 50, null, searchedAfter),
    );
    expect(await pairs('matches')).toBe(0);
  });

  it('keeps the common need the other need found since its search, and removes it when its search is newer', async () => {
    const alpha = await signup(t.app, 'biomanufacturer');
    const beta = await signup(t.app, 'biomanufacturer');
    const a = await post('needs', alpha.auth, sampleNeed());
    const b = await post('needs', beta.auth, sampleNeed());
    const searchedBefore = await databaseNow(t.db.db);
    await t.db.db.transaction((tx) =>
      replaceCommonNeeds(tx, [{ id: b, found: [{ other: a, similarity: 0.7, explanation: {} }] }]),
    );
    expect(await pairs('common_needs')).toBe(1);
    await t.db.db.transaction((tx) => replaceCommonNeeds(tx, [{ id: a, found: [] }], searchedBefore));
    expect(await pairs('common_needs')).toBe(1);
    const searchedAfter = await databaseNow(t.db.db);
    await t.db.db.transaction((tx) => replaceCommonNeeds(tx, [{ id: a, found: [] }], searchedAfter));
    expect(await pairs('common_needs')).toBe(0);
  });
});
