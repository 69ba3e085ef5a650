import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailWorld, type MailWorld } from '../mail-world.js';
import { sampleNeed, sampleOffering, signup } from '../helpers.js';
import { linksIn } from '../smtp.js';
import { pathOf, signInThroughPages } from '../web/forms.js';

let w: MailWorld;
beforeAll(async () => {
  w = await startMailWorld();
});
afterAll(async () => {
  await w?.close();
});

const app = () => w.t.app;
const SECRET_ORG = 'Digest Secret Biologics';

describe('the digest preview and the digest', () => {
  it('previews the next digest on a page, whose items open the other side’s page; the sent digest links the same', async () => {
    const bio = await signup(app(), 'biomanufacturer', SECRET_ORG);
    const supplier = await signup(app(), 'supplier', 'Digest Probes');
    const need = await request(app())
      .post('/v1/needs')
      .set(bio.auth)
      .send(sampleNeed({ anonymous: true, title: 'Anonymous Raman glucose need' }))
      .expect(201);
    const offering = await request(app()).post('/v1/offerings').set(supplier.auth).send(sampleOffering()).expect(201);
    await w.matched();

    // The page: what the digest would hold, each item linking to the counterpart, the anonymous need anonymous.
    const agent = request.agent(app());
    await signInThroughPages(w, agent, supplier.email);
    const settings = await agent.get('/settings').expect(200);
    expect(settings.text).toContain('href="/settings/digest-preview"');
    const preview = await agent.get('/settings/digest-preview').expect(200);
    expect(preview.text).toContain('<h1>Your next digest</h1>');
    expect(preview.text).toContain(`<a href="/needs/${need.body.id}">Anonymous Raman glucose need</a>`);
    expect(preview.text).toContain('an anonymous biomanufacturer');
    expect(preview.text).not.toContain(SECRET_ORG);
    const api = await request(app()).get('/v1/me/digest/preview').set(supplier.auth).expect(200);
    expect(api.body.items.map((m: { need: { id: string } }) => m.need.id)).toEqual([need.body.id]);

    // The digest as sent: its item's link opens the need's page, the owner still hidden.
    await w.runDigests();
    const [digest] = (await w.smtp.to(supplier.email)).filter((m) => /new match/.test(m.parsed.subject ?? ''));
    expect(digest).toBeDefined();
    const [link] = linksIn(digest!.parsed.text!, 'Read it');
    expect(pathOf(link!)).toBe(`/needs/${need.body.id}`);
    expect(digest!.parsed.html).toContain(`href="${link}"`);
    const page = await agent.get(pathOf(link!)).expect(200);
    expect(page.text).toContain('Anonymous Raman glucose need');
    expect(page.text).toContain('an anonymous biomanufacturer');
    expect(page.text).not.toContain(SECRET_ORG);

    // And the need's side: its item opens the offering's page.
    const [bioDigest] = (await w.smtp.to(bio.email)).filter((m) => /new match/.test(m.parsed.subject ?? ''));
    const [offeringLink] = linksIn(bioDigest!.parsed.text!, 'Read it');
    expect(pathOf(offeringLink!)).toBe(`/offerings/${offering.body.id}`);
    const bioAgent = request.agent(app());
    await signInThroughPages(w, bioAgent, bio.email);
    expect((await bioAgent.get(pathOf(offeringLink!)).expect(200)).text).toContain(sampleOffering().title);

    // Sent: the preview holds nothing more.
    expect((await agent.get('/settings/digest-preview').expect(200)).text).toContain('Nothing new so far');
  });

  it('tells when the next digest is due after this period’s has gone out: the next period, not later today', async () => {
    const person = await signup(app(), 'supplier', 'Daily Probes');
    const now = new Date();
    const hour = now.getUTCHours();
    await request(app())
      .put('/v1/me/digest')
      .set(person.auth)
      .send({ frequency: 'daily', hour, timezone: 'UTC' })
      .expect(200);
    await w.runDigests(now);
    const status = await w.t.db.sql<{ status: string }[]>`select status from digests where user_id = ${person.userId}`;
    expect(status.map((s) => s.status)).toEqual(['empty']);

    const res = await request(app()).get('/v1/me/digest/preview').set(person.auth).expect(200);
    const tomorrow = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, hour));
    expect(res.body.nextDigestAt).toBe(tomorrow.toISOString());
    const agent = request.agent(app());
    await signInThroughPages(w, agent, person.email);
    const settings = await agent.get('/settings').expect(200);
    const day = new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeZone: 'UTC' }).format(tomorrow);
    expect(settings.text).toContain(`Your next digest is due ${day}`);
  });
});
