import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHARTER } from '../../core/charter.js';
import { labOffering, sterilityNeeds } from '../community-fixtures.js';
import { signup } from '../helpers.js';
import { startMailWorld, until, type MailWorld } from '../mail-world.js';
import { linksIn } from '../smtp.js';

let w: MailWorld;
type Party = Awaited<ReturnType<typeof signup>>;
let alpha: Party; // convener, owns the first need
let beta: Party; // owns an anonymous need common to it
let gamma: Party; // owns another need common to it
let lab: Party; // offers what fits
let hub: Party;
let regulator: Party;
const needs: Record<string, string> = {};
let offeringId: string;
let consortiumId: string;
const app = () => w.t.app;
const accept = { acceptCharter: true, charterVersion: CHARTER.version };
const base = {
  title: 'Rapid sterility release for short shelf-life products',
  scope:
    'Agree common requirements and a shared validation protocol for rapid sterility methods, and pool method-comparison data.',
};

async function view(who: Party, id = consortiumId) {
  return (await request(app()).get(`/v1/consortia/${id}`).set(who.auth).expect(200)).body;
}

async function mailsTo(email: string, subject: RegExp) {
  const matching = async () => (await w.smtp.to(email)).filter((m) => subject.test(m.parsed.subject ?? ''));
  await until(async () => (await matching()).length > 0);
  return matching();
}

beforeAll(async () => {
  w = await startMailWorld();
  alpha = await signup(app(), 'biomanufacturer', 'Alpha Biologics');
  beta = await signup(app(), 'biomanufacturer', 'Beta Vectors');
  gamma = await signup(app(), 'biomanufacturer', 'Gamma Therapeutics');
  lab = await signup(app(), 'academic', 'Institute of Rapid Microbiology');
  hub = await signup(app(), 'hub', 'North Bioprocess Innovation Hub');
  regulator = await signup(app(), 'regulator', 'Medicines Agency');
  for (const [key, who, body] of [
    ['alpha', alpha, sterilityNeeds.alpha],
    ['beta', beta, { ...sterilityNeeds.beta, anonymous: true }],
    ['gamma', gamma, { ...sterilityNeeds.gamma, anonymous: false }],
  ] as const) {
    needs[key] = (await request(app()).post('/v1/needs').set(who.auth).send(body).expect(201)).body.id;
  }
  offeringId = (await request(app()).post('/v1/offerings').set(lab.auth).send(labOffering).expect(201)).body.id;
  await w.matched();
}, 60_000);

afterAll(async () => {
  await w?.close();
});

describe('the charter', () => {
  it('is served with its version, and names what members never discuss', async () => {
    const res = await request(app()).get('/v1/charter').expect(200);
    expect(res.body.version).toBe(CHARTER.version);
    for (const word of ['prices', 'capacities', 'customers', 'bids', 'boycott']) expect(res.body.text).toContain(word);
  });

  it('must be accepted to propose a consortium: 422 saying why, and nothing is created', async () => {
    const none = await request(app())
      .post('/v1/consortia')
      .set(alpha.auth)
      .send({ ...base, needIds: [needs.alpha] })
      .expect(422);
    expect(none.body.code).toBe('charter_not_accepted');
    expect(none.body.detail).toMatch(/acceptCharter/);
    const old = await request(app())
      .post('/v1/consortia')
      .set(alpha.auth)
      .send({ ...base, needIds: [needs.alpha], acceptCharter: true, charterVersion: '2001-01-01' })
      .expect(422);
    expect(old.body.code).toBe('charter_outdated');
    const list = await request(app()).get('/v1/consortia').set(alpha.auth).expect(200);
    expect(list.body.items).toEqual([]);
  });
});

