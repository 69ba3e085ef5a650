import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labOffering, sterilityNeeds, unrelatedNeed } from '../community-fixtures.js';
import { signup } from '../helpers.js';
import { startMailWorld, type MailWorld } from '../mail-world.js';

let w: MailWorld;
type Party = Awaited<ReturnType<typeof signup>>;
let alpha: Party;
let beta: Party;
let gamma: Party;
let lab: Party;
const ids: Record<string, string> = {};
const app = () => w.t.app;

async function commonOf(id: string, who: Party) {
  const res = await request(app()).get(`/v1/needs/${id}/common`).set(who.auth).expect(200);
  return res.body.items as {
    need: { id: string; title: string; organisation: { name: string } | null; anonymous: boolean };
    similarity: number;
    explanation: { summary: string; terms: string[] };
  }[];
}

beforeAll(async () => {
  w = await startMailWorld();
  alpha = await signup(app(), 'biomanufacturer', 'Alpha Biologics');
  beta = await signup(app(), 'biomanufacturer', 'Beta Vectors');
  gamma = await signup(app(), 'biomanufacturer', 'Gamma Therapeutics');
  lab = await signup(app(), 'academic', 'Institute of Rapid Microbiology');
  for (const [key, who, body] of [
    ['alpha', alpha, sterilityNeeds.alpha],
    ['beta', beta, sterilityNeeds.beta],
    ['gamma', gamma, sterilityNeeds.gamma],
    // The same company's second site posting the same need: never common with its own.
    ['alphaSite2', alpha, { ...sterilityNeeds.alpha, title: 'Rapid sterility testing at our second site' }],
    ['unrelated', beta, unrelatedNeed],
  ] as const) {
    ids[key] = (await request(app()).post('/v1/needs').set(who.auth).send(body).expect(201)).body.id;
  }
  await request(app()).post('/v1/offerings').set(lab.auth).send(labOffering).expect(201);
  await w.matched();
}, 60_000);

afterAll(async () => {
  await w?.close();
});

describe('common needs', () => {
  it('finds the same need written three ways by three organisations, best first, with a reason', async () => {
    const items = await commonOf(ids.alpha!, alpha);
    const found = items.map((i) => i.need.id);
    expect(found).toEqual(expect.arrayContaining([ids.beta, ids.gamma]));
    expect(found).not.toContain(ids.unrelated);
    const sims = items.map((i) => i.similarity);
    expect(sims).toEqual([...sims].sort((a, b) => b - a));
    for (const i of items) {
      expect(i.similarity).toBeGreaterThan(0);
      expect(i.similarity).toBeLessThanOrEqual(1);
      expect(i.explanation.summary.length).toBeGreaterThan(10);
    }
    // Common needs are symmetric: the pair is seen from both sides.
    expect((await commonOf(ids.beta!, beta)).map((i) => i.need.id)).toContain(ids.alpha);
  });

  it('never pairs two needs of one organisation', async () => {
    expect((await commonOf(ids.alpha!, alpha)).map((i) => i.need.id)).not.toContain(ids.alphaSite2);
    expect((await commonOf(ids.alphaSite2!, alpha)).map((i) => i.need.id)).not.toContain(ids.alpha);
  });

  it('keeps an anonymous need anonymous to the other organisations, and shows it to its owner', async () => {
    const seenByAlpha = (await commonOf(ids.alpha!, alpha)).find((i) => i.need.id === ids.gamma)!;
    expect(seenByAlpha.need.anonymous).toBe(true);
    expect(seenByAlpha.need.organisation).toBeNull();
    const res = await request(app()).get(`/v1/needs/${ids.gamma}/common`).set(alpha.auth).expect(200);
    expect(JSON.stringify(res.body)).not.toContain('Gamma Therapeutics');
    const own = await request(app()).get(`/v1/needs/${ids.gamma}`).set(gamma.auth).expect(200);
    expect(own.body.organisation.name).toBe('Gamma Therapeutics');
  });

  it('lists the group once, largest first, with its counts, needs as each viewer may see them, and filters', async () => {
    const res = await request(app()).get('/v1/common-needs').set(lab.auth).expect(200);
    expect(res.body.nextCursor).toBeNull();
    const group = res.body.items.find((g: { needs: { id: string }[] }) => g.needs.some((n) => n.id === ids.alpha));
    expect(group).toBeDefined();
    // Alpha's second site joins the group the three organisations form, without counting twice.
    expect(group.organisationCount).toBe(3);
    expect(group.needCount).toBe(4);
    expect(group.needs.map((n: { id: string }) => n.id).sort()).toEqual(
      [ids.alpha, ids.alphaSite2, ids.beta, ids.gamma].sort(),
    );
    expect(group.offeringCount).toBe(1);
    expect(group.consortium).toBeNull();
    expect(group.capabilities).toContain('imrr.rapid-microbiology');
    expect(group.title.length).toBeGreaterThan(5);
    expect(JSON.stringify(group)).not.toContain('Gamma Therapeutics');
    // Each open need is in at most one group.
    const all = res.body.items.flatMap((g: { needs: { id: string }[] }) => g.needs.map((n) => n.id));
    expect(new Set(all).size).toBe(all.length);

    const one = await request(app()).get(`/v1/common-needs/${group.id}`).set(alpha.auth).expect(200);
    expect(one.body.id).toBe(group.id);

    const inArea = await request(app()).get('/v1/common-needs?area=imrr').set(lab.auth).expect(200);
    expect(inArea.body.items.map((g: { id: string }) => g.id)).toContain(group.id);
    const elsewhere = await request(app()).get('/v1/common-needs?capability=pt.media-feeds').set(lab.auth).expect(200);
    expect(elsewhere.body.items).toEqual([]);
  });

  it('drops a need from its group when it closes, and the group when fewer than two organisations remain', async () => {
    const before = await commonOf(ids.alpha!, alpha);
    expect(before.map((i) => i.need.id)).toContain(ids.beta);
    await request(app()).patch(`/v1/needs/${ids.beta}`).set(beta.auth).send({ status: 'closed' }).expect(200);
    await w.matched();
    expect((await commonOf(ids.alpha!, alpha)).map((i) => i.need.id)).not.toContain(ids.beta);
    const res = await request(app()).get('/v1/common-needs').set(lab.auth).expect(200);
    const group = res.body.items.find((g: { needs: { id: string }[] }) => g.needs.some((n) => n.id === ids.alpha));
    expect(group.organisationCount).toBe(2);
    await request(app()).patch(`/v1/needs/${ids.beta}`).set(beta.auth).send({ status: 'open' }).expect(200);
    await w.matched();
    expect((await commonOf(ids.alpha!, alpha)).map((i) => i.need.id)).toContain(ids.beta);
  });

  it('answers 404 for a need the viewer may not see and 400 for bad input', async () => {
    await request(app()).get('/v1/needs/00000000-0000-4000-8000-000000000000/common').set(alpha.auth).expect(404);
    const bad = await request(app()).get('/v1/needs/not-a-uuid/common').set(alpha.auth).expect(400);
    expect(bad.body.code).toBe('validation_failed');
    const cap = await request(app()).get('/v1/common-needs?capability=nope').set(alpha.auth).expect(400);
    expect(cap.body.errors[0].field).toBe('capability');
    await request(app()).get('/v1/common-needs?cursor=garbage').set(alpha.auth).expect(400);
  });
});
