import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleNeed, signup, startTestApp, type TestApp } from '../helpers.js';

let t: TestApp;
let bio: Awaited<ReturnType<typeof signup>>;
let supplier: Awaited<ReturnType<typeof signup>>;
let needId: string;
const SECRET_ORG = 'Quietly Confidential Biologics';

beforeAll(async () => {
  t = await startTestApp();
  bio = await signup(t.app, 'biomanufacturer', SECRET_ORG);
  supplier = await signup(t.app, 'supplier');
  const res = await request(t.app)
    .post('/v1/needs')
    .set(bio.auth)
    .send(sampleNeed({ anonymous: true, title: 'Anonymous Raman need' }))
    .expect(201);
  needId = res.body.id;
});
afterAll(async () => {
  await t.close();
});

/** Nothing that identifies the organisation or its people may appear anywhere in the answer. */
function expectNoTrace(body: unknown) {
  const text = JSON.stringify(body);
  expect(text).not.toContain(SECRET_ORG);
  expect(text).not.toContain(bio.organisationId);
  expect(text).not.toContain(bio.userId);
  expect(text).not.toContain(`Person at ${SECRET_ORG}`);
}

describe('an anonymous need', () => {
  it('shows its organisation to its own members', async () => {
    const res = await request(t.app).get(`/v1/needs/${needId}`).set(bio.auth).expect(200);
    expect(res.body.organisation).toMatchObject({ name: SECRET_ORG, id: bio.organisationId });
  });

  it.each([
    ['GET the need', () => `/v1/needs/${needId}`],
    ['list needs', () => '/v1/needs'],
    ['search needs', () => '/v1/needs?q=Raman'],
    ['filter by capability', () => '/v1/needs?capability=imrr.spectroscopic-pat'],
    ['filter by organisation kind', () => '/v1/needs?organisationKind=biomanufacturer'],
  ])('hides it from another organisation: %s', async (_label, path) => {
    const res = await request(t.app).get(path()).set(supplier.auth).expect(200);
    const items = res.body.items ?? [res.body];
    const need = items.find((n: { id: string }) => n.id === needId);
    expect(need).toBeDefined();
    expect(need.organisation).toBeNull();
    expect(need.anonymous).toBe(true);
    expectNoTrace(res.body);
  });

  it('hides it in the answer to a PATCH that turns anonymity on, for the others', async () => {
    const open = await request(t.app).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(201);
    const seen = await request(t.app).get(`/v1/needs/${open.body.id}`).set(supplier.auth).expect(200);
    expect(seen.body.organisation.name).toBe(SECRET_ORG);
    await request(t.app).patch(`/v1/needs/${open.body.id}`).set(bio.auth).send({ anonymous: true }).expect(200);
    const hidden = await request(t.app).get(`/v1/needs/${open.body.id}`).set(supplier.auth).expect(200);
    expect(hidden.body.organisation).toBeNull();
    expectNoTrace(hidden.body);
  });
});
