import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replaceMatches, searchSnapshot } from '../../db/queries/matching.js';
import { SCORING_VERSION } from '../../core/matching/index.js';
import { introductionsTick } from '../../worker/processors/introductions.js';
import { matchPost, StatsCache } from '../../worker/processors/match.js';
import { sampleNeed, sampleOffering, signup } from '../helpers.js';
import { startMailWorld, type MailWorld } from '../mail-world.js';
import { linksIn } from '../smtp.js';
import { labOffering, sterilityNeeds } from '../community-fixtures.js';

let w: MailWorld;
type Party = Awaited<ReturnType<typeof signup>>;
let bio: Party;
let anonBio: Party;
let supplier: Party;
let academic: Party;
let needId: string;
let anonNeedId: string;

const pathOf = (url: string) => new URL(url).pathname;
const app = () => w.t.app;

async function matchesOf(side: 'needs' | 'offerings', id: string, who: Party) {
  const res = await request(app()).get(`/v1/${side}/${id}/matches`).set(who.auth).expect(200);
  return res.body.items as { id: string; need: { id: string }; offering: { id: string; title: string } }[];
}

async function offeringOf(who: Party) {
  const res = await request(app()).get('/v1/offerings?mine=true').set(who.auth).expect(200);
  return res.body.items[0].id as string;
}

beforeAll(async () => {
  w = await startMailWorld();
  bio = await signup(app(), 'biomanufacturer', 'Northwind Biologics');
  anonBio = await signup(app(), 'biomanufacturer', 'Quiet Pharma');
  supplier = await signup(app(), 'supplier', 'Ramanix Instruments');
  academic = await signup(app(), 'academic', 'Institute of Bioprocess Sensing');
  needId = (await request(app()).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(201)).body.id;
  anonNeedId = (
    await request(app())
      .post('/v1/needs')
      .set(anonBio.auth)
      .send(sampleNeed({ title: 'Raman-based glucose feedback for perfusion', anonymous: true }))
      .expect(201)
  ).body.id;
  await request(app()).post('/v1/offerings').set(supplier.auth).send(sampleOffering()).expect(201);
  await request(app())
    .post('/v1/offerings')
    .set(academic.auth)
    .send(sampleOffering({ title: 'Chemometric calibration transfer for Raman in cell culture', trl: 5 }))
    .expect(201);
  await w.matched();
}, 60_000);

afterAll(async () => {
  await w?.close();
});

