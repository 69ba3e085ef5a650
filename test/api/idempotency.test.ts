import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleNeed, signup, startTestApp, type TestApp } from '../helpers.js';

let t: TestApp;
let bio: Awaited<ReturnType<typeof signup>>;
beforeAll(async () => {
  t = await startTestApp();
  bio = await signup(t.app, 'biomanufacturer');
});
afterAll(async () => {
  await t.close();
});

const needCount = async () => (await t.db.sql`select count(*)::int as n from needs`)[0]!.n as number;

describe('Idempotency-Key', () => {
  it('a retried POST with the same key and body answers the first answer and creates nothing new', async () => {
    const before = await needCount();
    const first = await request(t.app)
      .post('/v1/needs')
      .set(bio.auth)
      .set('Idempotency-Key', 'k-1')
      .send(sampleNeed())
      .expect(201);
    const retry = await request(t.app)
      .post('/v1/needs')
      .set(bio.auth)
      .set('Idempotency-Key', 'k-1')
      .send(sampleNeed())
      .expect(201);
    expect(retry.body).toEqual(first.body);
    expect(await needCount()).toBe(before + 1);
  });

  it('concurrent retries create one need', async () => {
    const before = await needCount();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        request(t.app).post('/v1/needs').set(bio.auth).set('Idempotency-Key', 'k-race').send(sampleNeed()),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(await needCount()).toBe(before + 1);
  });

  it('the same key with another body is a 422 and creates nothing', async () => {
    await request(t.app).post('/v1/needs').set(bio.auth).set('Idempotency-Key', 'k-2').send(sampleNeed()).expect(201);
    const before = await needCount();
    const res = await request(t.app)
      .post('/v1/needs')
      .set(bio.auth)
      .set('Idempotency-Key', 'k-2')
      .send(sampleNeed({ title: 'Something else entirely' }))
      .expect(422);
    expect(res.body.code).toBe('idempotency_key_reused');
    expect(await needCount()).toBe(before);
  });

  it('keys belong to one user: another user with the same key gets their own need', async () => {
    const other = await signup(t.app, 'biomanufacturer');
    const a = await request(t.app)
      .post('/v1/needs')
      .set(bio.auth)
      .set('Idempotency-Key', 'shared')
      .send(sampleNeed())
      .expect(201);
    const b = await request(t.app)
      .post('/v1/needs')
      .set(other.auth)
      .set('Idempotency-Key', 'shared')
      .send(sampleNeed())
      .expect(201);
    expect(a.body.id).not.toBe(b.body.id);
  });

  it('a failed request does not burn its key', async () => {
    await request(t.app)
      .post('/v1/needs')
      .set(bio.auth)
      .set('Idempotency-Key', 'k-3')
      .send(sampleNeed({ trlMin: 0 }))
      .expect(400);
    await request(t.app).post('/v1/needs').set(bio.auth).set('Idempotency-Key', 'k-3').send(sampleNeed()).expect(201);
  });

  it('a retried signup returns the same token and makes one organisation', async () => {
    const body = {
      organisation: { name: 'Retry Ltd', kind: 'supplier', country: 'IE' },
      user: { name: 'R', email: 'retry@example.com' },
    };
    const a = await request(t.app).post('/v1/signup').set('Idempotency-Key', 'signup-1').send(body).expect(201);
    const b = await request(t.app).post('/v1/signup').set('Idempotency-Key', 'signup-1').send(body).expect(201);
    expect(b.body).toEqual(a.body);
    const rows = await t.db.sql`select count(*)::int as n from organisations where name = 'Retry Ltd'`;
    expect(rows[0]!.n).toBe(1);
    // The stored answer does not hold the token in the clear.
    const stored = await t.db.sql`select response_body::text as body from idempotency_keys where key = 'signup-1'`;
    expect(stored[0]!.body).not.toContain(a.body.token);
    expect(stored[0]!.body).not.toContain(a.body.token.slice(3, 20));
  });

  it('rejects a key that is too long', async () => {
    const res = await request(t.app)
      .post('/v1/needs')
      .set(bio.auth)
      .set('Idempotency-Key', 'x'.repeat(300))
      .send(sampleNeed())
      .expect(400);
    expect(res.body.errors[0].field).toBe('Idempotency-Key');
  });
});
