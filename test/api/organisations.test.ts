import { Writable } from 'node:stream';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleNeed, signup } from '../helpers.js';
import { signLink } from '../../core/links.js';
import { jobFinished, startMailWorld, until, type MailWorld } from '../mail-world.js';
import { linksIn } from '../smtp.js';
import { csrfOf, pathOf, signInThroughPages } from '../web/forms.js';

// Organisations (issue 14): the profile (read by anyone signed in, changed by members only), invitations by
// email (the invitee joins from the link, once, before it expires), and removing members, whose access ends
// at once. Real PostgreSQL, Redis, worker and SMTP.

let w: MailWorld;
const app = () => w.t.app;
let ipCounter = 0;
/** Each test's requests come from an address of their own, so that the per-IP email limit is theirs. */
const nextIp = () => `198.51.100.${++ipCounter}`;

type Org = Awaited<ReturnType<typeof signup>>;

const invite = (org: Org, email: string, ip = nextIp(), organisationId = org.organisationId) =>
  request(app())
    .post(`/v1/organisations/${organisationId}/invitations`)
    .set(org.auth)
    .set('X-Forwarded-For', ip)
    .send({ email });

/** The join links emailed to an address so far, as paths. */
async function joinLinks(email: string) {
  return (await w.smtp.to(email)).flatMap((m) => linksIn(m.parsed.text ?? '', 'Join')).map(pathOf);
}

async function waitForJoinLinks(email: string, count: number) {
  await until(async () => (await joinLinks(email)).length >= count);
  return joinLinks(email);
}

/** Opens a join link in a fresh browser and sends its form: answers the agent and the answer. */
async function join(link: string, fields: Record<string, string>) {
  const agent = request.agent(app());
  const page = await agent.get(link);
  // A link that no longer works shows no form: the CSRF token of this browser comes from another page.
  const csrf = csrfOf(page.text) || csrfOf((await agent.get('/signin')).text);
  const res = await agent
    .post(link)
    .type('form')
    .send(new URLSearchParams({ _csrf: csrf, ...fields }).toString());
  return { agent, page, res };
}

const countUsers = async (email: string) =>
  (await w.t.db.sql<{ n: number }[]>`select count(*)::int as n from users where lower(email) = lower(${email})`)[0]!.n;

/** Every line the API and the worker logged: the token of a join link must not be among them. */
const logLines: string[] = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(chunk.toString('utf8'));
      callback();
    },
  }),
);

beforeAll(async () => {
  w = await startMailWorld({ logger });
}, 60_000);

afterAll(async () => {
  await w?.close();
});

