import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForMatching } from '../../scripts/harness.js';
import { startWorker } from '../../worker/index.js';
import { sampleNeed, signup, startTestApp, type TestApp } from '../helpers.js';

// A save does only what must be atomic with it (validate, insert, enqueue): the corpus statistics, rows that
// every post shares, and the postings are written by the post's matching job.

let t: TestApp;
let bio: Awaited<ReturnType<typeof signup>>;
beforeAll(async () => {
  t = await startTestApp();
  bio = await signup(t.app, 'biomanufacturer', 'Indexing Biologics');
});
afterAll(async () => {
  await t?.close();
});

const docFreq = async (term: string) =>
  (
    await t.db.sql<
      { n: number }[]
    >`select coalesce(sum(doc_freq), 0)::int as n from term_stats where side = 'need' and term = ${term}`
  )[0]!.n;
const postings = async (id: string) =>
  (await t.db.sql<{ n: number }[]>`select count(*)::int as n from need_terms where need_id = ${id}`)[0]!.n;

describe('indexing a saved post', () => {
  it('is left to the matching job; the post is searchable meanwhile, and edits and deletes keep the counts', async () => {
    const saved = await request(t.app).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(201);
    const id = saved.body.id as string;
    expect(await docFreq('raman')).toBe(0);
    expect(await postings(id)).toBe(0);
    // Found by its terms before its postings exist.
    const found = await request(t.app).get('/v1/needs?q=raman').set(bio.auth).expect(200);
    expect(found.body.items.map((n: { id: string }) => n.id)).toEqual([id]);

    const worker = await startWorker({ config: t.config, logger: pino({ level: 'silent' }), db: t.db.db });
    try {
      await waitForMatching(t.db, 30_000);
      expect(await docFreq('raman')).toBe(1);
      expect(await postings(id)).toBeGreaterThan(0);
      const [row] = await t.db.sql`select version, indexed_version from needs where id = ${id}`;
      expect(row).toEqual({ version: 1, indexed_version: 1 });

      // An edit that drops the word: counted out once its job has run.
      await request(t.app)
        .patch(`/v1/needs/${id}`)
        .set(bio.auth)
        .send({
          title: 'In-line monitoring of glucose',
          keywords: ['glucose control'],
          description: 'Glucose every few minutes in fed-batch bioreactors, feeding a closed-loop controller.',
        })
        .expect(200);
      await waitForMatching(t.db, 30_000);
      expect(await docFreq('raman')).toBe(0);
      expect(await docFreq('glucos')).toBeGreaterThan(0);
      const before = await docFreq('glucos');
      await request(t.app).delete(`/v1/needs/${id}`).set(bio.auth).expect(204);
      expect(await docFreq('glucos')).toBe(before - 1);
      expect(await postings(id)).toBe(0);
    } finally {
      await worker.close();
    }
  });
});
