import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleNeed, sampleOffering, signup, startTestApp, type TestApp } from '../helpers.js';

let t: TestApp;
let bio: Awaited<ReturnType<typeof signup>>;
beforeAll(async () => {
  t = await startTestApp();
  bio = await signup(t.app, 'biomanufacturer');
});
afterAll(async () => {
  await t.close();
});

const counts = async () => {
  const [row] = await t.db
    .sql`select (select count(*) from needs)::int as needs, (select count(*) from offerings)::int as offerings,
    (select count(*) from term_stats)::int as terms`;
  return row;
};

describe('bad input to POST /v1/needs gets a 4xx problem and changes nothing', () => {
  it.each([
    ['an unknown field', { ...sampleNeed(), budget: 1e6 }, ['budget']],
    ['a wrong type', { ...sampleNeed(), trlMin: '5' }, ['trlMin']],
    ['a wrong type in a list', { ...sampleNeed(), keywords: ['Raman', 42] }, ['keywords[1]']],
    [
      'an unknown capability slug',
      { ...sampleNeed(), capabilities: ['imrr.spectroscopic-pat', 'pt.teleportation'] },
      ['capabilities[1]'],
    ],
    ['a TRL below 1', { ...sampleNeed(), trlMin: 0 }, ['trlMin']],
    ['a TRL above 9', { ...sampleNeed(), trlMax: 10 }, ['trlMax']],
    ['a fractional TRL', { ...sampleNeed(), trlMin: 4.5 }, ['trlMin']],
    ['trlMin above trlMax', { ...sampleNeed(), trlMin: 7, trlMax: 4 }, ['trlMax']],
    ['a missing title', { ...sampleNeed(), title: undefined }, ['title']],
    ['an unknown partnership type', { ...sampleNeed(), partnershipTypes: ['merger'] }, ['partnershipTypes[0]']],
    ['an empty openTo', { ...sampleNeed(), openTo: [] }, ['openTo']],
    ['a date without timezone', { ...sampleNeed(), expiresAt: '2027-01-01' }, ['expiresAt']],
    ['an expiry in the past', { ...sampleNeed(), expiresAt: '2020-01-01T00:00:00Z' }, ['expiresAt']],
    ['an expiry in the year 0', { ...sampleNeed(), expiresAt: '0000-01-01T00:00:00Z' }, ['expiresAt']],
    ['a NUL character', { ...sampleNeed(), title: 'Raman\u0000probe' }, ['title']],
  ])('%s', async (_label, body, fields) => {
    const before = await counts();
    const res = await request(t.app).post('/v1/needs').set(bio.auth).send(body).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, code: 'validation_failed', title: expect.any(String) });
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(fields);
    for (const e of res.body.errors) expect(e.message.length).toBeGreaterThan(3);
    expect(await counts()).toEqual(before);
  });

  it('malformed JSON', async () => {
    const res = await request(t.app)
      .post('/v1/needs')
      .set(bio.auth)
      .set('Content-Type', 'application/json')
      .send('{"title": "Raman",')
      .expect(400);
    expect(res.body.code).toBe('malformed_json');
  });

  it('a body that is not JSON', async () => {
    const res = await request(t.app)
      .post('/v1/needs')
      .set(bio.auth)
      .set('Content-Type', 'text/plain')
      .send('title=Raman')
      .expect(415);
    expect(res.body.code).toBe('unsupported_media_type');
  });

  it('a JSON array instead of an object', async () => {
    const res = await request(t.app).post('/v1/needs').set(bio.auth).send([sampleNeed()]).expect(400);
    expect(res.body.code).toBe('validation_failed');
  });

  it('an oversized body (413)', async () => {
    const before = await counts();
    const res = await request(t.app)
      .post('/v1/needs')
      .set(bio.auth)
      .send({ ...sampleNeed(), description: 'x'.repeat(200_000) })
      .expect(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('payload_too_large');
    expect(await counts()).toEqual(before);
  });

  it('a description longer than allowed but under the body limit', async () => {
    const res = await request(t.app)
      .post('/v1/needs')
      .set(bio.auth)
      .send({ ...sampleNeed(), description: 'word '.repeat(4000) })
      .expect(400);
    expect(res.body.errors[0].field).toBe('description');
  });
});

describe('odd but valid input', () => {
  it('a post with no indexable word is saved, and simply matches nothing', async () => {
    const supplier = await signup(t.app, 'supplier');
    const res = await request(t.app)
      .post('/v1/offerings')
      .set(supplier.auth)
      .send({ title: '???', description: '!', trl: 5 })
      .expect(201);
    expect(res.body.title).toBe('???');
  });
});

describe('bad input elsewhere', () => {
  it.each([
    ['q=%00', 'q'],
    [
      `cursor=${Buffer.from(JSON.stringify(['-001000-01-01T00:00:00Z', '00000000-0000-4000-8000-000000000000'])).toString('base64url')}`,
      'cursor',
    ],
  ])('a list query %s is a 400', async (query, field) => {
    const res = await request(t.app).get(`/v1/needs?${query}`).set(bio.auth).expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('a forged match cursor is a 400', async () => {
    const need = await request(t.app).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(201);
    const cursor = Buffer.from(JSON.stringify([1e300, '00000000-0000-4000-8000-000000000000'])).toString('base64url');
    const res = await request(t.app)
      .get(`/v1/needs/${need.body.id}/matches?cursor=${cursor}`)
      .set(bio.auth)
      .expect(400);
    expect(res.body.errors[0].field).toBe('cursor');
  });

  it('an offering with a TRL of 12', async () => {
    const supplier = await signup(t.app, 'supplier');
    const res = await request(t.app)
      .post('/v1/offerings')
      .set(supplier.auth)
      .send(sampleOffering({ trl: 12 }))
      .expect(400);
    expect(res.body.errors).toEqual([{ field: 'trl', message: 'must be from 1 to 9' }]);
  });

  it('a PATCH with an unknown field or a bad status changes nothing', async () => {
    const created = await request(t.app).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(201);
    const a = await request(t.app)
      .patch(`/v1/needs/${created.body.id}`)
      .set(bio.auth)
      .send({ owner: 'me' })
      .expect(400);
    expect(a.body.errors[0].field).toBe('owner');
    await request(t.app).patch(`/v1/needs/${created.body.id}`).set(bio.auth).send({ status: 'paused' }).expect(400);
    const got = await request(t.app).get(`/v1/needs/${created.body.id}`).set(bio.auth).expect(200);
    expect(got.body).toMatchObject({ status: 'open', updatedAt: created.body.updatedAt });
  });

  it('an id that is not a UUID is a 400, an unknown one a 404', async () => {
    const a = await request(t.app).get('/v1/needs/42').set(bio.auth).expect(400);
    expect(a.body.errors[0].field).toBe('id');
    const b = await request(t.app).get('/v1/needs/00000000-0000-4000-8000-000000000000').set(bio.auth).expect(404);
    expect(b.body.code).toBe('not_found');
  });

  it('an unknown path is a problem+json 404', async () => {
    const res = await request(t.app).get('/v1/widgets').set(bio.auth).expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
