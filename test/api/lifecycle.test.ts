import { readFileSync } from 'node:fs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expiryAfterDays, signLink } from '../../core/links.js';
import { addMonths, latestExpiry } from '../../core/policy.js';
import { renewTarget } from '../../worker/processors/lifecycle.js';
import { sampleNeed, sampleOffering, signup, startTestApp, type TestApp } from '../helpers.js';

// A post's lifecycle through the API: every post expires (12 months by default, at most 24 ahead), an
// expired one leaves the marketplace, and `POST /v1/{needs,offerings}/{id}/renew` brings it back.

let t: TestApp;
let bio: Awaited<ReturnType<typeof signup>>;
let otherBio: Awaited<ReturnType<typeof signup>>;
let supplier: Awaited<ReturnType<typeof signup>>;

beforeAll(async () => {
  t = await startTestApp();
  bio = await signup(t.app, 'biomanufacturer', 'Lifecycle Biologics');
  otherBio = await signup(t.app, 'biomanufacturer', 'Elsewhere Biologics');
  supplier = await signup(t.app, 'supplier', 'Lifecycle Probes');
});
afterAll(async () => {
  await t?.close();
});

const DAY = 86_400_000;
const inDays = (days: number) => new Date(Date.now() + days * DAY);
/** Within a minute of `expected`: the server's clock ran between. */
const near = (iso: string, expected: Date) => Math.abs(new Date(iso).getTime() - expected.getTime()) < 60_000;

async function postNeed(over: Record<string, unknown> = {}, who = bio) {
  const res = await request(t.app).post('/v1/needs').set(who.auth).send(sampleNeed(over)).expect(201);
  return res.body as { id: string; expiresAt: string };
}

/** The post's row as stored: what a refused request must leave as it was. */
async function rowOf(table: 'needs' | 'offerings', id: string) {
  const [row] = await t.db.sql<{ expires_at: Date; status: string; version: number }[]>`
    select expires_at, status, version from ${t.db.sql(table)} where id = ${id}`;
  return row!;
}

function expectProblem(res: request.Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.code).toBe(code);
}

describe('expiry when posting and editing', () => {
  it('gives a post without a date 12 months, and keeps a date it is given', async () => {
    const need = await postNeed();
    expect(near(need.expiresAt, addMonths(new Date(), 12))).toBe(true);
    const offering = await request(t.app).post('/v1/offerings').set(supplier.auth).send(sampleOffering()).expect(201);
    expect(near(offering.body.expiresAt, addMonths(new Date(), 12))).toBe(true);

    const chosen = inDays(100).toISOString();
    expect((await postNeed({ expiresAt: chosen })).expiresAt).toBe(chosen);
  });

  it('refuses no expiry, a past one and one beyond 24 months, and saves nothing', async () => {
    const [before] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from needs`;
    for (const [expiresAt, words] of [
      [null, /ISO 8601/],
      ['2020-01-01T00:00:00Z', /must be in the future/],
      [addMonths(new Date(), 25).toISOString(), /must be at most 24 months from now/],
    ] as const) {
      const res = await request(t.app).post('/v1/needs').set(bio.auth).send(sampleNeed({ expiresAt }));
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors).toEqual([{ field: 'expiresAt', message: expect.stringMatching(words) }]);
    }
    const [after] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from needs`;
    expect(after!.n).toBe(before!.n);

    // The last day allowed is taken, whole: its end is 24 months ahead at most.
    const latest = latestExpiry();
    expect((await postNeed({ expiresAt: latest.toISOString() })).expiresAt).toBe(latest.toISOString());

    const need = await postNeed();
    const patched = await request(t.app).patch(`/v1/needs/${need.id}`).set(bio.auth).send({ expiresAt: null });
    expectProblem(patched, 400, 'validation_failed');
    expect(new Date((await rowOf('needs', need.id)).expires_at).toISOString()).toBe(need.expiresAt);
  });
});

