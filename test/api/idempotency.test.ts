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

  it('concurrent retries create one need: the others answer 409 while it runs, or its answer after', async () => {
    const before = await needCount();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        request(t.app).post('/v1/needs').set(bio.auth).set('Idempotency-Key', 'k-race').send(sampleNeed()),
      ),
    );
    for (const a of answers) expect([201, 409]).toContain(a.status);
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((a) => a.body.id)).size).toBe(1);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.code).toBe('idempotency_key_in_use');
    expect(await needCount()).toBe(before + 1);
    const retry = await request(t.app)
      .post('/v1/needs')
      .set(bio.auth)
      .set('Idempotency-Key', 'k-race')
      .send(sampleNeed())
      .expect(201);
    expect(retry.body.id).toBe(created[0]!.body.id);
    expect(retry.headers.location).toBe(`/v1/needs/${created[0]!.body.id}`);
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

  it('a retried signup answers the same and queues one email; its key belongs to its address', async () => {
    const body = (email: string) => ({
      organisation: { name: 'Retry Ltd', kind: 'supplier', country: 'IE' },
      user: { name: 'R', email },
    });
    const a = await request(t.app)
      .post('/v1/signup')
      .set('Idempotency-Key', 'signup-1')
      .send(body('retry@example.com'))
      .expect(202);
    const b = await request(t.app)
      .post('/v1/signup')
      .set('Idempotency-Key', 'signup-1')
      .send(body('retry@example.com'))
      .expect(202);
    expect(b.body).toEqual(a.body);
    expect(b.headers['idempotent-replayed']).toBe('true');
    const jobs = await t.deps.notificationsQueue.getJobs(['waiting', 'delayed', 'active']);
    expect(jobs.filter((j) => j.name === 'account-email')).toHaveLength(1);
    const stored = await t.db.sql<{ scope: string }[]>`select scope from idempotency_keys where key = 'signup-1'`;
    expect(stored.map((r) => r.scope)).toEqual(['signup:retry@example.com']);
  });

  it('honours the key on every POST: a retried token request answers the same token', async () => {
    const first = await request(t.app)
      .post('/v1/tokens')
      .set(bio.auth)
      .set('Idempotency-Key', 'token-1')
      .send({ name: 'CI' })
      .expect(201);
    const retry = await request(t.app)
      .post('/v1/tokens')
      .set(bio.auth)
      .set('Idempotency-Key', 'token-1')
      .send({ name: 'CI' })
      .expect(201);
    expect(retry.body).toEqual(first.body);
    const [row] = await t.db.sql<{ n: number }[]>`
      select count(*)::int as n from api_tokens where user_id = ${bio.userId} and name = 'CI'`;
    expect(row!.n).toBe(1);
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
