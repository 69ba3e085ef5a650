import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchingQueue, producerConnection } from '../../worker/queues.js';
import { sampleNeed, sampleOffering, signup, startTestApp, type TestApp } from '../helpers.js';

let t: TestApp;
let bio: Awaited<ReturnType<typeof signup>>;
let supplier: Awaited<ReturnType<typeof signup>>;
beforeAll(async () => {
  t = await startTestApp();
  bio = await signup(t.app, 'biomanufacturer', 'Halvard Biologics');
  supplier = await signup(t.app, 'supplier', 'Lumen Probes');
});
afterAll(async () => {
  await t.close();
});

async function queuedJobIds(): Promise<string[]> {
  const redis = producerConnection(t.config.redisUrl);
  const queue = matchingQueue(redis, t.config.queuePrefix);
  const jobs = await queue.getJobs(['waiting', 'delayed', 'active', 'completed']);
  await queue.close();
  redis.disconnect();
  return jobs.map((j) => j.id!);
}

describe('needs', () => {
  it('posts a need, answers it with matchedAt null, and enqueues its matching', async () => {
    const res = await request(t.app).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(201);
    expect(res.headers.location).toBe(`/v1/needs/${res.body.id}`);
    expect(res.body).toMatchObject({
      title: sampleNeed().title,
      capabilities: ['imrr.spectroscopic-pat', 'imrr.advanced-process-control'],
      trlMin: 5,
      trlMax: 8,
      openTo: ['supplier', 'academic'],
      status: 'open',
      matchedAt: null,
      mine: true,
      organisation: { name: 'Halvard Biologics', kind: 'biomanufacturer' },
    });
    expect(await queuedJobIds()).toContain(`need-${res.body.id}-v1`);
    const got = await request(t.app).get(`/v1/needs/${res.body.id}`).set(supplier.auth).expect(200);
    expect(got.body).toMatchObject({ id: res.body.id, mine: false, organisation: { name: 'Halvard Biologics' } });
  });

  it('only lets a biomanufacturer post a need', async () => {
    const res = await request(t.app).post('/v1/needs').set(supplier.auth).send(sampleNeed()).expect(403);
    expect(res.body.code).toBe('forbidden');
  });

  it('changes a need as a new version and enqueues matching of that version', async () => {
    const created = await request(t.app).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(201);
    // As if matching had finished for version 1.
    await t.db.sql`update needs set matched_version = 1, matched_at = now() where id = ${created.body.id}`;
    const before = await request(t.app).get(`/v1/needs/${created.body.id}`).set(bio.auth).expect(200);
    expect(before.body.matchedAt).not.toBeNull();

    const res = await request(t.app)
      .patch(`/v1/needs/${created.body.id}`)
      .set(bio.auth)
      .send({ title: 'In-line Raman for glucose and lactate', trlMax: 9 })
      .expect(200);
    expect(res.body).toMatchObject({
      title: 'In-line Raman for glucose and lactate',
      trlMin: 5,
      trlMax: 9,
      matchedAt: null,
    });
    expect(await queuedJobIds()).toContain(`need-${created.body.id}-v2`);
  });

  it('checks trlMin <= trlMax against the stored values on a partial change', async () => {
    const created = await request(t.app).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(201);
    const res = await request(t.app)
      .patch(`/v1/needs/${created.body.id}`)
      .set(bio.auth)
      .send({ trlMax: 3 })
      .expect(400);
    expect(res.body.errors).toEqual([{ field: 'trlMax', message: 'must be at least trlMin' }]);
    const got = await request(t.app).get(`/v1/needs/${created.body.id}`).set(bio.auth).expect(200);
    expect(got.body.trlMax).toBe(8);
  });

  it('closes a need: it leaves public listings but its owners still see it', async () => {
    const created = await request(t.app)
      .post('/v1/needs')
      .set(bio.auth)
      .send(sampleNeed({ title: 'A need soon closed' }))
      .expect(201);
    await request(t.app).patch(`/v1/needs/${created.body.id}`).set(bio.auth).send({ status: 'closed' }).expect(200);
    await request(t.app).get(`/v1/needs/${created.body.id}`).set(supplier.auth).expect(404);
    const own = await request(t.app).get('/v1/needs?status=closed').set(bio.auth).expect(200);
    expect(own.body.items.map((n: { id: string }) => n.id)).toContain(created.body.id);
    const others = await request(t.app).get('/v1/needs?status=closed').set(supplier.auth).expect(200);
    expect(others.body.items).toEqual([]);
  });

  it('deletes a need of your own, and not one of another organisation', async () => {
    const other = await signup(t.app, 'biomanufacturer');
    const created = await request(t.app).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(201);
    const forbidden = await request(t.app).delete(`/v1/needs/${created.body.id}`).set(other.auth).expect(403);
    expect(forbidden.body.code).toBe('forbidden');
    const patch = await request(t.app)
      .patch(`/v1/needs/${created.body.id}`)
      .set(other.auth)
      .send({ title: 'Mine now' });
    expect(patch.status).toBe(403);
    await request(t.app).delete(`/v1/needs/${created.body.id}`).set(bio.auth).expect(204);
    await request(t.app).get(`/v1/needs/${created.body.id}`).set(bio.auth).expect(404);
  });
});