describe('the profile', () => {
  let acme: Org;
  let other: Org;

  beforeAll(async () => {
    acme = await signup(app(), 'biomanufacturer', 'Acme Biologics');
    other = await signup(app(), 'supplier', 'Probes Ltd');
    await request(app())
      .post('/v1/needs')
      .set(acme.auth)
      .send(sampleNeed({ title: 'Open need about Raman control' }))
      .expect(201);
    await request(app())
      .post('/v1/needs')
      .set(acme.auth)
      .send(sampleNeed({ title: 'Secret anonymous need about viral clearance', anonymous: true }))
      .expect(201);
  });

  it('shows anyone signed in the name, kind, country and members, and emails only to fellow members', async () => {
    const seen = await request(app()).get(`/v1/organisations/${acme.organisationId}`).set(other.auth).expect(200);
    expect(seen.body).toMatchObject({
      id: acme.organisationId,
      name: 'Acme Biologics',
      kind: 'biomanufacturer',
      country: 'GB',
      website: null,
      description: null,
      member: false,
      members: [{ id: acme.userId, name: acme.name }],
    });
    expect(seen.body.members[0]).not.toHaveProperty('email');
    expect(JSON.stringify(seen.body)).not.toContain(acme.email);

    const own = await request(app()).get(`/v1/organisations/${acme.organisationId}`).set(acme.auth).expect(200);
    expect(own.body.member).toBe(true);
    expect(own.body.members).toEqual([{ id: acme.userId, name: acme.name, email: acme.email }]);
  });

  it('lists an anonymous need to its own members only', async () => {
    const seen = await request(app()).get(`/v1/organisations/${acme.organisationId}`).set(other.auth).expect(200);
    expect(seen.body.needs.map((n: { title: string }) => n.title)).toEqual(['Open need about Raman control']);
    expect(JSON.stringify(seen.body)).not.toContain('Secret anonymous need');
    const ownApi = await request(app()).get(`/v1/organisations/${acme.organisationId}`).set(acme.auth).expect(200);
    expect(ownApi.body.needs.map((n: { title: string }) => n.title).sort()).toEqual([
      'Open need about Raman control',
      'Secret anonymous need about viral clearance',
    ]);
    // Nor does the profile page show it to others; its own members see it there.
    const otherAgent = request.agent(app());
    expect((await signInThroughPages(w, otherAgent, other.email)).status).toBe(303);
    const page = await otherAgent.get(`/organisations/${acme.organisationId}`).expect(200);
    expect(page.text).toContain('Open need about Raman control');
    expect(page.text).not.toContain('Secret anonymous need');
    expect(page.text).not.toContain(acme.email);
    expect(page.text).not.toContain('Invite a colleague');
    const ownAgent = request.agent(app());
    expect((await signInThroughPages(w, ownAgent, acme.email)).status).toBe(303);
    const own = await ownAgent.get(`/organisations/${acme.organisationId}`).expect(200);
    expect(own.text).toContain('Secret anonymous need about viral clearance');
    expect(own.text).toContain(acme.email);
  });

  it('lets a member change the name, country, website and description', async () => {
    const res = await request(app())
      .patch(`/v1/organisations/${acme.organisationId}`)
      .set(acme.auth)
      .send({
        name: 'Acme Biologics plc',
        country: 'ie',
        website: 'https://acme.example/about',
        description: 'Monoclonal antibodies at 2,000 L scale.',
        kind: 'biomanufacturer',
      })
      .expect(200);
    expect(res.body).toMatchObject({
      name: 'Acme Biologics plc',
      country: 'IE',
      website: 'https://acme.example/about',
      description: 'Monoclonal antibodies at 2,000 L scale.',
      kind: 'biomanufacturer',
    });
    const seen = await request(app()).get(`/v1/organisations/${acme.organisationId}`).set(other.auth).expect(200);
    expect(seen.body).toMatchObject({ name: 'Acme Biologics plc', website: 'https://acme.example/about' });
    // Empty text or null clears an optional field.
    const cleared = await request(app())
      .patch(`/v1/organisations/${acme.organisationId}`)
      .set(acme.auth)
      .send({ website: '', description: null })
      .expect(200);
    expect(cleared.body).toMatchObject({ website: null, description: null, name: 'Acme Biologics plc' });
  });

  it('refuses anyone but its members with 403, and an unknown organisation with 404, changing nothing', async () => {
    const refused = await request(app())
      .patch(`/v1/organisations/${acme.organisationId}`)
      .set(other.auth)
      .send({ name: 'Hijacked' })
      .expect(403);
    expect(refused.type).toBe('application/problem+json');
    expect(refused.body.code).toBe('forbidden');
    await request(app())
      .patch('/v1/organisations/00000000-0000-4000-8000-000000000000')
      .set(acme.auth)
      .send({ name: 'Nobody' })
      .expect(404);
    const seen = await request(app()).get(`/v1/organisations/${acme.organisationId}`).set(other.auth).expect(200);
    expect(seen.body.name).toBe('Acme Biologics plc');
  });

  it.each([
    [{ website: 'javascript:alert(1)' }, 'website'],
    [{ website: 'ftp://acme.example' }, 'website'],
    [{ website: 'acme.example' }, 'website'],
    [{ description: 'x'.repeat(1001) }, 'description'],
    [{ name: '   ' }, 'name'],
    [{ country: 'GBR' }, 'country'],
    [{ kind: 'supplier' }, 'kind'],
    [{ kind: 'bakery' }, 'kind'],
    [{ owner: 'me' }, 'owner'],
  ])('answers %j with a 400 problem naming %s, and changes nothing', async (body, field) => {
    const before = await request(app()).get(`/v1/organisations/${acme.organisationId}`).set(acme.auth).expect(200);
    const res = await request(app())
      .patch(`/v1/organisations/${acme.organisationId}`)
      .set(acme.auth)
      .send({ name: 'Should not be saved', ...body })
      .expect(400);
    expect(res.type).toBe('application/problem+json');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    const after = await request(app()).get(`/v1/organisations/${acme.organisationId}`).set(acme.auth).expect(200);
    expect(after.body).toEqual(before.body);
  });

  it('answers 404 for an unknown organisation and 401 without a token', async () => {
    await request(app()).get('/v1/organisations/00000000-0000-4000-8000-000000000000').set(acme.auth).expect(404);
    await request(app()).get(`/v1/organisations/${acme.organisationId}`).expect(401);
    await request(app()).get('/v1/organisations/not-a-uuid').set(acme.auth).expect(400);
  });
});

