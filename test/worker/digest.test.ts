import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleNeed, sampleOffering, signup } from '../helpers.js';
import { jobFinished, startMailWorld, type MailWorld } from '../mail-world.js';
import { linksIn } from '../smtp.js';

let w: MailWorld;
let bio: Awaited<ReturnType<typeof signup>>;
let supplier: Awaited<ReturnType<typeof signup>>;
let academic: Awaited<ReturnType<typeof signup>>;
let anonBio: Awaited<ReturnType<typeof signup>>;

const pathOf = (url: string) => new URL(url).pathname;
const DAY = 86_400_000;

beforeAll(async () => {
  w = await startMailWorld();
  const app = w.t.app;
  bio = await signup(app, 'biomanufacturer', 'Northwind Biologics');
  supplier = await signup(app, 'supplier', 'Ramanix Instruments');
  academic = await signup(app, 'academic', 'Institute of Bioprocess Sensing');
  anonBio = await signup(app, 'biomanufacturer', 'Quiet Pharma');
  await request(app).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(201);
  await request(app)
    .post('/v1/needs')
    .set(anonBio.auth)
    .send(sampleNeed({ title: 'Raman-based glucose feedback for perfusion', anonymous: true }))
    .expect(201);
  await request(app).post('/v1/offerings').set(supplier.auth).send(sampleOffering()).expect(201);
  await request(app)
    .post('/v1/offerings')
    .set(academic.auth)
    .send(sampleOffering({ title: 'Chemometric calibration transfer for Raman in cell culture', trl: 5 }))
    .expect(201);
  await w.matched();
}, 60_000);

afterAll(async () => {
  await w?.close();
});