describe('introductions, double opt-in', () => {
  it('asks the other side by email, and on accept introduces both, revealing an anonymous need only then', async () => {
    const offeringId = await offeringOf(supplier);
    const match = (await matchesOf('offerings', offeringId, supplier)).find((m) => m.need.id === anonNeedId)!;
    const asked = await request(app())
      .post(`/v1/matches/${match.id}/introductions`)
      .set(supplier.auth)
      .send({ message: 'We have run Raman glucose control at 2,000 L; happy to share data.' })
      .expect(201);
    expect(asked.headers.location).toBe(`/v1/introductions/${asked.body.id}`);
    expect(asked.body).toMatchObject({ status: 'pending', direction: 'sent', contacts: null });
    expect(asked.body.need.organisation).toBeNull();

    // The anonymous need's side sees the request in the API, with who asked but not their email.
    const received = await request(app()).get('/v1/introductions?direction=received').set(anonBio.auth).expect(200);
    expect(received.body.items).toHaveLength(1);
    expect(received.body.items[0]).toMatchObject({ id: asked.body.id, direction: 'received' });
    expect(received.body.items[0].requester).toEqual({ name: supplier.name });
    expect(JSON.stringify(received.body)).not.toContain(supplier.email);

    await w.introductionEmailsSent();
    const [request1] = await w.smtp.to(anonBio.email);
    const text = request1!.parsed.text!;
    expect(request1!.parsed.subject).toBe('Introduction request about "Raman-based glucose feedback for perfusion"');
    expect(text).toContain(`${supplier.name} of Ramanix Instruments would like to be introduced`);
    expect(text).toContain('We have run Raman glucose control at 2,000 L');
    expect(request1!.raw).not.toContain(supplier.email);
    const accept = pathOf(linksIn(text, 'Accept')[0]!);
    expect((await request(app()).get(accept).expect(200)).text).toContain('Accept this introduction?');

    await request(app()).post(accept).type('form').send('').expect(200);
    await w.introductionEmailsSent();
    const [toSupplier] = (await w.smtp.to(supplier.email)).filter((m) => /^Introduction:/.test(m.parsed.subject!));
    const [toBio] = (await w.smtp.to(anonBio.email)).filter((m) => /^Introduction:/.test(m.parsed.subject!));
    expect(toSupplier!.parsed.subject).toBe('Introduction: Ramanix Instruments meets Quiet Pharma');
    expect(toSupplier!.parsed.text).toContain(`Meet ${anonBio.name} of Quiet Pharma: ${anonBio.email}`);
    expect(toSupplier!.parsed.text).toMatch(/Why they match: .+/);
    expect(toSupplier!.parsed.replyTo?.text).toContain(anonBio.email);
    expect(toBio!.parsed.text).toContain(`Meet ${supplier.name} of Ramanix Instruments: ${supplier.email}`);

    const after = await request(app()).get(`/v1/introductions/${asked.body.id}`).set(supplier.auth).expect(200);
    expect(after.body.status).toBe('accepted');
    expect(after.body.need.organisation.name).toBe('Quiet Pharma');
    expect(after.body.contacts.responder).toMatchObject({ name: anonBio.name, email: anonBio.email });
    // Answering the same way again changes nothing and sends nothing.
    const count = (await w.smtp.messages()).length;
    await request(app()).post(`/v1/introductions/${asked.body.id}/accept`).set(anonBio.auth).expect(200);
    await request(app())
      .post(`/v1/matches/${match.id}/introductions`)
      .set(supplier.auth)
      .send({ message: 'again' })
      .expect(409);
    await w.introductionEmailsSent();
    expect((await w.smtp.messages()).length).toBe(count);
  });

  it('tells the requester of a decline, and never suggests the pair again', async () => {
    const offeringId = await offeringOf(academic);
    const match = (await matchesOf('needs', needId, bio)).find((m) => m.offering.id === offeringId)!;
    const asked = await request(app())
      .post(`/v1/matches/${match.id}/introductions`)
      .set(bio.auth)
      .send({ message: 'Could your calibration transfer work on our Kaiser probes?' })
      .expect(201);
    // Only the side asked may answer.
    const own = await request(app()).post(`/v1/introductions/${asked.body.id}/accept`).set(bio.auth).expect(403);
    expect(own.body.code).toBe('forbidden');
    await request(app()).post(`/v1/introductions/${asked.body.id}/decline`).set(supplier.auth).expect(404);

    const declined = await request(app())
      .post(`/v1/introductions/${asked.body.id}/decline`)
      .set(academic.auth)
      .expect(200);
    expect(declined.body.status).toBe('declined');
    await w.introductionEmailsSent();
    const [told] = (await w.smtp.to(bio.email)).filter((m) => /declined/.test(m.parsed.subject!));
    expect(told!.parsed.text).toContain('will not be suggested to you again');

    expect((await matchesOf('needs', needId, bio)).map((m) => m.offering.id)).not.toContain(offeringId);
    // Matching the need again does not bring the pair back.
    const [need] = await w.t.db.sql<{ version: number }[]>`select version from needs where id = ${needId}`;
    await matchPost(w.t.db.db, new StatsCache(w.t.db.db), { side: 'need', id: needId, version: need!.version });
    expect((await matchesOf('needs', needId, bio)).map((m) => m.offering.id)).not.toContain(offeringId);
    // Nor does a job that read its candidates before the decline and writes after it.
    // (The offering's other matches are written back as they are.)
    const kept = await w.t.db.sql<
      {
        needId: string;
        offeringId: string;
        score: number;
        needScore: number;
        offeringScore: number;
        explanation: unknown;
        scoringVersion: number;
      }[]
    >`
      select need_id as "needId", offering_id as "offeringId", score, need_score as "needScore",
        offering_score as "offeringScore", explanation, scoring_version as "scoringVersion"
      from matches where offering_id = ${offeringId}`;
    const stale = {
      needId,
      offeringId,
      score: 0.9,
      needScore: 0.9,
      offeringScore: 0.9,
      explanation: {},
      scoringVersion: SCORING_VERSION,
    };
    await w.t.db.db.transaction(async (tx) =>
      replaceMatches(
        tx,
        'offering',
        [{ id: offeringId, version: 1, found: [...kept, stale], seen: await searchSnapshot(tx) }],
        50,
      ),
    );
    expect(await w.t.db.sql`select 1 from matches where offering_id = ${offeringId}`).toHaveLength(kept.length);
    expect((await matchesOf('needs', needId, bio)).map((m) => m.offering.id)).not.toContain(offeringId);
    await request(app())
      .post(`/v1/introductions/${asked.body.id}/accept`)
      .set(academic.auth)
      .expect(409)
      .expect((res) => expect(res.body.code).toBe('introduction_answered'));
  });

  it('reminds after 7 days and expires after 14, telling the requester', async () => {
    const offeringId = await offeringOf(supplier);
    const match = (await matchesOf('needs', needId, bio)).find((m) => m.offering.id === offeringId)!;
    const asked = await request(app())
      .post(`/v1/matches/${match.id}/introductions`)
      .set(bio.auth)
      .send({ message: 'Interested in a pilot on our 2,000 L line.' })
      .expect(201);
    await w.introductionEmailsSent();
    expect(
      (await w.smtp.to(supplier.email)).filter((m) => /^Introduction request/.test(m.parsed.subject!)),
    ).toHaveLength(1);

    await w.t.db.sql`update introductions set created_at = now() - interval '8 days' where id = ${asked.body.id}`;
    expect(await introductionsTick(w.t.db.db, w.t.deps.notificationsQueue)).toMatchObject({ reminded: 1, expired: 0 });
    await w.introductionEmailsSent();
    const reminders = (await w.smtp.to(supplier.email)).filter((m) => /^Reminder: /.test(m.parsed.subject!));
    expect(reminders).toHaveLength(1);
    expect(reminders[0]!.parsed.text).toContain('Interested in a pilot');
    // A second tick reminds no one again.
    expect(await introductionsTick(w.t.db.db, w.t.deps.notificationsQueue)).toMatchObject({ reminded: 0 });

    await w.t.db.sql`update introductions set expires_at = now() - interval '1 minute' where id = ${asked.body.id}`;
    // Before the tick has run, an answer is already refused.
    const late = await request(app()).post(`/v1/introductions/${asked.body.id}/accept`).set(supplier.auth).expect(409);
    expect(late.body.code).toBe('introduction_expired');
    expect(await introductionsTick(w.t.db.db, w.t.deps.notificationsQueue)).toMatchObject({ expired: 1 });
    await w.introductionEmailsSent();
    const [expired] = (await w.smtp.to(bio.email)).filter((m) => /expired/.test(m.parsed.subject!));
    expect(expired!.parsed.text).toContain('not answered within 14 days');
    const listed = await request(app()).get('/v1/introductions?status=expired').set(bio.auth).expect(200);
    expect(listed.body.items.map((i: { id: string }) => i.id)).toEqual([asked.body.id]);
    // The link in the reminder no longer works either.
    const accept = pathOf(linksIn(reminders[0]!.parsed.text!, 'Accept')[0]!);
    expect((await request(app()).post(accept).type('form').send('').expect(409)).text).toContain('expired');
    // The requester may ask again.
    await request(app())
      .post(`/v1/matches/${match.id}/introductions`)
      .set(bio.auth)
      .send({ message: 'Asking again.' })
      .expect(201);
  });

  it('requests from a digest link with a message, and shows the message box again when it is empty', async () => {
    const rows = await w.runDigests();
    expect(rows.find((r) => r.userId === academic.userId)?.status).toBe('sent');
    const [digest] = (await w.smtp.to(academic.email)).filter((m) => /new match/.test(m.parsed.subject!));
    const links = linksIn(digest!.parsed.text!, 'Request an introduction');
    const link = pathOf(links[0]!);
    const page = await request(app()).get(link).expect(200);
    expect(page.text).toContain('<label for="message">');
    const empty = await request(app()).post(link).type('form').send({ message: '  ' }).expect(400);
    expect(empty.text).toContain('Write a short message to the other side.');
    const sent = await request(app())
      .post(link)
      .type('form')
      .send({ message: 'Hello from the institute.' })
      .expect(201);
    expect(sent.text).toContain('Introduction requested');
    const mine = await request(app()).get('/v1/introductions?direction=sent').set(academic.auth).expect(200);
    expect(mine.body.items[0]).toMatchObject({ message: 'Hello from the institute.', status: 'pending' });
    // The same link again is a conflict shown as a page, not a second request.
    expect((await request(app()).post(link).type('form').send({ message: 'Twice?' }).expect(409)).text).toContain(
      'already been requested',
    );
  });

  it('answers two people asking for the same introduction at once with one request and one conflict', async () => {
    const offeringId = await offeringOf(supplier);
    const other = await request(app())
      .post('/v1/needs')
      .set(bio.auth)
      .send(sampleNeed({ title: 'Raman glucose monitoring for the Boston site' }))
      .expect(201);
    await w.matched();
    const match = (await matchesOf('needs', other.body.id, bio)).find((m) => m.offering.id === offeringId)!;
    const [a, b] = await Promise.all(
      [bio, supplier].map((who) =>
        request(app()).post(`/v1/matches/${match.id}/introductions`).set(who.auth).send({ message: 'Let us talk.' }),
      ),
    );
    expect([a!.status, b!.status].sort()).toEqual([201, 409]);
    expect([a!, b!].find((r) => r.status === 409)!.body.code).toBe('introduction_exists');
  });

  it('sends each introduction email once even when another recipient’s server defers', async () => {
    const offeringId = await offeringOf(supplier);
    const need = await request(app())
      .post('/v1/needs')
      .set(bio.auth)
      .send(sampleNeed({ title: 'Raman glucose monitoring for the Cork site' }))
      .expect(201);
    await w.matched();
    const match = (await matchesOf('needs', need.body.id, bio)).find((m) => m.offering.id === offeringId)!;
    const asked = await request(app())
      .post(`/v1/matches/${match.id}/introductions`)
      .set(bio.auth)
      .send({ message: 'Cork needs Raman too.' })
      .expect(201);
    await w.introductionEmailsSent();
    // The responder's mail server defers twice; the requester's email goes out first and only once.
    let deferred = 0;
    w.smtp.setRefusal((to) => (to === supplier.email && deferred++ < 2 ? { code: 451, message: 'Try later' } : null));
    await request(app()).post(`/v1/introductions/${asked.body.id}/accept`).set(supplier.auth).expect(200);
    await w.introductionEmailsSent();
    w.smtp.setRefusal(() => null);
    expect(deferred).toBeGreaterThanOrEqual(2);
    const subject = 'Introduction: Northwind Biologics meets Ramanix Instruments';
    const toBio = (await w.smtp.to(bio.email)).filter(
      (m) => m.parsed.subject === subject && m.parsed.text!.includes('Cork'),
    );
    expect(toBio).toHaveLength(1);
    const toSupplier = (await w.smtp.to(supplier.email)).filter(
      (m) =>
        m.parsed.subject === 'Introduction: Ramanix Instruments meets Northwind Biologics' &&
        m.parsed.text!.includes('Cork'),
    );
    expect(toSupplier).toHaveLength(1);
  }, 30_000);

  it('refuses bad requests with a clear problem and changes nothing', async () => {
    // Broken percent-encoding in a path is a 400, on the link pages and in the API.
    expect((await request(app()).get('/u/%E0%A4%A').expect(400)).body.code ?? 'html').toBeDefined();
    await request(app()).post('/a/%ZZ').expect(400);
    await request(app()).get('/v1/introductions/%ZZ').set(supplier.auth).expect(400);
    const offeringId = await offeringOf(supplier);
    const match = (await matchesOf('offerings', offeringId, supplier))[0]!;
    const before = await w.t.db.sql`select count(*)::int as n from introductions`;
    const empty = await request(app())
      .post(`/v1/matches/${match.id}/introductions`)
      .set(supplier.auth)
      .send({})
      .expect(400);
    expect(empty.body.errors).toEqual([{ field: 'message', message: expect.any(String) }]);
    await request(app())
      .post(`/v1/matches/${match.id}/introductions`)
      .set(supplier.auth)
      .send({ message: 'x'.repeat(2001) })
      .expect(400);
    // Not a party to the match: it does not exist for you.
    await request(app())
      .post(`/v1/matches/${match.id}/introductions`)
      .set(academic.auth)
      .send({ message: 'hi' })
      .expect(404);
    await request(app())
      .post('/v1/matches/not-a-uuid/introductions')
      .set(supplier.auth)
      .send({ message: 'hi' })
      .expect(400);
    await request(app()).get('/v1/introductions?direction=sideways').set(supplier.auth).expect(400);
    await request(app()).post(`/v1/introductions/${match.id}/accept`).set(supplier.auth).expect(404);
    expect(await w.t.db.sql`select count(*)::int as n from introductions`).toEqual(before);
  });

  it('lets a person wait on at most 10 open requests', async () => {
    const many = await signup(app(), 'supplier', 'Prolific Supplies');
    // Eleven needs a Raman offering answers, each about a different culture attribute.
    const analytes = [
      'glucose',
      'lactate',
      'glutamine',
      'ammonium',
      'glutamate',
      'viable cell density',
      'osmolality',
      'antibody titre',
      'amino acids',
      'glucose and lactate together',
      'lactate in perfusion',
    ];
    for (const analyte of analytes) {
      await request(app())
        .post('/v1/needs')
        .set(bio.auth)
        .send(
          sampleNeed({
            title: `In-line Raman monitoring of ${analyte} in fed-batch culture`,
            description: `We want in-line Raman spectroscopy with calibration models predicting ${analyte} every few minutes in fed-batch bioreactors.`,
          }),
        )
        .expect(201);
    }
    await request(app()).post('/v1/offerings').set(many.auth).send(sampleOffering()).expect(201);
    await w.matched();
    const matches = await matchesOf('offerings', await offeringOf(many), many);
    expect(matches.length).toBeGreaterThanOrEqual(11);
    const ask = (id: string) =>
      request(app()).post(`/v1/matches/${id}/introductions`).set(many.auth).send({ message: 'Shall we talk?' });
    // Asked all at once: the limit still holds.
    const answers = await Promise.all(matches.slice(0, 11).map((m) => ask(m.id)));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(10);
    const refused = answers.find((r) => r.status === 409)!;
    expect(refused.body.code).toBe('too_many_open_requests');
    expect(refused.body.detail).toMatch(/10 introduction requests awaiting an answer/);
  });
});