describe('every post expires', () => {
  it('is a column without nulls: a post without an expiry cannot be saved', async () => {
    const columns = await t.db.sql<{ table_name: string; is_nullable: string }[]>`
      select table_name, is_nullable from information_schema.columns
      where table_schema = current_schema() and column_name = 'expires_at' and table_name in ('needs', 'offerings')`;
    expect(columns.map((c) => [c.table_name, c.is_nullable]).sort()).toEqual([
      ['needs', 'NO'],
      ['offerings', 'NO'],
    ]);
    const need = await postNeed();
    await expect(t.db.sql`update needs set expires_at = null where id = ${need.id}`).rejects.toThrow(/not-null/);
  });

  it('gives any post left without one 12 months from its creation (at least 30 days ahead), then forbids nulls (0019)', async () => {
    const old = await postNeed({ title: 'A need from before expiry' });
    const older = await postNeed({ title: 'A need from ten months ago' });
    const oldest = await postNeed({ title: 'A need from two years ago' });
    const kept = await postNeed({ title: 'A need with an expiry of its own', expiresAt: inDays(40).toISOString() });
    // The migration's statements, as it runs them, on a table that still takes nulls (as before it ran);
    // rolled back, so that the other tests see the schema as migrated.
    const migration = readFileSync(
      new URL('../../db/migrations/0019_posts_always_expire.sql', import.meta.url),
      'utf8',
    );
    const statements = migration.split('--> statement-breakpoint');
    expect(statements.filter((part) => /^\s*(--.*\n)*UPDATE/.test(part))).toHaveLength(2);
    const rolledBack = new Error('rolled back');
    await expect(
      t.db.sql.begin(async (tx) => {
        await tx`alter table needs alter column expires_at drop not null`;
        await tx`update needs set expires_at = null where id in (${old.id}, ${older.id}, ${oldest.id})`;
        await tx`update needs set created_at = now() - interval '10 months' where id = ${older.id}`;
        await tx`update needs set created_at = now() - interval '2 years' where id = ${oldest.id}`;
        for (const statement of statements) await tx.unsafe(statement);
        const rows = await tx<{ id: string; expires_at: Date }[]>`
          select id, expires_at from needs where id in (${old.id}, ${older.id}, ${oldest.id}, ${kept.id})`;
        const expiry = (id: string) => new Date(rows.find((r) => r.id === id)!.expires_at).toISOString();
        expect(near(expiry(old.id), addMonths(new Date(), 12))).toBe(true);
        // Month arithmetic in SQL and here may differ by a day or two at a month's end.
        const olderDue = new Date(expiry(older.id)).getTime() - addMonths(new Date(), 2).getTime();
        expect(Math.abs(olderDue)).toBeLessThan(3 * DAY);
        expect(near(expiry(oldest.id), inDays(30))).toBe(true);
        expect(expiry(kept.id)).toBe(kept.expiresAt);
        const [column] = await tx<{ is_nullable: string }[]>`select is_nullable from information_schema.columns
          where table_schema = current_schema() and table_name = 'needs' and column_name = 'expires_at'`;
        expect(column!.is_nullable).toBe('NO');
        throw rolledBack;
      }),
    ).rejects.toBe(rolledBack);
  });
});