describe('offerings', () => {
  it('registers, reads, changes and deletes an offering', async () => {
    const created = await request(t.app).post('/v1/offerings').set(supplier.auth).send(sampleOffering()).expect(201);
    expect(created.body).toMatchObject({ trl: 7, matchedAt: null, organisation: { name: 'Lumen Probes' } });
    expect(await queuedJobIds()).toContain(`offering-${created.body.id}-v1`);
    const got = await request(t.app).get(`/v1/offerings/${created.body.id}`).set(bio.auth).expect(200);
    expect(got.body.title).toBe(sampleOffering().title);
    const changed = await request(t.app)
      .patch(`/v1/offerings/${created.body.id}`)
      .set(supplier.auth)
      .send({ trl: 8, keywords: ['Raman', 'soft sensor'] })
      .expect(200);
    expect(changed.body).toMatchObject({ trl: 8, keywords: ['Raman', 'soft sensor'] });
    await request(t.app).patch(`/v1/offerings/${created.body.id}`).set(bio.auth).send({ trl: 2 }).expect(403);
    await request(t.app).delete(`/v1/offerings/${created.body.id}`).set(supplier.auth).expect(204);
  });

  it('lets a biomanufacturer offer what it has, such as spare capacity', async () => {
    const res = await request(t.app)
      .post('/v1/offerings')
      .set(bio.auth)
      .send(sampleOffering({ title: 'Spare fill-finish capacity at our GMP site' }))
      .expect(201);
    expect(res.body.organisation.kind).toBe('biomanufacturer');
  });
});

describe('listing and search', () => {
  let academic: Awaited<ReturnType<typeof signup>>;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    academic = await signup(t.app, 'academic', 'Delft Bioprocess Lab');
    const post = async (auth: Record<string, string>, body: object, key: string) => {
      const res = await request(t.app).post('/v1/offerings').set(auth).send(body).expect(201);
      ids[key] = res.body.id;
    };
    await post(
      supplier.auth,
      sampleOffering({
        title: 'Periodic counter-current chromatography skid',
        description: 'Continuous capture of monoclonal antibodies on multi-column chromatography.',
        capabilities: ['pt.continuous-downstream'],
        keywords: ['PCC'],
      }),
      'pcc',
    );
    await post(
      academic.auth,
      sampleOffering({
        title: 'Perfusion culture with alternating tangential flow cell retention',
        description: 'Our lab characterises high cell density perfusion processes.',
        capabilities: ['pt.upstream-intensification'],
        keywords: [],
        partnershipTypes: ['research-collaboration'],
      }),
      'perfusion',
    );
    await post(supplier.auth, sampleOffering(), 'raman');
  });

  const list = async (query: string) => {
    const res = await request(t.app).get(`/v1/offerings?${query}`).set(bio.auth).expect(200);
    return res.body.items.map((o: { id: string }) => o.id) as string[];
  };

  it('finds by text with stemming of the search words', async () => {
    expect(await list('q=chromatography')).toEqual([ids.pcc]);
    expect(await list('q=characterise')).toContain(ids.perfusion);
  });

  it('filters by capability, area and organisation kind', async () => {
    expect(await list('capability=pt.continuous-downstream')).toEqual([ids.pcc]);
    const pt = await list('area=pt');
    expect(pt).toContain(ids.pcc);
    expect(pt).toContain(ids.perfusion);
    expect(pt).not.toContain(ids.raman);
    expect(await list('organisationKind=academic')).toEqual([ids.perfusion]);
  });

  it('filters by TRL: offerings at that level, needs whose range holds it', async () => {
    await request(t.app).patch(`/v1/offerings/${ids.perfusion}`).set(academic.auth).send({ trl: 4 }).expect(200);
    expect(await list('trl=4')).toEqual([ids.perfusion]);
    expect(await list('trl=7&area=pt')).toEqual([ids.pcc]);
    expect(await list('trl=5')).toEqual([]);
    const lowNeed = await request(t.app)
      .post('/v1/needs')
      .set(bio.auth)
      .send(sampleNeed({ title: 'An early need', trlMin: 2, trlMax: 3 }))
      .expect(201);
    const needs = async (trl: number) => {
      const res = await request(t.app).get(`/v1/needs?trl=${trl}&limit=100`).set(supplier.auth).expect(200);
      return res.body.items.map((n: { id: string }) => n.id) as string[];
    };
    expect(await needs(2)).toContain(lowNeed.body.id);
    expect(await needs(3)).toContain(lowNeed.body.id);
    expect(await needs(4)).not.toContain(lowNeed.body.id);
    expect(await needs(1)).not.toContain(lowNeed.body.id);
  });

  it('pages with a cursor through every item once, newest first', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await request(t.app)
        .get(`/v1/offerings?limit=1${cursor ? `&cursor=${cursor}` : ''}`)
        .set(bio.auth)
        .expect(200);
      seen.push(...res.body.items.map((o: { id: string }) => o.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    const all = await list('limit=100');
    expect(seen).toEqual(all);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.indexOf(ids.raman!)).toBeLessThan(seen.indexOf(ids.pcc!));
  });

  it.each([
    ['capability=pt.nonsense', 'capability'],
    ['area=zz', 'area'],
    ['trl=0', 'trl'],
    ['trl=10', 'trl'],
    ['trl=4.5', 'trl'],
    ['trl=high', 'trl'],
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['status=archived', 'status'],
    ['cursor=bm9wZQ', 'cursor'],
    ['colour=blue', 'colour'],
  ])('rejects the query %s naming the field', async (query, field) => {
    const res = await request(t.app).get(`/v1/offerings?${query}`).set(bio.auth).expect(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});