describe('introductions outlive their posts', () => {
  it('keeps a deleted need’s introductions for the other side, closes a pending one without an email, and refuses to answer it', async () => {
    const owner = await signup(app(), 'biomanufacturer', 'Withdrawing Biologics');
    const accepted = await signup(app(), 'supplier', 'Kept Probes');
    const waiting = await signup(app(), 'supplier', 'Waiting Probes');
    const need = await request(app())
      .post('/v1/needs')
      .set(owner.auth)
      .send({ ...sterilityNeeds.alpha, title: 'Rapid sterility release we will withdraw' })
      .expect(201);
    const offerings = new Map<Party, string>();
    for (const who of [accepted, waiting])
      offerings.set(
        who,
        (await request(app()).post('/v1/offerings').set(who.auth).send(labOffering).expect(201)).body.id,
      );
    await w.matched();
    const ask = async (who: Party, message: string) => {
      const [match] = await w.t.db.sql<{ id: string }[]>`
        select id from matches where need_id = ${need.body.id} and offering_id = ${offerings.get(who)!}`;
      return (
        await request(app()).post(`/v1/matches/${match!.id}/introductions`).set(who.auth).send({ message }).expect(201)
      ).body.id as string;
    };
    const kept = await ask(accepted, 'We run rapid sterility tests.');
    await request(app()).post(`/v1/introductions/${kept}/accept`).set(owner.auth).expect(200);
    const open = await ask(waiting, 'We too run rapid sterility tests.');
    await w.introductionEmailsSent();
    const [requestEmail] = (await w.smtp.to(owner.email)).filter((m) => m.parsed.text?.includes('We too run'));
    const acceptLink = pathOf(linksIn(requestEmail!.parsed.text!, 'Accept')[0]!);
    const mails = async () => (await w.smtp.to(owner.email)).length + (await w.smtp.to(waiting.email)).length;
    const before = await mails();

    await request(app()).delete(`/v1/needs/${need.body.id}`).set(owner.auth).expect(204);

    // The accepted introduction stays, for both sides, the need withdrawn.
    for (const who of [accepted, owner]) {
      const res = await request(app()).get(`/v1/introductions/${kept}`).set(who.auth).expect(200);
      expect(res.body).toMatchObject({
        status: 'accepted',
        need: null,
        offering: { organisation: { id: accepted.organisationId } },
        message: 'We run rapid sterility tests.',
        contacts: { responder: { email: owner.email, organisation: { name: 'Withdrawing Biologics' } } },
      });
    }
    // The pending one is closed (expired), and can no longer be answered, in the API or from its email.
    const closed = await request(app()).get(`/v1/introductions/${open}`).set(waiting.auth).expect(200);
    expect(closed.body).toMatchObject({ status: 'expired', need: null, message: 'We too run rapid sterility tests.' });
    const refused = await request(app()).post(`/v1/introductions/${open}/accept`).set(owner.auth).expect(409);
    expect(refused.body.code).toBe('introduction_withdrawn');
    const page = await request(app()).get(acceptLink).expect(409);
    expect(page.text).toContain('This introduction was withdrawn');
    // A pending one that lost a side another way is expired by the tick, neither reminded nor emailed about.
    await w.t.db.sql`update introductions set status = 'pending', notified_status = 'pending',
      created_at = now() - interval '8 days', updated_at = now() - interval '1 hour' where id = ${open}`;
    await introductionsTick(w.t.db.db, w.t.deps.notificationsQueue);
    const [row] = await w.t.db.sql<{ status: string; remindedAt: Date | null }[]>`
      select status, reminded_at as "remindedAt" from introductions where id = ${open}`;
    expect(row).toEqual({ status: 'expired', remindedAt: null });
    await w.introductionEmailsSent();
    expect(await mails()).toBe(before);
    // The requester still lists it.
    const sent = await request(app()).get('/v1/introductions?direction=sent').set(waiting.auth).expect(200);
    expect(sent.body.items.map((i: { id: string }) => i.id)).toEqual([open]);
  });
});
