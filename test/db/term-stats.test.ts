import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexPost } from '../../db/queries/posts.js';
import { rebuildTermStats } from '../../db/queries/term-stats.js';
import { sampleNeed, signup, startTestApp, type TestApp } from '../helpers.js';

// The corpus statistics are counted by each post's indexing and recounted by a full rematch. A post saved
// between the rematch's indexing and its recount is counted by its own job afterwards: the recount must
// not count its new text as well.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const docFreq = async (term: string) =>
  (
    await t.db.sql<{ n: number }[]>`
      select coalesce(sum(doc_freq), 0)::int as n from term_stats where side = 'need' and term = ${term}`
  )[0]!.n;

describe('recounting the corpus statistics', () => {
  it('counts what each post was indexed with, so that a post saved meanwhile is counted once', async () => {
    const bio = await signup(t.app, 'biomanufacturer');
    const saved = await request(t.app).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(201);
    const id = saved.body.id as string;
    await indexPost(t.db.db, 'need', id);
    expect(await docFreq('raman')).toBe(1);

    // Saved again, its job not yet run: the recount comes first.
    await request(t.app)
      .patch(`/v1/needs/${id}`)
      .set(bio.auth)
      .send({
        title: 'High-concentration antibody formulation viscosity',
        keywords: ['viscosity'],
        description: 'Viscosity of a 180 mg/mL antibody formulation for subcutaneous injection.',
      })
      .expect(200);
    await t.db.db.transaction((tx) => rebuildTermStats(tx));
    expect(await docFreq('raman')).toBe(1);
    expect(await docFreq('viscos')).toBe(0);

    // Its job moves the counts from the old text to the new, once.
    await indexPost(t.db.db, 'need', id);
    expect(await docFreq('raman')).toBe(0);
    expect(await docFreq('viscos')).toBe(1);
  });
});
