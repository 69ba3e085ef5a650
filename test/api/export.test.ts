import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailWorld, until, type MailWorld } from '../mail-world.js';
import { linksIn } from '../smtp.js';
import { csrfOf, pathOf } from '../web/forms.js';
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

  it('holds the invitation the person joined by and those they sent, without their links', async () => {
    const org = await signup(w.t.app, 'supplier', 'Inviting Exports');
    const joiner = 'joined.by.link@exports.example';
    const invite = (auth: Record<string, string>, email: string) =>
      request(w.t.app).post(`/v1/organisations/${org.organisationId}/invitations`).set(auth).send({ email });
    const joinedBy = (await invite(org.auth, joiner).expect(201)).body;
    await until(async () => (await w.smtp.to(joiner)).length > 0);
    const link = pathOf(linksIn((await w.smtp.to(joiner))[0]!.parsed.text ?? '', 'Join')[0]!);
    const agent = request.agent(w.t.app);
    const page = await agent.get(link).expect(200);
    await agent
      .post(link)
      .type('form')
      .send({ _csrf: csrfOf(page.text), name: 'Joined By Link', timezone: 'UTC' })
      .expect(303);
    const [joined] = await w.t.db.sql<{ id: string }[]>`select id from users where email = ${joiner}`;

    // The new member invites someone; the first member invites someone else.
    const settings = await agent.get('/settings').expect(200);
    const made = await agent
      .post('/settings/tokens')
      .type('form')
      .send({ _csrf: csrfOf(settings.text), name: 'export' })
      .expect(201);
    const joinerAuth = { Authorization: `Bearer ${/id="new-token" readonly value="([^"]+)"/.exec(made.text)![1]!}` };
    const theirs = (await invite(joinerAuth, 'their.invitee@exports.example').expect(201)).body;
    const others = (await invite(org.auth, 'not.theirs@exports.example').expect(201)).body;

    const data = (await request(w.t.app).get('/v1/me/export').set(joinerAuth).expect(200)).body;
    expect(data.organisationInvitations.map((i: { id: string }) => i.id)).toEqual([joinedBy.id, theirs.id]);
    expect(data.organisationInvitations[0]).toMatchObject({
      email: joiner,
      userId: joined!.id,
      invitedBy: org.userId,
      organisationId: org.organisationId,
    });
    expect(data.organisationInvitations[0].usedAt).not.toBeNull();
    expect(data.organisationInvitations[1]).toMatchObject({
      email: 'their.invitee@exports.example',
      invitedBy: joined!.id,
      usedAt: null,
    });
    const text = JSON.stringify(data);
    expect(text).not.toContain(others.id);
    expect(text).not.toContain('/join/');
    expect(text).not.toContain(link.slice('/join/'.length));

    // The first member's file holds the two they sent.
    const first = (await request(w.t.app).get('/v1/me/export').set(org.auth).expect(200)).body;
    expect(first.organisationInvitations.map((i: { id: string }) => i.id)).toEqual([joinedBy.id, others.id]);
  });
});
