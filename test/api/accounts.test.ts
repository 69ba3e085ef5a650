import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signup, startTestApp, type TestApp } from '../helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('signup', () => {
  const body = (email: string) => ({
    organisation: { name: 'Halvard Biologics', kind: 'biomanufacturer', country: 'gb' },
    user: { name: 'Ada Lovelace', email, timezone: 'Europe/London' },
  });

  it('answers 202 and makes nothing until the address is confirmed by its emailed link', async () => {
    const res = await request(t.app).post('/v1/signup').send(body('ada@halvard.example')).expect(202);
    expect(res.body).toEqual({ status: 'verification-sent' });
    const [row] = await t.db.sql<{ users: number; orgs: number; tokens: number }[]>`
      select (select count(*) from users)::int as users, (select count(*) from organisations)::int as orgs,
             (select count(*) from api_tokens)::int as tokens`;
    expect(row).toEqual({ users: 0, orgs: 0, tokens: 0 });
  });

  it('answers a registered address exactly as a new one', async () => {
    const known = await signup(t.app, 'supplier');
    const a = await request(t.app).post('/v1/signup').send(body(known.email.toUpperCase())).expect(202);
    const b = await request(t.app).post('/v1/signup').send(body('nobody@halvard.example')).expect(202);
    expect(a.body).toEqual(b.body);
    const [{ count }] = (await t.db
      .sql`select count(*)::int as count from users where lower(email) = ${known.email}`) as unknown as [
      { count: number },
    ];
    expect(count).toBe(1);
  });
});

describe('operator onboarding', () => {
  const admin = () => ({ Authorization: `Bearer ${t.config.adminToken}` });
  const body = (email: string) => ({
    organisation: { name: 'Halvard Biologics', kind: 'biomanufacturer', country: 'gb' },
    user: { name: 'Ada Lovelace', email, timezone: 'Europe/London' },
  });

  it('creates an organisation and its first, verified user and shows the token once', async () => {
    const res = await request(t.app)
      .post('/v1/admin/organisations')
      .set(admin())
      .send(body('ada@op.example'))
      .expect(201);
    expect(res.body.organisation).toMatchObject({ name: 'Halvard Biologics', kind: 'biomanufacturer', country: 'GB' });
    expect(res.body.user).toMatchObject({
      name: 'Ada Lovelace',
      email: 'ada@op.example',
      timezone: 'Europe/London',
    });
    expect(res.body.token).toMatch(/^rm_[A-Za-z0-9_-]{40,}$/);

    // Stored only as a hash.
    const rows = await t.db.sql`select token_hash from api_tokens`;
    expect(rows.map((r) => r.token_hash)).not.toContain(res.body.token);
    expect(JSON.stringify(rows)).not.toContain(res.body.token.slice(3));

    // The token works, and listing tokens never shows a secret.
    const list = await request(t.app).get('/v1/tokens').set('Authorization', `Bearer ${res.body.token}`).expect(200);
    expect(list.body.items).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toContain(res.body.token);
  });

  it('refuses a second user with the same email, whatever its case', async () => {
    await request(t.app).post('/v1/admin/organisations').set(admin()).send(body('dup@example.com')).expect(201);
    const res = await request(t.app)
      .post('/v1/admin/organisations')
      .set(admin())
      .send(body('DUP@example.com'))
      .expect(409);
    expect(res.body.code).toBe('email_taken');
    const [{ count }] = (await t.db
      .sql`select count(*)::int as count from users where lower(email) = 'dup@example.com'`) as unknown as [
      { count: number },
    ];
    expect(count).toBe(1);
  });

  it('is refused without the operator token', async () => {
    await request(t.app).post('/v1/admin/organisations').send(body('x@op.example')).expect(401);
    await request(t.app)
      .post('/v1/admin/organisations')
      .set('Authorization', 'Bearer not-the-operator-token-at-all-000000')
      .send(body('x@op.example'))
      .expect(401);
  });

  it('makes no token for a person whose address was never verified', async () => {
    const person = await signup(t.app, 'supplier');
    await t.db.sql`update users set verified_at = null where id = ${person.userId}`;
    await request(t.app).get('/v1/me').set(person.auth).expect(401);
    await t.db.sql`update users set verified_at = now() where id = ${person.userId}`;
    await request(t.app).get('/v1/me').set(person.auth).expect(200);
  });
});

describe('signup input', () => {
  it('names every field at fault and creates nothing', async () => {
    const before = await t.db.sql`select count(*)::int as n from organisations`;
    const res = await request(t.app)
      .post('/v1/signup')
      .send({
        organisation: { name: '', kind: 'pharma', country: 'Britain', extra: 1 },
        user: { name: 'X', email: 'not-an-email', timezone: 'Mars/Olympus' },
      })
      .expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('validation_failed');
    const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(
      [
        'organisation.country',
        'organisation.extra',
        'organisation.kind',
        'organisation.name',
        'user.email',
        'user.timezone',
      ].sort(),
    );
    const after = await t.db.sql`select count(*)::int as n from organisations`;
    expect(after[0]!.n).toBe(before[0]!.n);
  });
});

describe('tokens', () => {
  it('makes another token and revokes it, after which it gets 401', async () => {
    const user = await signup(t.app, 'supplier');
    const made = await request(t.app).post('/v1/tokens').set(user.auth).send({ name: 'CI' }).expect(201);
    expect(made.body).toMatchObject({ name: 'CI' });
    const second = { Authorization: `Bearer ${made.body.token}` };
    await request(t.app).get('/v1/tokens').set(second).expect(200);

    await request(t.app).delete(`/v1/tokens/${made.body.id}`).set(user.auth).expect(204);
    const res = await request(t.app).get('/v1/needs').set(second).expect(401);
    expect(res.body.code).toBe('unauthorized');
    // The first token still works, and revoking twice is a 404.
    await request(t.app).get('/v1/needs').set(user.auth).expect(200);
    await request(t.app).delete(`/v1/tokens/${made.body.id}`).set(user.auth).expect(404);
  });

  it("cannot revoke another user's token", async () => {
    const a = await signup(t.app, 'supplier');
    const b = await signup(t.app, 'academic');
    const list = await request(t.app).get('/v1/tokens').set(b.auth).expect(200);
    await request(t.app).delete(`/v1/tokens/${list.body.items[0].id}`).set(a.auth).expect(404);
    await request(t.app).get('/v1/tokens').set(b.auth).expect(200);
  });

  it.each([
    ['no header', {}],
    ['a wrong scheme', { Authorization: 'Basic abc' }],
    ['an unknown token', { Authorization: 'Bearer rm_nottherealtoken' }],
  ])('answers 401 problem+json for %s', async (_label, headers) => {
    const res = await request(t.app).get('/v1/needs').set(headers).expect(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(res.body.detail).toBeTruthy();
  });
});

describe('capabilities', () => {
  it('lists the taxonomy grouped by its six areas', async () => {
    const res = await request(t.app).get('/v1/capabilities').expect(200);
    expect(res.body.areas.map((a: { slug: string }) => a.slug)).toEqual(['imrr', 'km', 'spm', 'pt', 'af', 'mm']);
    const pt = res.body.areas.find((a: { slug: string }) => a.slug === 'pt');
    expect(pt.capabilities.map((c: { slug: string }) => c.slug)).toContain('pt.upstream-intensification');
    const total = res.body.areas.reduce((n: number, a: { capabilities: unknown[] }) => n + a.capabilities.length, 0);
    const [{ count }] = (await t.db.sql`select count(*)::int as count from capabilities`) as unknown as [
      { count: number },
    ];
    expect(total).toBe(count);
  });
});