describe('who may convene', () => {
  it('refuses a supplier or lab, a regulator, and a biomanufacturer owning none of the needs', async () => {
    for (const who of [lab, regulator, gamma]) {
      const res = await request(app())
        .post('/v1/consortia')
        .set(who.auth)
        .send({ ...base, needIds: [needs.alpha], ...accept })
        .expect(403);
      expect(res.body.detail).toMatch(/convene|consortium/);
    }
  });

  it('lets a hub convene on needs it does not own', async () => {
    const res = await request(app())
      .post('/v1/consortia')
      .set(hub.auth)
      .send({ ...base, title: 'Hub-led rapid sterility round table', needIds: [needs.gamma], ...accept })
      .expect(201);
    expect(res.body.status).toBe('forming');
    expect(res.body.you).toMatchObject({ member: true, convener: true });
    await request(app()).post(`/v1/consortia/${res.body.id}/close`).set(hub.auth).expect(200);
  });

  it('answers 404 for a need that does not exist and 400 for bad input', async () => {
    await request(app())
      .post('/v1/consortia')
      .set(alpha.auth)
      .send({ ...base, needIds: ['00000000-0000-4000-8000-000000000000'], ...accept })
      .expect(404);
    const bad = await request(app())
      .post('/v1/consortia')
      .set(alpha.auth)
      .send({ title: 'x', scope: '', needIds: [], ...accept })
      .expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['title', 'scope', 'needIds']),
    );
  });
});