describe('the digest email', () => {
  it('goes once to each user with matches, says what matched and why, in HTML and text', async () => {
    const rows = await w.runDigests();
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(4);

    const [mail] = await w.smtp.to(bio.email);
    expect(await w.smtp.to(bio.email)).toHaveLength(1);
    const m = mail!.parsed;
    expect(m.subject).toMatch(/^2 new matches for Northwind Biologics: /);
    expect(m.to && 'text' in m.to ? m.to.text : '').toContain(bio.email);
    // multipart/alternative with a plain-text and an HTML part
    expect(mail!.raw).toMatch(/Content-Type: multipart\/alternative/i);
    expect(m.text).toContain('Raman probes and chemometric models for bioreactor monitoring');
    expect(m.text).toContain('Ramanix Instruments (supplier)');
    expect(m.text).toMatch(/Why: .+/);
    expect(m.text).toContain('Capabilities in common: Spectroscopic process analytical technology');
    expect(m.html).toContain('Chemometric calibration transfer for Raman in cell culture');
    expect(m.html).toContain('Request an introduction');
    // Best first: the supplier's offering (TRL 7, inside 5..8) before the academic one.
    const text = m.text!;
    expect(text.indexOf('Raman probes')).toBeLessThan(text.indexOf('Chemometric calibration'));
    // Headers: a stable Message-ID per digest, and RFC 8058 one-click unsubscribe.
    const row = rows.find((r) => r.userId === bio.userId)!;
    expect(m.messageId).toBe(row.messageId);
    // Derived from person and period: a resend after a crash is recognisably the same email.
    expect(m.messageId).toBe(`<digest.${bio.userId}.${row.period}@localhost>`);
    const header = (name: string) => m.headerLines.find((h) => h.key === name)?.line.replace(/^[^:]+:\s*/, '');
    const unsubscribe = String(header('list-unsubscribe'));
    expect(unsubscribe).toMatch(/^<http:\/\/localhost:3000\/u\/[\w-]+\.[\w-]+>$/);
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    // The same link in the body, in both parts.
    expect(linksIn(text, 'Unsubscribe from digests')).toEqual([unsubscribe.slice(1, -1)]);
    expect(m.html).toContain(unsubscribe.slice(1, -1));
    expect(linksIn(text, 'Request an introduction')).toHaveLength(2);
    expect(linksIn(text, 'Not relevant')).toHaveLength(2);
  });

  it('keeps an anonymous need anonymous in every email', async () => {
    const [mail] = await w.smtp.to(supplier.email);
    const m = mail!.parsed;
    expect(m.text).toContain('Raman-based glucose feedback for perfusion');
    expect(m.text).toContain('An anonymous biomanufacturer');
    for (const secret of ['Quiet Pharma', anonBio.name, anonBio.email, anonBio.organisationId]) {
      expect(mail!.raw).not.toContain(secret);
    }
    // The other need is not anonymous and says who posted it.
    expect(m.text).toContain('Northwind Biologics (biomanufacturer)');
  });

  it('never sends a pair twice: not again this period, not in the next one, only what is new', async () => {
    const before = (await w.smtp.messages()).length;
    expect(await w.runDigests()).toEqual([]); // same period: every digest is done, nothing is queued
    const nextWeek = await w.runDigests(new Date(Date.now() + 7 * DAY));
    expect(nextWeek.map((r) => r.status)).toEqual(['empty', 'empty', 'empty', 'empty']);
    expect((await w.smtp.messages()).length).toBe(before);

    // A new offering matches both needs: the week after, only it is sent.
    await request(w.t.app)
      .post('/v1/offerings')
      .set(academic.auth)
      .send(sampleOffering({ title: 'Raman soft sensors for glucose and lactate in fed-batch culture', trl: 6 }))
      .expect(201);
    await w.matched();
    const later = await w.runDigests(new Date(Date.now() + 14 * DAY));
    expect(
      later
        .filter((r) => r.status === 'sent')
        .map((r) => r.userId)
        .sort(),
    ).toEqual([bio.userId, anonBio.userId, academic.userId].sort());
    const [, second] = await w.smtp.to(bio.email);
    expect(second!.parsed.subject).toMatch(/^1 new match for Northwind Biologics: Raman soft sensors/);
    expect(second!.parsed.text).not.toContain('Raman probes and chemometric models');
  });

  it('unsubscribes in one click through the signed link, and refuses a tampered one', async () => {
    const [mail] = await w.smtp.to(academic.email);
    const link = pathOf(linksIn(mail!.parsed.text!, 'Unsubscribe from digests')[0]!);

    const page = await request(w.t.app).get(link).expect(200);
    expect(page.type).toBe('text/html');
    expect(page.text).toContain('Unsubscribe from digests?');
    expect(page.text).toContain(academic.email);
    // Opening the page changes nothing (mail scanners open links).
    expect((await request(w.t.app).get('/v1/me/digest').set(academic.auth)).body.frequency).toBe('weekly');

    const tampered = link.slice(0, -3) + (link.endsWith('AAA') ? 'BBB' : 'AAA');
    const bad = await request(w.t.app).post(tampered).type('form').send('List-Unsubscribe=One-Click').expect(400);
    expect(bad.text).toContain('This link is not valid');
    const badJson = await request(w.t.app).get(tampered).set('Accept', 'application/json').expect(400);
    expect(badJson.type).toBe('application/problem+json');
    expect(badJson.body.code).toBe('invalid_link');
    await request(w.t.app).get('/u/not-a-token').expect(400);
    expect((await request(w.t.app).get('/v1/me/digest').set(academic.auth)).body.frequency).toBe('weekly');

    // RFC 8058: the mail client POSTs this body to the link.
    const done = await request(w.t.app).post(link).type('form').send('List-Unsubscribe=One-Click').expect(200);
    expect(done.text).toContain('You are unsubscribed');
    expect((await request(w.t.app).get('/v1/me/digest').set(academic.auth)).body.frequency).toBe('off');
    const rows = await w.runDigests(new Date(Date.now() + 21 * DAY));
    expect(rows.map((r) => r.userId)).not.toContain(academic.userId);
    // A digest job already queued before the click sends nothing after it.
    const before = (await w.smtp.to(academic.email)).length;
    const queued = { userId: academic.userId, period: '2027-W01' };
    const job = await w.t.deps.notificationsQueue.add('digest', queued, {
      jobId: `digest-${queued.userId}-${queued.period}`,
    });
    expect(await jobFinished(w.t, job)).toBe('cancelled');
    expect(await job.getState()).toBe('completed');
    expect(await w.smtp.to(academic.email)).toHaveLength(before);
  });

  it('marks a match not relevant from its link: it is gone and never comes back', async () => {
    const [mail] = await w.smtp.to(bio.email);
    const link = pathOf(linksIn(mail!.parsed.text!, 'Not relevant')[1]!);
    const page = await request(w.t.app).get(link).expect(200);
    expect(page.text).toContain('Mark this match not relevant?');
    await request(w.t.app).post(link).type('form').send('').expect(200);
    const needs = await request(w.t.app).get('/v1/needs?mine=true').set(bio.auth).expect(200);
    const matches = await request(w.t.app).get(`/v1/needs/${needs.body.items[0].id}/matches`).set(bio.auth);
    expect(matches.body.items.map((m: { offering: { title: string } }) => m.offering.title)).not.toContain(
      'Chemometric calibration transfer for Raman in cell culture',
    );
    // Used again, the link says the match is gone.
    const again = await request(w.t.app).post(link).type('form').send('').expect(404);
    expect(again.text).toContain('no longer listed');
  });
});