describe('invitations', () => {
  let acme: Org;
  let outsider: Org;

  beforeAll(async () => {
    acme = await signup(app(), 'supplier', 'Inviting Instruments');
    outsider = await signup(app(), 'academic', 'Outside University');
  });

  it('emails the invitee a link whose page asks their name, and joining makes them a signed-in verified member', async () => {
    const email = 'bea.colleague@inviting.example';
    const res = await invite(acme, email).expect(201);
    expect(res.body).toMatchObject({ email, status: 'pending', sendCount: 1, invitedBy: { name: acme.name } });
    const listed = await request(app())
      .get(`/v1/organisations/${acme.organisationId}/invitations`)
      .set(acme.auth)
      .expect(200);
    expect(listed.body.items.map((i: { id: string }) => i.id)).toEqual([res.body.id]);

    const [link] = await waitForJoinLinks(email, 1);
    const [mail] = await w.smtp.to(email);
    expect(mail!.parsed.subject).toBe(`${acme.name} invites you to join Inviting Instruments on Roadmatch`);
    expect(mail!.parsed.text).toContain('works once');

    // Opening the link (as a mail scanner does) makes nothing; the page asks the name.
    const agent = request.agent(app());
    const page = await agent.get(link!).expect(200);
    expect(page.text).toContain('Join Inviting Instruments');
    expect(page.text).toContain(email);
    expect(await countUsers(email)).toBe(0);

    // No name: said beside the field, in plain words, with the typed timezone kept; nothing is made.
    const empty = await agent
      .post(link!)
      .type('form')
      .send({ _csrf: csrfOf(page.text), name: '  ', timezone: 'Europe/Paris' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('Enter your name.');
    expect(empty.text).toContain('value="Europe/Paris"');
    expect(await countUsers(email)).toBe(0);

    const joined = await agent
      .post(link!)
      .type('form')
      .send({ _csrf: csrfOf(page.text), name: 'Bea Colleague', timezone: 'Europe/Paris' });
    expect(joined.status).toBe(303);
    expect(joined.headers.location).toBe(`/organisations/${acme.organisationId}`);
    const profilePage = await agent.get(`/organisations/${acme.organisationId}`).expect(200);
    expect(profilePage.text).toContain('Bea Colleague <span class="muted">(you)</span>');
    expect(profilePage.text).toContain('Your organisation');

    const [user] = await w.t.db.sql<{ organisationId: string; verified: boolean; timezone: string }[]>`
      select organisation_id as "organisationId", verified_at is not null as verified, timezone
      from users where email = ${email}`;
    expect(user).toEqual({ organisationId: acme.organisationId, verified: true, timezone: 'Europe/Paris' });
    const profile = await request(app()).get(`/v1/organisations/${acme.organisationId}`).set(acme.auth).expect(200);
    expect(profile.body.members.map((m: { name: string }) => m.name)).toContain('Bea Colleague');
    // Used: no longer pending.
    const after = await request(app())
      .get(`/v1/organisations/${acme.organisationId}/invitations`)
      .set(acme.auth)
      .expect(200);
    expect(after.body.items).toEqual([]);
  });

  it('says a used link has been used, and makes no one twice', async () => {
    const email = 'used.twice@inviting.example';
    await invite(acme, email).expect(201);
    const [link] = await waitForJoinLinks(email, 1);
    const first = await join(link!, { name: 'Used Once', timezone: 'UTC' });
    expect(first.res.status).toBe(303);
    const again = await request(app()).get(link!);
    expect(again.status).toBe(410);
    expect(again.text).toContain('This invitation has been used');
    const second = await join(link!, { name: 'Used Twice', timezone: 'UTC' });
    expect(second.res.status).toBe(410);
    expect(await countUsers(email)).toBe(1);
  });

  it('says an expired link has expired, and makes nothing', async () => {
    const email = 'too.late@inviting.example';
    const res = await invite(acme, email).expect(201);
    const [link] = await waitForJoinLinks(email, 1);
    await w.t.db
      .sql`update organisation_invitations set expires_at = now() - interval '1 minute' where id = ${res.body.id}`;
    const page = await request(app()).get(link!);
    expect(page.status).toBe(410);
    expect(page.text).toContain('This invitation has expired');
    const listed = await request(app())
      .get(`/v1/organisations/${acme.organisationId}/invitations`)
      .set(acme.auth)
      .expect(200);
    expect(listed.body.items.find((i: { id: string }) => i.id === res.body.id)?.status).toBe('expired');
    expect(await countUsers(email)).toBe(0);
  });

  it('refuses a link whose text was changed', async () => {
    const email = 'tampered@inviting.example';
    await invite(acme, email).expect(201);
    const [link] = await waitForJoinLinks(email, 1);
    const changed = link!.slice(0, -2) + (link!.endsWith('A') ? 'BB' : 'AA');
    const page = await request(app()).get(changed);
    expect(page.status).toBe(400);
    expect(page.text).toContain('This invitation link is not valid');
  });

  it('sends a pending invitation again rather than adding another', async () => {
    const email = 'twice.asked@inviting.example';
    const first = await invite(acme, email).expect(201);
    await waitForJoinLinks(email, 1);
    // Sent again: 200, the same invitation (201 is for a new one).
    const second = await invite(acme, email.toUpperCase()).expect(200);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.sendCount).toBe(2);
    const links = await waitForJoinLinks(email, 2);
    expect(links).toHaveLength(2);
    const listed = await request(app())
      .get(`/v1/organisations/${acme.organisationId}/invitations`)
      .set(acme.auth)
      .expect(200);
    expect(listed.body.items.filter((i: { email: string }) => i.email.toLowerCase() === email)).toHaveLength(1);
  });

  it('answers an address with an account elsewhere as any other, and emails it nothing', async () => {
    // An address without an account, and one of another organisation: the same answers, the same lists.
    const fresh = 'nobody.yet@inviting.example';
    const answers = [
      await invite(acme, fresh).expect(201),
      await invite(acme, outsider.email.toUpperCase()).expect(201),
    ];
    const shape = (body: Record<string, unknown>) => ({
      ...body,
      id: 'id',
      email: 'email',
      expiresAt: 'x',
      lastSentAt: 'x',
      createdAt: 'x',
    });
    expect(shape(answers[1]!.body)).toEqual(shape(answers[0]!.body));
    expect(answers[1]!.body).toMatchObject({ status: 'pending', sendCount: 1 });
    const again = await invite(acme, outsider.email).expect(200);
    expect(again.body).toMatchObject({ id: answers[1]!.body.id, status: 'pending', sendCount: 2 });
    const listed = await request(app())
      .get(`/v1/organisations/${acme.organisationId}/invitations`)
      .set(acme.auth)
      .expect(200);
    expect(listed.body.items.map((i: { id: string }) => i.id)).toEqual(
      expect.arrayContaining([answers[0]!.body.id, answers[1]!.body.id]),
    );

    // The worker finishes both sends of the registered address without an email; the fresh one gets its link.
    await waitForJoinLinks(fresh, 1);
    await until(async () => {
      const [row] = await w.t.db.sql<{ emailed: number }[]>`
        select emailed_send_count as emailed from organisation_invitations where id = ${answers[1]!.body.id}`;
      return row!.emailed === 2;
    });
    expect(await w.smtp.to(outsider.email)).toEqual([]);
    // Nor is it cancelled: the inviter sees it pending, as any other, until it expires.
    const [state] = await w.t.db.sql<{ cancelled: boolean }[]>`
      select cancelled_at is not null as cancelled from organisation_invitations where id = ${answers[1]!.body.id}`;
    expect(state!.cancelled).toBe(false);

    // Its link, if its holder ever had it, says the address has an account, and makes no one.
    const token = signLink(w.t.config.appSecret, {
      action: 'join-organisation',
      userId: '',
      targetId: answers[1]!.body.id,
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
    const opened = await join(`/join/${token}`, { name: 'Someone Else', timezone: 'UTC' });
    expect(opened.res.status).toBe(410);
    expect(opened.res.text).toContain('This address already has an account');
    expect(await countUsers(outsider.email)).toBe(1);
  });

  it('answers 409 for the address of one of its own members, whom its members see anyway', async () => {
    const member = await invite(acme, acme.email.toUpperCase()).expect(409);
    expect(member.type).toBe('application/problem+json');
    expect(member.body.code).toBe('already_member');
    expect(member.body.detail).toBe('This address is already a member of Inviting Instruments.');
  });

  it('sends what a lost job owed at the next tick, once', async () => {
    const email = 'lost.job@inviting.example';
    const queue = w.t.deps.notificationsQueue;
    // Redis loses the job before any worker takes it.
    await w.worker.notifications.pause();
    let id: string;
    try {
      id = (await invite(acme, email).expect(201)).body.id as string;
      const job = await queue.getJob(`organisation-invitation-${id}-1`);
      expect(job).toBeDefined();
      await job!.remove();
    } finally {
      w.worker.notifications.resume();
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await joinLinks(email)).toEqual([]);

    const tick = async () =>
      (await jobFinished(w.t, await queue.add('introductions-tick', {}))) as {
        organisationInvitations: { owed: number; enqueued: number };
      };
    const first = await tick();
    expect(first.organisationInvitations.enqueued).toBeGreaterThanOrEqual(1);
    const [link] = await waitForJoinLinks(email, 1);
    expect(link).toMatch(/^\/join\//);
    await until(async () => {
      const [row] = await w.t.db.sql<{ emailed: number }[]>`
        select emailed_send_count as emailed from organisation_invitations where id = ${id}`;
      return row!.emailed === 1;
    });
    // Nothing is owed any more: the next tick sends nothing again.
    const second = await tick();
    expect(second.organisationInvitations.owed).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(await joinLinks(email)).toHaveLength(1);
  });

  it('refuses a bad address with a 400 and non-members with a 403', async () => {
    const bad = await invite(acme, 'not an address').expect(400);
    expect(bad.body.errors[0].field).toBe('email');
    await invite(outsider, 'someone@inviting.example', nextIp(), acme.organisationId).expect(403);
    await request(app()).get(`/v1/organisations/${acme.organisationId}/invitations`).set(outsider.auth).expect(403);
  });

  it('cancels a pending invitation: its link stops working', async () => {
    const email = 'cancelled@inviting.example';
    const res = await invite(acme, email).expect(201);
    const [link] = await waitForJoinLinks(email, 1);
    await request(app())
      .delete(`/v1/organisations/${acme.organisationId}/invitations/${res.body.id}`)
      .set(outsider.auth)
      .expect(403);
    await request(app())
      .delete(`/v1/organisations/${acme.organisationId}/invitations/${res.body.id}`)
      .set(acme.auth)
      .expect(204);
    await request(app())
      .delete(`/v1/organisations/${acme.organisationId}/invitations/${res.body.id}`)
      .set(acme.auth)
      .expect(404);
    const page = await request(app()).get(link!);
    expect(page.status).toBe(410);
    expect(page.text).toContain('This invitation no longer works');
    expect(await countUsers(email)).toBe(0);
  });

  it('is limited per address like the other endpoints that send email', async () => {
    const email = 'flooded@inviting.example';
    const ip = nextIp();
    for (let i = 0; i < 10; i++) await invite(acme, email, ip).expect(i === 0 ? 201 : 200);
    const over = await invite(acme, email, ip).expect(429);
    expect(over.body.code).toBe('rate_limited');
    expect(over.headers['retry-after']).toBeDefined();
  });
});

describe('removing members', () => {
  it("ends a removed member's tokens and sessions at once, and never removes the last member", async () => {
    const org = await signup(app(), 'hub', 'Removal Hub');
    const email = 'leaving.soon@removal.example';
    await invite(org, email).expect(201);
    const [link] = await waitForJoinLinks(email, 1);
    const { agent, res } = await join(link!, { name: 'Leaving Soon', timezone: 'UTC' });
    expect(res.status).toBe(303);
    const [removed] = await w.t.db.sql<{ id: string }[]>`select id from users where email = ${email}`;
    const removedId = removed!.id;
    // The new member signs in and makes an API token on the settings page.
    const settings = await agent.get('/settings').expect(200);
    const made = await agent
      .post('/settings/tokens')
      .type('form')
      .send({ _csrf: csrfOf(settings.text), name: 'script' })
      .expect(201);
    const token = /id="new-token" readonly value="([^"]+)"/.exec(made.text)![1]!;
    await request(app()).get('/v1/me').set('Authorization', `Bearer ${token}`).expect(200);

    const outsider = await signup(app(), 'supplier', 'Not Them Ltd');
    await request(app())
      .delete(`/v1/organisations/${org.organisationId}/members/${removedId}`)
      .set(outsider.auth)
      .expect(403);
    await request(app())
      .delete(`/v1/organisations/${org.organisationId}/members/${outsider.userId}`)
      .set(org.auth)
      .expect(404);

    await request(app())
      .delete(`/v1/organisations/${org.organisationId}/members/${removedId}`)
      .set(org.auth)
      .expect(204);
    await request(app()).get('/v1/me').set('Authorization', `Bearer ${token}`).expect(401);
    // The removed person is told, at the address they had, who removed them and that their account is gone.
    await until(async () => (await w.smtp.to(email)).some((m) => /removed you/.test(m.parsed.subject ?? '')));
    const told = (await w.smtp.to(email)).filter((m) => /removed you/.test(m.parsed.subject ?? ''));
    expect(told).toHaveLength(1);
    expect(told[0]!.parsed.subject).toBe(`${org.name} removed you from Removal Hub on Roadmatch`);
    expect(told[0]!.parsed.text).toContain(
      `Hello Leaving Soon, ${org.name} removed you from Removal Hub on Roadmatch, and your account has been deleted`,
    );
    expect(told[0]!.parsed.text).not.toMatch(/https?:\/\/\S+\/(join|signin|a)\//);
    const page = await agent.get(`/organisations/${org.organisationId}`);
    expect(page.status).toBe(303);
    expect(page.headers.location).toMatch(/^\/signin/);
    const profile = await request(app()).get(`/v1/organisations/${org.organisationId}`).set(org.auth).expect(200);
    expect(profile.body.members.map((m: { id: string }) => m.id)).toEqual([org.userId]);

    // The last member stays: they delete their account instead.
    const last = await request(app())
      .delete(`/v1/organisations/${org.organisationId}/members/${org.userId}`)
      .set(org.auth)
      .expect(409);
    expect(last.body.code).toBe('last_member');
    await request(app()).get('/v1/me').set(org.auth).expect(200);
  });

  it('lets a member leave while another stays', async () => {
    const org = await signup(app(), 'academic', 'Leaving Lab');
    const email = 'stays.on@leaving.example';
    await invite(org, email).expect(201);
    const [link] = await waitForJoinLinks(email, 1);
    expect((await join(link!, { name: 'Stays On', timezone: 'UTC' })).res.status).toBe(303);
    await request(app())
      .delete(`/v1/organisations/${org.organisationId}/members/${org.userId}`)
      .set(org.auth)
      .expect(204);
    await request(app()).get('/v1/me').set(org.auth).expect(401);
    const [row] = await w.t.db.sql<{ names: string[] }[]>`
      select array_agg(name) as names from users where organisation_id = ${org.organisationId}`;
    expect(row!.names).toEqual(['Stays On']);
    // Leaving is no removal by another: nobody is emailed about it.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await w.smtp.to(org.email)).filter((m) => /removed you/.test(m.parsed.subject ?? ''))).toEqual([]);
  });
});

describe('two members leaving at once', () => {
  it('leave the organisation one member, never none', async () => {
    const org = await signup(app(), 'agency', 'Racing Agency');
    const email = 'racer@racing.example';
    await invite(org, email).expect(201);
    const [link] = await waitForJoinLinks(email, 1);
    const { agent } = await join(link!, { name: 'Racer', timezone: 'UTC' });
    const [second] = await w.t.db.sql<{ id: string }[]>`select id from users where email = ${email}`;
    const settings = await agent.get('/settings').expect(200);
    const made = await agent
      .post('/settings/tokens')
      .type('form')
      .send({ _csrf: csrfOf(settings.text), name: 'race' })
      .expect(201);
    const secondAuth = { Authorization: `Bearer ${/id="new-token" readonly value="([^"]+)"/.exec(made.text)![1]!}` };

    const answers = await Promise.all([
      request(app()).delete(`/v1/organisations/${org.organisationId}/members/${org.userId}`).set(org.auth),
      request(app()).delete(`/v1/organisations/${org.organisationId}/members/${second!.id}`).set(secondAuth),
    ]);
    // One leaves; the other is refused as the last member (or, had the first finished before the second
    // was even read, finds its own token gone).
    const [first, other] = answers.map((a) => a.status).sort();
    expect(first).toBe(204);
    expect([401, 409]).toContain(other);
    const [left] = await w.t.db.sql<{ n: number }[]>`
      select count(*)::int as n from users where organisation_id = ${org.organisationId}`;
    expect(left!.n).toBe(1);
  });
});

describe('the profile page', () => {
  it('keeps a refused invitation beside its field with the typed address, and refuses non-members', async () => {
    const org = await signup(app(), 'biomanufacturer', 'Page Pharma');
    const registered = await signup(app(), 'supplier', 'Already There Ltd');
    const agent = request.agent(app());
    expect((await signInThroughPages(w, agent, org.email)).status).toBe(303);
    const page = await agent.get(`/organisations/${org.organisationId}`).expect(200);
    const post = (action: string, fields: Record<string, string>) =>
      agent
        .post(action)
        .set('X-Forwarded-For', nextIp())
        .type('form')
        .send(new URLSearchParams({ _csrf: csrfOf(page.text), ...fields }).toString());

    // The address of a member: said beside the field, with what was typed.
    const taken = await post(`/organisations/${org.organisationId}/invitations`, { email: org.email });
    expect(taken.status).toBe(409);
    expect(taken.text).toContain(`value="${org.email}"`);
    expect(taken.text).toMatch(
      /id="invite-email-error" class="error">This address is already a member of Page Pharma\./,
    );

    const bad = await post(`/organisations/${org.organisationId}/invitations`, { email: 'ravi at lumen' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('value="ravi at lumen"');
    expect(bad.text).toContain('Enter an email address such as name@example.com.');

    const emptyName = await post(`/organisations/${org.organisationId}`, {
      organisationName: '',
      country: 'GB',
      website: 'https://page.example',
      description: 'Kept as typed',
    });
    expect(emptyName.status).toBe(400);
    expect(emptyName.text).toMatch(/id="organisationName-error" class="error">Enter your organisation’s name\./);
    expect(emptyName.text).toContain('Kept as typed</textarea>');
    expect(emptyName.text).toContain('value="https://page.example"');
    const [row] = await w.t.db.sql<{ name: string; website: string | null }[]>`
      select name, website from organisations where id = ${org.organisationId}`;
    expect(row).toEqual({ name: 'Page Pharma', website: null });

    // Another organisation's profile: readable, but not editable.
    const theirs = await agent.get(`/organisations/${registered.organisationId}`).expect(200);
    expect(theirs.text).not.toContain('Edit the profile');
    expect(theirs.text).not.toContain(registered.email);
    const refused = await post(`/organisations/${registered.organisationId}`, {
      organisationName: 'Taken over',
      country: 'GB',
    });
    expect(refused.status).toBe(403);
    const [other] = await w.t.db.sql<{ name: string }[]>`
      select name from organisations where id = ${registered.organisationId}`;
    expect(other!.name).toBe('Already There Ltd');
  });

  it('redirects after an invitation (a reload sends nothing), and confirms it the same for any address', async () => {
    const org = await signup(app(), 'supplier', 'Redirect Reagents');
    const registered = await signup(app(), 'academic', 'Elsewhere Institute');
    const agent = request.agent(app());
    expect((await signInThroughPages(w, agent, org.email)).status).toBe(303);
    const page = await agent.get(`/organisations/${org.organisationId}`).expect(200);
    const inviteByPage = (email: string) =>
      agent
        .post(`/organisations/${org.organisationId}/invitations`)
        .set('X-Forwarded-For', nextIp())
        .type('form')
        .send(new URLSearchParams({ _csrf: csrfOf(page.text), email }).toString());
    const sendCount = async (email: string) =>
      (
        await w.t.db.sql<{ n: number }[]>`
          select send_count as n from organisation_invitations
          where organisation_id = ${org.organisationId} and lower(email) = lower(${email})`
      )[0]?.n;

    const fresh = 'new.colleague@redirect.example';
    const sent = await inviteByPage(fresh);
    expect(sent.status).toBe(303);
    expect(sent.headers.location).toMatch(
      new RegExp(`^/organisations/${org.organisationId}\\?invited=[0-9a-f-]{36}#invite$`),
    );
    const shown = await agent.get(sent.headers.location!).expect(200);
    expect(shown.text).toContain(`An invitation is on its way to ${fresh}.`);
    // Reloading the page it landed on sends nothing again.
    await agent.get(sent.headers.location!).expect(200);
    expect(await sendCount(fresh)).toBe(1);
    await waitForJoinLinks(fresh, 1);

    // An address with an account elsewhere: the same redirect, the same words, listed as pending.
    const elsewhere = await inviteByPage(registered.email);
    expect(elsewhere.status).toBe(303);
    const elsewherePage = await agent.get(elsewhere.headers.location!).expect(200);
    expect(elsewherePage.text).toContain(`An invitation is on its way to ${registered.email}.`);
    expect(elsewherePage.text).toContain(`<td>${registered.email}</td>`);

    // "Send again" says so.
    const resent = await inviteByPage(fresh);
    expect(resent.status).toBe(303);
    expect((await agent.get(resent.headers.location!).expect(200)).text).toContain(
      `The invitation was sent again to ${fresh}.`,
    );
    expect(await sendCount(fresh)).toBe(2);
    // The confirmation reads the invitation, not the address bar: an unknown id confirms nothing.
    const unknown = await agent
      .get(`/organisations/${org.organisationId}?invited=00000000-0000-4000-8000-000000000000`)
      .expect(200);
    expect(unknown.text).not.toContain('on its way');

    // Saving the profile redirects too, and says it was saved.
    const saved = await agent
      .post(`/organisations/${org.organisationId}`)
      .type('form')
      .send(
        new URLSearchParams({
          _csrf: csrfOf(page.text),
          organisationName: 'Redirect Reagents AG',
          country: 'CH',
          website: '',
          description: '',
        }).toString(),
      );
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe(`/organisations/${org.organisationId}?saved=1#profile`);
    const after = await agent.get(saved.headers.location!).expect(200);
    expect(after.text).toContain('<p role="status" class="badge">Saved.</p>');
    expect(after.text).toContain('<h1>Redirect Reagents AG</h1>');
  });

  it('says a web address without its scheme and a long description in the shared plain words', async () => {
    const org = await signup(app(), 'hub', 'Words Hub');
    const agent = request.agent(app());
    expect((await signInThroughPages(w, agent, org.email)).status).toBe(303);
    const page = await agent.get(`/organisations/${org.organisationId}`).expect(200);
    const res = await agent
      .post(`/organisations/${org.organisationId}`)
      .type('form')
      .send(
        new URLSearchParams({
          _csrf: csrfOf(page.text),
          organisationName: 'Words Hub',
          country: 'GB',
          website: 'words.example',
          description: 'x'.repeat(1001),
        }).toString(),
      );
    expect(res.status).toBe(400);
    expect(res.text).toContain(
      'id="website-error" class="error">Enter a web address starting with http:// or https://, such as https://example.com.',
    );
    expect(res.text).toContain(
      'id="description-error" class="error">Keep the description to 1,000 characters or fewer.',
    );
    const empty = await agent
      .post(`/organisations/${org.organisationId}/invitations`)
      .set('X-Forwarded-For', nextIp())
      .type('form')
      .send(new URLSearchParams({ _csrf: csrfOf(page.text), email: '' }).toString());
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('id="invite-email-error" class="error">Enter your colleague’s work email address.');
  });
});

describe('joining while the last member leaves', () => {
  /** An organisation of one member, with an invitation emailed: the link. */
  async function invited(name: string, email: string) {
    const org = await signup(app(), 'supplier', name);
    await invite(org, email).expect(201);
    const [link] = await waitForJoinLinks(email, 1);
    return { org, link: link! };
  }

  it('shows "no longer works" when the join and the deletion wait on each other (a deadlock)', async () => {
    const email = 'deadlocked@race.example';
    const { org, link } = await invited('Deadlock Devices', email);
    const agent = request.agent(app());
    const page = await agent.get(link).expect(200);
    // The last member's deletion holds the organisation's row, as deleteAccount's lockOrganisationMembers does.
    let joined: request.Response | undefined;
    await w.t.db.sql.begin(async (tx) => {
      await tx`select 1 from organisations where id = ${org.organisationId} for update`;
      const joining = agent
        .post(link)
        .type('form')
        .send(new URLSearchParams({ _csrf: csrfOf(page.text), name: 'Racing Joiner', timezone: 'UTC' }).toString())
        .then((r) => (joined = r));
      // The join holds its invitation and waits for the organisation's row (its new member's foreign key)...
      await until(async () => {
        const [row] = await w.t.db.sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and query ilike 'insert into "users"%'`;
        return row!.n > 0;
      }, 10_000);
      // ...and the deletion goes on to the organisation's invitations: each waits for the other.
      await tx`delete from organisations where id = ${org.organisationId}`;
      await joining;
    });
    expect(joined!.status).toBe(410);
    expect(joined!.text).toContain('This invitation no longer works');
    expect(await countUsers(email)).toBe(0);
  });

  it('shows "no longer works" when the organisation is gone as the member is made (a foreign key violation)', async () => {
    const email = 'foreign.key@race.example';
    const { link } = await invited('Vanishing Vials', email);
    // The moment the organisation goes between the invitation's lock and the new member's row, as PostgreSQL
    // reports it.
    await w.t.db.sql.unsafe(`
      create or replace function test_vanished_organisation() returns trigger language plpgsql as $$
      begin
        if new.email = '${email}' then
          raise exception 'insert or update on table "users" violates foreign key constraint'
            using errcode = 'foreign_key_violation';
        end if;
        return new;
      end $$;
      create trigger test_vanished_organisation before insert on users
        for each row execute function test_vanished_organisation();`);
    try {
      const { res } = await join(link, { name: 'Too Late', timezone: 'UTC' });
      expect(res.status).toBe(410);
      expect(res.text).toContain('This invitation no longer works');
    } finally {
      await w.t.db.sql.unsafe(`
        drop trigger test_vanished_organisation on users;
        drop function test_vanished_organisation();`);
    }
    expect(await countUsers(email)).toBe(0);
  });
});

describe('logs', () => {
  it('never hold the token of a join link', async () => {
    const links = (await w.smtp.messages()).flatMap((m) => linksIn(m.parsed.text ?? '', 'Join')).map(pathOf);
    expect(links.length).toBeGreaterThan(5);
    const log = logLines.join('');
    expect(log).toContain('/join/[redacted]');
    for (const link of links) expect(log).not.toContain(link.slice('/join/'.length));
  });
});