describe('a consortium from proposal to active', () => {
  it('is proposed by a biomanufacturer owning one of its needs, which becomes its first member', async () => {
    const res = await request(app())
      .post('/v1/consortia')
      .set(alpha.auth)
      .send({ ...base, needIds: [needs.alpha, needs.beta], ...accept })
      .expect(201);
    consortiumId = res.body.id;
    expect(res.headers.location).toBe(`/v1/consortia/${consortiumId}`);
    expect(res.body.status).toBe('forming');
    expect(res.body.capabilities).toContain('imrr.rapid-microbiology');
    expect(res.body.memberCounts).toEqual({ biomanufacturer: 1 });
    expect(res.body.members.map((m: { organisation: { name: string } }) => m.organisation.name)).toEqual([
      'Alpha Biologics',
    ]);
    // The anonymous need it addresses keeps its owner hidden, even from the convener.
    const beta = res.body.needs.find((n: { id: string }) => n.id === needs.beta);
    expect(beta.organisation).toBeNull();
    expect(JSON.stringify(res.body)).not.toContain('Beta Vectors');
  });

  it('shows anyone signed in what it is and how many of each kind joined, but not who', async () => {
    const seen = await view(regulator);
    expect(seen.title).toBe(base.title);
    expect(seen.memberCounts).toEqual({ biomanufacturer: 1 });
    expect(seen.members).toBeNull();
    expect(JSON.stringify(seen)).not.toContain(alpha.email);
    expect(seen.you).toMatchObject({ member: false, invitation: null });
  });

  it('suggests whom to invite, to members only: the needs by id (anonymous ones without owner) and the offerings that fit', async () => {
    await request(app()).get(`/v1/consortia/${consortiumId}/suggestions`).set(gamma.auth).expect(403);
    const res = await request(app()).get(`/v1/consortia/${consortiumId}/suggestions`).set(alpha.auth).expect(200);
    const suggested = res.body.needs.map((s: { need: { id: string } }) => s.need.id);
    expect(suggested).toEqual(expect.arrayContaining([needs.beta, needs.gamma]));
    expect(suggested).not.toContain(needs.alpha); // its own organisation is a member already
    const anon = res.body.needs.find((s: { need: { id: string } }) => s.need.id === needs.beta);
    expect(anon.need.organisation).toBeNull();
    expect(anon.reason).toMatch(/addresses/);
    expect(JSON.stringify(res.body)).not.toContain('Beta Vectors');
    expect(res.body.offerings.map((s: { offering: { id: string } }) => s.offering.id)).toContain(offeringId);
    expect(res.body.offerings[0].reason.length).toBeGreaterThan(10);
  });

  it('invites an anonymous need by its id without revealing its owner, who is emailed the scope and the charter', async () => {
    const res = await request(app())
      .post(`/v1/consortia/${consortiumId}/invitations`)
      .set(alpha.auth)
      .send({ needId: needs.beta })
      .expect(201);
    expect(res.body).toMatchObject({ status: 'pending', need: { id: needs.beta }, offering: null });
    expect(JSON.stringify(res.body)).not.toContain('Beta Vectors');
    const again = await request(app())
      .post(`/v1/consortia/${consortiumId}/invitations`)
      .set(alpha.auth)
      .send({ needId: needs.beta })
      .expect(409);
    expect(again.body.code).toBe('already_invited');
    // Only members invite.
    await request(app())
      .post(`/v1/consortia/${consortiumId}/invitations`)
      .set(gamma.auth)
      .send({ needId: needs.gamma })
      .expect(403);

    const [mail] = await mailsTo(beta.email, /Invitation to a consortium/);
    const text = mail!.parsed.text ?? '';
    expect(text).toContain(base.scope);
    expect(text).toContain(`version ${CHARTER.version}`);
    expect(text).toContain('never discuss');
    expect(text).toMatch(/reveals your organisation to the members/);
    // The invitee is not told who the members are.
    expect(mail!.raw).not.toContain('Alpha Biologics');
    expect(linksIn(text, 'Read and join')[0]).toMatch(/\/a\//);
    expect(linksIn(text, 'Decline')[0]).toMatch(/\/a\//);

    const invited = await view(beta);
    expect(invited.you.invitation).toMatchObject({ status: 'pending' });
    expect(invited.members).toBeNull();
    const mine = await request(app()).get('/v1/consortia?mine=true').set(beta.auth).expect(200);
    expect(mine.body.items.map((c: { id: string }) => c.id)).toEqual([consortiumId]);
  });

  it('lets the invited organisation join only by accepting the current charter, revealing it to the members only', async () => {
    const refused = await request(app()).post(`/v1/consortia/${consortiumId}/join`).set(beta.auth).send({}).expect(422);
    expect(refused.body.code).toBe('charter_not_accepted');
    expect((await view(alpha)).members).toHaveLength(1);
    // An organisation never invited cannot join.
    await request(app()).post(`/v1/consortia/${consortiumId}/join`).set(gamma.auth).send(accept).expect(403);

    const joined = await request(app())
      .post(`/v1/consortia/${consortiumId}/join`)
      .set(beta.auth)
      .send(accept)
      .expect(200);
    expect(joined.body.you.member).toBe(true);
    expect(joined.body.status).toBe('forming'); // two biomanufacturers, no supplier or lab yet
    const names = (await view(alpha)).members.map((m: { organisation: { name: string } }) => m.organisation.name);
    expect(names).toEqual(['Alpha Biologics', 'Beta Vectors']);
    const contacts = (await view(beta)).members.flatMap((m: { contacts: { email: string }[] }) => m.contacts);
    expect(contacts.map((c: { email: string }) => c.email)).toEqual(expect.arrayContaining([alpha.email, beta.email]));
    // Not to anyone else.
    const outsider = await view(gamma);
    expect(outsider.members).toBeNull();
    expect(JSON.stringify(outsider)).not.toContain('Beta Vectors');
    expect(outsider.memberCounts).toEqual({ biomanufacturer: 2 });
    // Joining twice is a conflict.
    await request(app()).post(`/v1/consortia/${consortiumId}/join`).set(beta.auth).send(accept).expect(409);
  });

  it('becomes active when a supplier or lab joins, and every member is emailed the members and contacts', async () => {
    await request(app())
      .post(`/v1/consortia/${consortiumId}/invitations`)
      .set(beta.auth)
      .send({ offeringId })
      .expect(201);
    await mailsTo(lab.email, /Invitation to a consortium/);
    const joined = await request(app())
      .post(`/v1/consortia/${consortiumId}/join`)
      .set(lab.auth)
      .send(accept)
      .expect(200);
    expect(joined.body.status).toBe('active');
    expect(joined.body.activatedAt).not.toBeNull();
    for (const who of [alpha, beta, lab]) {
      const [mail] = await mailsTo(who.email, /is active/);
      const text = mail!.parsed.text ?? '';
      for (const member of [alpha, beta, lab]) {
        expect(text).toContain(member.organisationName);
        expect(text).toContain(member.email);
      }
    }
    // Exactly one activation email each, however the jobs ran.
    await new Promise((r) => setTimeout(r, 300));
    expect(await mailsTo(alpha.email, /is active/)).toHaveLength(1);
  });

  it('records every action in a log only members read, which cannot be rewritten', async () => {
    await request(app()).get(`/v1/consortia/${consortiumId}/log`).set(gamma.auth).expect(403);
    const res = await request(app()).get(`/v1/consortia/${consortiumId}/log`).set(lab.auth).expect(200);
    const actions = res.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(['created', 'joined', 'invited', 'joined', 'invited', 'joined', 'activated']);
    const betaJoined = res.body.items[3];
    expect(betaJoined.organisation.name).toBe('Beta Vectors');
    expect(betaJoined.detail.charterVersion).toBe(CHARTER.version);
    expect(res.body.items[0].user.name).toBe(alpha.name);
    await expect(w.t.db.sql`update consortium_log set action = 'rewritten'`).rejects.toThrow(/append-only/);
    await expect(w.t.db.sql`delete from consortium_log`).rejects.toThrow(/append-only/);
  });

  it('answers an invitation of a member’s other anonymous need as any other, and emails nobody', async () => {
    const before = (await mailsTo(beta.email, /Invitation to a consortium/)).length;
    const other = await request(app())
      .post('/v1/needs')
      .set(beta.auth)
      .send({ ...sterilityNeeds.beta, title: 'Rapid sterility for our vector lots', anonymous: true })
      .expect(201);
    const res = await request(app())
      .post(`/v1/consortia/${consortiumId}/invitations`)
      .set(alpha.auth)
      .send({ needId: other.body.id })
      .expect(201);
    expect(res.body).toMatchObject({ status: 'pending', need: { id: other.body.id } });
    await until(async () => {
      const [row] = await w.t.db.sql<{ notified: boolean }[]>`
        select notified_at is not null as notified from consortium_invitations where id = ${res.body.id}`;
      return row!.notified;
    });
    expect(await mailsTo(beta.email, /Invitation to a consortium/)).toHaveLength(before);
  });

  it('invites two needs of one organisation without telling the inviter they share an owner', async () => {
    const second = await request(app())
      .post('/v1/needs')
      .set(gamma.auth)
      .send({ ...sterilityNeeds.gamma, title: 'Rapid sterility release at our second site', anonymous: true })
      .expect(201);
    needs.gamma2 = second.body.id;
    for (const needId of [needs.gamma, needs.gamma2]) {
      await request(app())
        .post(`/v1/consortia/${consortiumId}/invitations`)
        .set(alpha.auth)
        .send({ needId })
        .expect(201);
    }
  });

  it('lets an invited organisation decline each invitation without the log naming it; it cannot join afterwards', async () => {
    // One invitation per answer (the oldest first): answering both at once would tie the two needs together.
    await request(app()).post(`/v1/consortia/${consortiumId}/decline`).set(gamma.auth).expect(200);
    expect((await view(gamma)).you.invitation).toMatchObject({ status: 'pending' });
    await request(app()).post(`/v1/consortia/${consortiumId}/decline`).set(gamma.auth).expect(200);
    await request(app()).post(`/v1/consortia/${consortiumId}/join`).set(gamma.auth).send(accept).expect(403);
    await request(app()).post(`/v1/consortia/${consortiumId}/decline`).set(gamma.auth).expect(409);
    const log = await request(app()).get(`/v1/consortia/${consortiumId}/log`).set(alpha.auth).expect(200);
    const declined = log.body.items.filter((e: { action: string }) => e.action === 'declined');
    expect(declined.map((e: { detail: { needId: string } }) => e.detail.needId).sort()).toEqual(
      [needs.gamma, needs.gamma2].sort(),
    );
    for (const e of declined) expect(e.organisation).toBeNull();
    expect(JSON.stringify(declined)).not.toContain('Gamma Therapeutics');
  });

  it('lets a member leave, but not the convener, who alone may close it; a closed consortium takes no one', async () => {
    await request(app()).post(`/v1/consortia/${consortiumId}/leave`).set(lab.auth).expect(200);
    expect((await view(alpha)).members).toHaveLength(2);
    expect((await view(lab)).you.member).toBe(false);
    const convener = await request(app()).post(`/v1/consortia/${consortiumId}/leave`).set(alpha.auth).expect(409);
    expect(convener.body.code).toBe('convener_cannot_leave');
    await request(app()).post(`/v1/consortia/${consortiumId}/close`).set(beta.auth).expect(403);
    const closed = await request(app()).post(`/v1/consortia/${consortiumId}/close`).set(alpha.auth).expect(200);
    expect(closed.body.status).toBe('closed');
    await request(app())
      .post(`/v1/consortia/${consortiumId}/invitations`)
      .set(alpha.auth)
      .send({ offeringId })
      .expect(409);
    const filtered = await request(app()).get('/v1/consortia?status=closed').set(regulator.auth).expect(200);
    expect(filtered.body.items.map((c: { id: string }) => c.id)).toContain(consortiumId);
    const forming = await request(app()).get('/v1/consortia?status=forming').set(regulator.auth).expect(200);
    expect(forming.body.items.map((c: { id: string }) => c.id)).not.toContain(consortiumId);
  });
});
