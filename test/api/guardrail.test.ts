import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startWorker } from '../../worker/index.js';
import { waitForMatching } from '../../scripts/harness.js';
import { sampleNeed, sampleOffering, signup, startTestApp, type TestApp } from '../helpers.js';

let t: TestApp;
let worker: Awaited<ReturnType<typeof startWorker>>;
type Party = Awaited<ReturnType<typeof signup>>;
let bio: Party;
let supplier: Party;
const ADMIN = 'guardrail-admin-token-0123456789';
const admin = { Authorization: `Bearer ${ADMIN}` };

beforeAll(async () => {
  t = await startTestApp({ ADMIN_TOKEN: ADMIN });
  worker = await startWorker({ config: t.config, logger: pino({ level: 'silent' }), db: t.db.db });
  bio = await signup(t.app, 'biomanufacturer', 'Oakridge Biologics');
  supplier = await signup(t.app, 'supplier', 'Fernhill Probes');
});
afterAll(async () => {
  await worker.close();
  await t.close();
});

const count = async (table: string) =>
  (await t.db.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ${table}`))[0]!.n;

describe('the competitive-sensitivity screen', () => {
  it('refuses a need that states a price with 422, each flagged phrase and why, and saves nothing', async () => {
    const before = await count('needs');
    const res = await request(t.app)
      .post('/v1/needs')
      .set(bio.auth)
      .send(sampleNeed({ description: 'We pay $120 per gram today and want our supplier to match it.' }))
      .expect(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('competitively_sensitive');
    // What a company pays is its cost: as sensitive as a price.
    expect(res.body.flags).toEqual([expect.objectContaining({ field: 'description', category: 'cost' })]);
    expect(res.body.flags[0].phrase).toContain('$120');
    expect(res.body.flags[0].reason.length).toBeGreaterThan(20);
    expect(res.body.detail).toContain('acknowledgeSensitive');
    expect(await count('needs')).toBe(before);
    expect(await count('sensitive_flags')).toBe(0);
  });

  it('saves the same request with acknowledgeSensitive and flags it for the operator, who alone reads flags', async () => {
    const res = await request(t.app)
      .post('/v1/needs')
      .set(bio.auth)
      .send(
        sampleNeed({
          description: 'We pay $120 per gram today and want our supplier to match it.',
          acknowledgeSensitive: true,
        }),
      )
      .expect(201);
    await request(t.app).get('/v1/admin/flags').expect(401);
    await request(t.app).get('/v1/admin/flags').set(bio.auth).expect(401);
    const flags = await request(t.app).get('/v1/admin/flags').set(admin).expect(200);
    expect(flags.body.items).toEqual([
      expect.objectContaining({
        subjectType: 'need',
        subjectId: res.body.id,
        field: 'description',
        category: 'cost',
        organisation: expect.objectContaining({ name: 'Oakridge Biologics' }),
      }),
    ]);
  });

  it('leaves technical figures alone: titres, equipment volumes, TRL and timelines', async () => {
    await request(t.app)
      .post('/v1/needs')
      .set(bio.auth)
      .send(
        sampleNeed({
          title: 'Titre of 5 g/L in a 2,000 L bioreactor',
          description:
            'Our CHO process reaches a titre of 5 g/L in a 2,000 L bioreactor. We want a partner at TRL 6 to halve the feed volume within 18 months, with a binding capacity of 60 g/L on the capture resin.',
        }),
      )
      .expect(201);
  });

  it('screens offerings, changes, introduction messages and keywords alike', async () => {
    const offering = await request(t.app)
      .post('/v1/offerings')
      .set(supplier.auth)
      .send(sampleOffering({ keywords: ['Raman', 'exclusive supply agreement'] }))
      .expect(422);
    expect(offering.body.flags[0]).toMatchObject({ field: 'keywords.1', category: 'exclusivity' });

    const ok = await request(t.app).post('/v1/offerings').set(supplier.auth).send(sampleOffering()).expect(201);
    const patch = await request(t.app)
      .patch(`/v1/offerings/${ok.body.id}`)
      .set(supplier.auth)
      .send({ description: 'Our gross margin on probes is 40%, so we can discount by 15%.' })
      .expect(422);
    expect(patch.body.flags.map((f: { category: string }) => f.category)).toEqual(
      expect.arrayContaining(['margin', 'discount']),
    );
    const unchanged = await request(t.app).get(`/v1/offerings/${ok.body.id}`).set(supplier.auth).expect(200);
    expect(unchanged.body.description).toBe(sampleOffering().description);

    // A need the offering answers, so that there is a match to ask an introduction on.
    await request(t.app).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(201);
    await waitForMatching(t.db, 30_000);
    const match = (await request(t.app).get(`/v1/offerings/${ok.body.id}/matches`).set(supplier.auth).expect(200)).body
      .items[0];
    expect(match).toBeDefined();
    const message = await request(t.app)
      .post(`/v1/matches/${match.id}/introductions`)
      .set(supplier.auth)
      .send({ message: 'Happy to help; our customer Pfizer already runs this probe.' })
      .expect(422);
    expect(message.body.flags[0]).toMatchObject({ field: 'message', category: 'customer' });
    expect(await count('introductions')).toBe(0);
  });
});

describe('organisation kinds of the wider community', () => {
  it('lets a hub register a test bed but post no need, and regulators and agencies post nothing', async () => {
    const hub = await signup(t.app, 'hub', 'Midlands Bioprocess Hub');
    const regulator = await signup(t.app, 'regulator', 'National Medicines Regulator');
    const agency = await signup(t.app, 'agency', 'Biomanufacturing Fund');
    await request(t.app)
      .post('/v1/offerings')
      .set(hub.auth)
      .send(sampleOffering({ title: '2,000 L single-use pilot plant for process trials', partnershipTypes: ['pilot'] }))
      .expect(201);
    for (const who of [hub, regulator, agency]) {
      const res = await request(t.app).post('/v1/needs').set(who.auth).send(sampleNeed()).expect(403);
      expect(res.body.detail).toMatch(/biomanufacturer/);
    }
    for (const who of [regulator, agency]) {
      const res = await request(t.app).post('/v1/offerings').set(who.auth).send(sampleOffering()).expect(403);
      expect(res.body.detail).toMatch(/follow/);
    }
    // A need may be open to hubs, never to kinds that offer nothing.
    await request(t.app)
      .post('/v1/needs')
      .set(bio.auth)
      .send(sampleNeed({ openTo: ['hub'] }))
      .expect(201);
    const bad = await request(t.app)
      .post('/v1/needs')
      .set(bio.auth)
      .send(sampleNeed({ openTo: ['regulator'] }))
      .expect(400);
    expect(bad.body.errors[0].field).toMatch(/^openTo/);
    const kinds = await request(t.app).get('/v1/offerings?organisationKind=hub').set(regulator.auth).expect(200);
    expect(kinds.body.items.map((o: { title: string }) => o.title)).toContain(
      '2,000 L single-use pilot plant for process trials',
    );
  });
});

describe('follows', () => {
  it('saves the capabilities and areas a person follows, and refuses unknown ones without changing anything', async () => {
    const regulator = await signup(t.app, 'regulator', 'Follower Agency');
    expect((await request(t.app).get('/v1/me/follows').set(regulator.auth).expect(200)).body).toEqual({
      capabilities: [],
      areas: [],
    });
    const put = await request(t.app)
      .put('/v1/me/follows')
      .set(regulator.auth)
      .send({ capabilities: ['imrr.rapid-microbiology', 'imrr.rapid-microbiology'], areas: ['mm'] })
      .expect(200);
    expect(put.body).toEqual({ capabilities: ['imrr.rapid-microbiology'], areas: ['mm'] });
    const bad = await request(t.app)
      .put('/v1/me/follows')
      .set(regulator.auth)
      .send({ capabilities: ['imrr.nope'], areas: ['xx'] })
      .expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['capabilities[0]', 'areas[0]']);
    expect((await request(t.app).get('/v1/me/follows').set(regulator.auth).expect(200)).body).toEqual(put.body);
  });
});