describe('renewing', () => {
  it('moves a live post’s expiry 12 months from now, or to the date given, keeping its matches', async () => {
    const need = await postNeed({ expiresAt: inDays(10).toISOString() });
    await t.db.sql`update needs set matched_version = version, matched_at = now() where id = ${need.id}`;

    const renewed = await request(t.app).post(`/v1/needs/${need.id}/renew`).set(bio.auth).send({}).expect(200);
    expect(near(renewed.body.expiresAt, addMonths(new Date(), 12))).toBe(true);
    expect(renewed.body).toMatchObject({ id: need.id, status: 'open', mine: true });
    // Live all along: nothing to match again.
    expect(renewed.body.matchedAt).not.toBeNull();
    expect((await rowOf('needs', need.id)).version).toBe(1);

    const date = addMonths(new Date(), 18).toISOString();
    const chosen = await request(t.app)
      .post(`/v1/needs/${need.id}/renew`)
      .set(bio.auth)
      .send({ expiresAt: date })
      .expect(200);
    expect(chosen.body.expiresAt).toBe(date);
    const got = await request(t.app).get(`/v1/needs/${need.id}`).set(otherBio.auth).expect(200);
    expect(got.body.expiresAt).toBe(date);
  });

  it('brings an expired post back to the marketplace, as a new version to match again', async () => {
    const offering = (
      await request(t.app)
        .post('/v1/offerings')
        .set(supplier.auth)
        .send(sampleOffering({ title: 'Expiring chromatography skids for renewal' }))
        .expect(201)
    ).body as { id: string };
    await t.db.sql`update offerings set expires_at = now() - interval '1 day', matched_version = version,
      matched_at = now() where id = ${offering.id}`;
    // Expired: gone for everyone else, listed for its owner only.
    await request(t.app).get(`/v1/offerings/${offering.id}`).set(bio.auth).expect(404);
    const listed = await request(t.app).get('/v1/offerings?q=renewal').set(bio.auth).expect(200);
    expect(listed.body.items.map((o: { id: string }) => o.id)).not.toContain(offering.id);

    const renewed = await request(t.app)
      .post(`/v1/offerings/${offering.id}/renew`)
      .set(supplier.auth)
      .send({})
      .expect(200);
    expect(renewed.body.matchedAt).toBeNull(); // matched again, as after a change
    expect((await rowOf('offerings', offering.id)).version).toBe(2);
    const job = await t.deps.matchingQueue.getJob(`offering-${offering.id}-v2`);
    expect(job?.data).toEqual({ side: 'offering', id: offering.id, version: 2 });

    await request(t.app).get(`/v1/offerings/${offering.id}`).set(bio.auth).expect(200);
    const again = await request(t.app).get('/v1/offerings?q=renewal').set(bio.auth).expect(200);
    expect(again.body.items.map((o: { id: string }) => o.id)).toContain(offering.id);
  });

  it('refuses bad input with a problem naming the field, changing nothing', async () => {
    const need = await postNeed({ expiresAt: inDays(20).toISOString() });
    const before = await rowOf('needs', need.id);
    const renew = () => request(t.app).post(`/v1/needs/${need.id}/renew`).set(bio.auth);

    for (const [body, field, words] of [
      [{ expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt', /must be in the future/],
      [{ expiresAt: addMonths(new Date(), 30).toISOString() }, 'expiresAt', /at most 24 months/],
      [{ expiresAt: 'next year' }, 'expiresAt', /ISO 8601/],
      [{ expiresAt: null }, 'expiresAt', /ISO 8601/],
      [{ status: 'open' }, 'status', /not a known field/],
    ] as const) {
      const res = await renew().send(body);
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors[0]).toMatchObject({ field, message: expect.stringMatching(words) });
    }
    expectProblem(await renew().type('text').send('renew please'), 415, 'unsupported_media_type');
    expectProblem(await renew().type('form').send('expiresAt=2030-01-01'), 415, 'unsupported_media_type');
    expectProblem(
      await request(t.app).post('/v1/needs/not-an-id/renew').set(bio.auth).send({}),
      400,
      'validation_failed',
    );
    expect(await rowOf('needs', need.id)).toEqual(before);
  });

  it('takes a request without a body as the default, with or without a Content-Type', async () => {
    const need = await postNeed({ expiresAt: inDays(20).toISOString() });
    const renew = () => request(t.app).post(`/v1/needs/${need.id}/renew`).set(bio.auth);
    const expectRenewed = async (res: request.Response) => {
      expect(res.status, res.text).toBe(200);
      expect(near(res.body.expiresAt, addMonths(new Date(), 12))).toBe(true);
      expect(new Date((await rowOf('needs', need.id)).expires_at).toISOString()).toBe(res.body.expiresAt);
      // Back to 20 days, so that the next way of asking shows its own renewal.
      await t.db.sql`update needs set expires_at = ${inDays(20).toISOString()} where id = ${need.id}`;
    };
    // As `curl -X POST` sends it: no body, no Content-Type.
    const bare = renew();
    expect(bare.get('Content-Type')).toBeUndefined();
    await expectRenewed(await bare);
    await expectRenewed(await renew().set('Content-Type', 'application/json'));
    await expectRenewed(await renew().set('Content-Type', 'text/plain').set('Content-Length', '0'));
    await expectRenewed(await renew().send({}));
    // A body there must still be JSON, and what it says is still checked.
    expectProblem(await renew().set('Content-Type', 'text/plain').send('{}'), 415, 'unsupported_media_type');
    expectProblem(await renew().set('Content-Type', 'application/json').send('{"expiresAt":'), 400, 'malformed_json');
  });

  it('answers 403 for another organisation’s post, 404 for one it cannot see, and 409 for a closed one', async () => {
    const need = await postNeed({ expiresAt: inDays(20).toISOString() });
    const before = await rowOf('needs', need.id);

    const theirs = await request(t.app).post(`/v1/needs/${need.id}/renew`).set(otherBio.auth).send({});
    expectProblem(theirs, 403, 'forbidden');
    expect(theirs.body.detail).toContain('may renew it');

    await t.db.sql`update needs set expires_at = now() - interval '1 hour' where id = ${need.id}`;
    const expired = await request(t.app).post(`/v1/needs/${need.id}/renew`).set(otherBio.auth).send({});
    expectProblem(expired, 404, 'not_found');
    const unknown = await request(t.app)
      .post('/v1/offerings/00000000-0000-4000-8000-000000000000/renew')
      .set(supplier.auth)
      .send({});
    expectProblem(unknown, 404, 'not_found');
    await t.db.sql`update needs set expires_at = ${before.expires_at} where id = ${need.id}`;

    await request(t.app).patch(`/v1/needs/${need.id}`).set(bio.auth).send({ status: 'closed' }).expect(200);
    const closed = await rowOf('needs', need.id);
    const refused = await request(t.app).post(`/v1/needs/${need.id}/renew`).set(bio.auth).send({});
    expectProblem(refused, 409, 'post_closed');
    expect(refused.body.detail).toBe('This need is closed: reopen it first, then renew it.');
    expect(await rowOf('needs', need.id)).toEqual(closed);
    expect(closed.status).toBe('closed');
  });

  it('is in the OpenAPI document for both sides', async () => {
    const doc = (await request(t.app).get('/openapi.json').expect(200)).body;
    for (const side of ['needs', 'offerings']) {
      const op = doc.paths[`/v1/${side}/{id}/renew`].post;
      expect(op.operationId).toBe(`post${side[0]!.toUpperCase()}${side.slice(1)}ByIdRenew`);
      expect(op.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/PostRenew');
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '403', '404', '409', '415']));
      // The whole body is optional (`{"expiresAt"?}`): it may be left out.
      expect(op.requestBody.required).toBe(false);
      // Other POSTs still require theirs.
      expect(doc.paths[`/v1/${side}`].post.requestBody.required).toBe(true);
    }
  });
});

describe('an emailed renew link that has expired', () => {
  it('says where to renew instead, as a page or as problem+json, and renews nothing', async () => {
    const need = await postNeed({ expiresAt: inDays(10).toISOString() });
    const before = await rowOf('needs', need.id);
    const token = signLink(t.config.appSecret, {
      action: 'renew-post',
      userId: bio.userId,
      targetId: renewTarget('need', need.id, new Date(before.expires_at).getTime()),
      expiresAt: expiryAfterDays(new Date(Date.now() - 40 * DAY), 30),
    });
    const page = await request(t.app).get(`/a/${token}`).set('Accept', 'text/html');
    expect(page.status).toBe(410);
    expect(page.text).toContain('Sign in to renew the post from your dashboard or from its page.');
    const posted = await request(t.app).post(`/a/${token}`).set('Accept', 'application/json').type('form').send({});
    expectProblem(posted, 410, 'link_expired');
    expect(posted.body.detail).toBe(
      'The link in your email has expired. Sign in to renew the post from your dashboard or from its page.',
    );
    expect(await rowOf('needs', need.id)).toEqual(before);
  });
});
