import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailWorld, type MailWorld } from '../mail-world.js';
import { sampleNeed, sampleOffering, signup } from '../helpers.js';

let w: MailWorld;
beforeAll(async () => {
  w = await startMailWorld();
});
afterAll(async () => {
  await w?.close();
});

describe('GET /v1/me/export', () => {
  it("answers everything held about the person and their organisation's posts, and nothing of others", async () => {
    const bio = await signup(w.t.app, 'biomanufacturer', 'Export Biologics');
    const colleague = await signup(w.t.app, 'biomanufacturer', 'Another Biologics');
    const supplier = await signup(w.t.app, 'supplier', 'Export Probes');
    const need = await request(w.t.app).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(201);
    await request(w.t.app)
      .post('/v1/needs')
      .set(colleague.auth)
      .send(sampleNeed({ title: 'Another company need' }))
      .expect(201);
    await request(w.t.app).post('/v1/offerings').set(supplier.auth).send(sampleOffering()).expect(201);
    await w.matched();
    const [match] = (await request(w.t.app).get(`/v1/needs/${need.body.id}/matches`).set(bio.auth).expect(200)).body
      .items;
    // The digest first: a pair with an introduction asked for is no news.
    await w.runDigests();
    await request(w.t.app)
      .post(`/v1/matches/${match.id}/introductions`)
      .set(supplier.auth)
      .send({ message: 'We would like to talk about Raman.' })
      .expect(201);

    const res = await request(w.t.app).get('/v1/me/export').set(bio.auth).expect(200);
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="roadmatch-export-\d{4}-\d{2}-\d{2}\.json"$/,
    );
    const data = res.body;
    expect(data.user).toMatchObject({ id: bio.userId, email: bio.email });
    expect(data.organisation).toMatchObject({ name: 'Export Biologics' });
    expect(data.needs.map((n: { id: string }) => n.id)).toEqual([need.body.id]);
    expect(data.needs[0]).toMatchObject({ title: sampleNeed().title, description: sampleNeed().description });
    // The service's own working columns are not the user's data.
    expect(data.needs[0]).not.toHaveProperty('analysis');
    expect(data.needs[0]).not.toHaveProperty('search');
    expect(data.offerings).toEqual([]);
    expect(data.matches.map((m: { id: string }) => m.id)).toEqual([match.id]);
    expect(data.introductions).toEqual([expect.objectContaining({ message: 'We would like to talk about Raman.' })]);
    expect(data.digests.length).toBeGreaterThan(0);
    expect(data.digests[0].items.length).toBeGreaterThan(0);
    expect(data.apiTokens.length).toBeGreaterThan(0);
    const text = JSON.stringify(data);
    expect(text).not.toMatch(/token_hash|tokenHash/);
    expect(text).not.toContain('Another company need');
    expect(text).not.toContain(colleague.email);

    await request(w.t.app).get('/v1/me/export').expect(401);
  });
});
