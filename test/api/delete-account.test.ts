import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newToken } from '../../api/auth.js';
import { startMailWorld, type MailWorld } from '../mail-world.js';
import { sampleNeed, sampleOffering, signup, TEST_ADMIN_TOKEN, uniqueName } from '../helpers.js';
import { signInThroughPages, submit } from '../web/forms.js';

let w: MailWorld;
beforeAll(async () => {
  w = await startMailWorld();
});
afterAll(async () => {
  await w?.close();
});

const app = () => w.t.app;
type Person = Awaited<ReturnType<typeof signup>>;

/** A second person of an organisation, verified, with an API token (as a colleague who joined would be). */
async function addColleague(of: Person, name: string): Promise<Person> {
  const email = `${uniqueName('colleague')}@example.com`;
  const [user] = await w.t.db.sql<{ id: string }[]>`
    insert into users (organisation_id, name, email, verified_at)
    values (${of.organisationId}, ${name}, ${email}, now()) returning id`;
  const { token, hash } = newToken();
  await w.t.db.sql`insert into api_tokens (user_id, name, token_hash) values (${user!.id}, 'test', ${hash})`;
  return {
    ...of,
    token,
    userId: user!.id,
    name,
    email,
    auth: { Authorization: `Bearer ${token}` },
  };
}

/** Every table of the schema, each row read as text, for the needles given: answers `table: row` of each hit. */
async function traces(needles: string[]): Promise<string[]> {
  const tables = await w.t.db.sql<{ name: string }[]>`
    select tablename as name from pg_tables where schemaname = 'public' order by 1`;
  expect(tables.length).toBeGreaterThan(25);
  const hits: string[] = [];
  for (const { name } of tables) {
    const rows = await w.t.db.sql<{ row: string }[]>`
      select t::text as row from ${w.t.db.sql(name)} t
      where lower(t::text) like any(${needles.map((n) => `%${n.toLowerCase()}%`)}::text[])`;
    hits.push(...rows.map((r) => `${name}: ${r.row}`));
  }
  return hits;
}

async function charterVersion(auth: Record<string, string>) {
  return (await request(app()).get('/v1/charter').set(auth).expect(200)).body.version as string;
}

describe('DELETE /v1/me', () => {
  it('deletes the last member with their organisation, its posts and everything hanging from them: nothing of theirs remains in any table', async () => {
    const leaver = await signup(app(), 'biomanufacturer', 'Leaving Biologics');
    const supplier = await signup(app(), 'supplier', 'Staying Probes');
    const other = await signup(app(), 'biomanufacturer', 'Staying Biologics');

    // The leaver's posts: an anonymous need (saved with an Idempotency-Key: its answer is kept) and an offering.
    const need = await request(app())
      .post('/v1/needs')
      .set(leaver.auth)
      .set('Idempotency-Key', uniqueName('key'))
      .send(sampleNeed({ anonymous: true, title: 'Raman glucose control at the leaving company' }))
      .expect(201);
    const offering = await request(app())
      .post('/v1/offerings')
      .set(leaver.auth)
      .send(sampleOffering({ title: 'Spare Raman probes of the leaving company', trl: 6 }))
      .expect(201);
    await request(app()).post('/v1/offerings').set(supplier.auth).send(sampleOffering()).expect(201);
    const otherNeed = await request(app())
      .post('/v1/needs')
      .set(other.auth)
      .send(
        sampleNeed({
          title: 'In-line Raman for glucose and lactate in fed-batch',
          openTo: ['supplier', 'biomanufacturer'],
        }),
      )
      .expect(201);
    // A second token, a web session (and its sign-in link), what they follow.
    await request(app()).post('/v1/tokens').set(leaver.auth).send({ name: 'laptop' }).expect(201);
    const agent = request.agent(app());
    expect((await signInThroughPages(w, agent, leaver.email)).status).toBe(303);
    await agent.get('/settings').expect(200);
    await request(app())
      .put('/v1/me/follows')
      .set(leaver.auth)
      .send({ capabilities: ['imrr.spectroscopic-pat'], areas: [] })
      .expect(200);
    await w.matched();

    // Digests for everyone, about each other's posts.
    await w.runDigests();
    const leaverDigests = await w.t.db.sql`select 1 from digest_items where user_id = ${leaver.userId}`;
    expect(leaverDigests.length).toBeGreaterThan(0);

    // An introduction, accepted (its emails recorded as sent to the leaver).
    const matches = (await request(app()).get(`/v1/needs/${need.body.id}/matches`).set(leaver.auth).expect(200)).body
      .items as { id: string; offering: { organisation: { id: string } } }[];
    const supplierMatch = matches.find((m) => m.offering.organisation.id === supplier.organisationId)!;
    expect(supplierMatch).toBeDefined();
    const asked = await request(app())
      .post(`/v1/matches/${supplierMatch.id}/introductions`)
      .set(supplier.auth)
      .send({ message: 'We make Raman probes.' })
      .expect(201);
    await request(app()).post(`/v1/introductions/${asked.body.id}/accept`).set(leaver.auth).expect(200);
    await w.introductionEmailsSent();

    // A consortium another organisation convenes, which the leaver's organisation joins by its need.
    const version = await charterVersion(other.auth);
    const consortium = await request(app())
      .post('/v1/consortia')
      .set(other.auth)
      .send({
        title: 'Raman glucose control working group',
        scope: 'Agree common requirements for in-line Raman glucose models.',
        needIds: [otherNeed.body.id],
        acceptCharter: true,
        charterVersion: version,
      })
      .expect(201);
    await request(app())
      .post(`/v1/consortia/${consortium.body.id}/invitations`)
      .set(other.auth)
      .send({ needId: need.body.id })
      .expect(201);
    await request(app())
      .post(`/v1/consortia/${consortium.body.id}/join`)
      .set(leaver.auth)
      .send({ acceptCharter: true, charterVersion: version })
      .expect(200);

    // Their ids, address, names (the person's is "Person at Leaving Biologics") and their posts' titles.
    const needles = [
      leaver.userId,
      leaver.organisationId,
      need.body.id,
      offering.body.id,
      leaver.email,
      leaver.organisationName,
      'of the leaving company',
      'at the leaving company',
    ];
    expect((await traces(needles)).length).toBeGreaterThan(10);

    await request(app()).delete('/v1/me').set(leaver.auth).expect(204);

    expect(await traces(needles)).toEqual([]);
    // The consortium log keeps every entry (it is append-only), with their names and post erased.
    const log = (await request(app()).get(`/v1/consortia/${consortium.body.id}/log`).set(other.auth).expect(200)).body
      .items as { action: string; organisation: { name: string } | null; detail: Record<string, unknown> }[];
    expect(log.map((l) => l.action)).toEqual(expect.arrayContaining(['created', 'invited', 'joined']));
    expect(log.find((l) => l.action === 'invited')!.detail).toMatchObject({ withdrawn: true });
    expect(log.filter((l) => l.organisation?.name === 'a former member organisation').length).toBeGreaterThan(0);
    // Still append-only for anyone else.
    await expect(w.t.db.sql`update consortium_log set detail = '{}'`).rejects.toThrow(/append-only/);

    // Their tokens and session no longer work; the others go on.
    const gone = await request(app()).get('/v1/me').set(leaver.auth).expect(401);
    expect(gone.headers['content-type']).toMatch(/^application\/problem\+json/);
    await agent.get('/settings').expect(303);
    await request(app()).get('/v1/me').set(supplier.auth).expect(200);
    const stillThere = await request(app()).get(`/v1/consortia/${consortium.body.id}`).set(other.auth).expect(200);
    expect(stillThere.body.title).toBe('Raman glucose control working group');
    const introductions = await request(app()).get('/v1/introductions').set(supplier.auth).expect(200);
    expect(introductions.body.items).toEqual([]);
  });

  it('keeps what a non-last member did with their organisation: their introductions say "a former member"', async () => {
    const first = await signup(app(), 'biomanufacturer', 'Team Biologics');
    const leaving = await addColleague(first, 'Lena Leaving');
    const supplier = await signup(app(), 'supplier', 'Team Probes');
    const need = await request(app())
      .post('/v1/needs')
      .set(leaving.auth)
      .send(sampleNeed({ title: 'Raman for the team' }))
      .expect(201);
    await request(app()).post('/v1/offerings').set(supplier.auth).send(sampleOffering()).expect(201);
    const later = await signup(app(), 'supplier', 'Answering Later Probes');
    await request(app()).post('/v1/offerings').set(later.auth).send(sampleOffering()).expect(201);
    await w.matched();
    const matches = (await request(app()).get(`/v1/needs/${need.body.id}/matches`).set(leaving.auth).expect(200)).body
      .items as { id: string; offering: { organisation: { id: string } } }[];
    const match = matches.find((m) => m.offering.organisation.id === supplier.organisationId)!;
    const laterMatch = matches.find((m) => m.offering.organisation.id === later.organisationId)!;
    // One request still pending when she leaves.
    const pending = await request(app())
      .post(`/v1/matches/${laterMatch.id}/introductions`)
      .set(leaving.auth)
      .send({ message: 'Lena again: could we talk?' })
      .expect(201);
    const asked = await request(app())
      .post(`/v1/matches/${match.id}/introductions`)
      .set(leaving.auth)
      .send({ message: 'Lena here: we would like to pilot your probes.' })
      .expect(201);
    await request(app()).post(`/v1/introductions/${asked.body.id}/accept`).set(supplier.auth).expect(200);
    await w.introductionEmailsSent();
    const before = await request(app()).get(`/v1/introductions/${asked.body.id}`).set(first.auth).expect(200);
    expect(before.body.requester).toEqual({ name: 'Lena Leaving' });

    await request(app()).delete('/v1/me').set(leaving.auth).expect(204);

    await request(app()).get('/v1/me').set(leaving.auth).expect(401);
    await request(app()).get('/v1/me').set(first.auth).expect(200);
    for (const who of [first, supplier]) {
      const after = await request(app()).get(`/v1/introductions/${asked.body.id}`).set(who.auth).expect(200);
      expect(after.body).toMatchObject({
        status: 'accepted',
        message: 'Lena here: we would like to pilot your probes.',
        requester: { name: 'a former member' },
        contacts: {
          requester: { name: 'a former member', email: null, organisation: { name: 'Team Biologics' } },
          responder: { email: supplier.email },
        },
      });
      expect(JSON.stringify(after.body)).not.toContain(leaving.email);
    }
    // Accepted after she left: the other side's email introduces "a former member", and none goes to her.
    const emailsToHer = (await w.smtp.to(leaving.email)).length;
    await request(app()).post(`/v1/introductions/${pending.body.id}/accept`).set(later.auth).expect(200);
    await w.introductionEmailsSent();
    const [accepted] = (await w.smtp.to(later.email)).filter((m) => /^Introduction:/.test(m.parsed.subject ?? ''));
    expect(accepted!.parsed.text).toContain(
      'Meet a former member of Team Biologics, who has since left Roadmatch: write to Team Biologics.',
    );
    expect(accepted!.parsed.html).toContain('<strong>a former member</strong> of <strong>Team Biologics</strong>');
    expect(accepted!.parsed.text).not.toContain(leaving.email);
    expect((await w.smtp.to(leaving.email)).length).toBe(emailsToHer);

    // The need stays with the organisation.
    await request(app()).get(`/v1/needs/${need.body.id}`).set(first.auth).expect(200);
    // And the colleague's introductions page says so.
    const agent = request.agent(app());
    await signInThroughPages(w, agent, first.email);
    const page = await agent.get('/introductions').expect(200);
    expect(page.text).toContain('Asked by:</strong> a former member');
    expect(page.text).toContain('a former member (Team Biologics)');
    expect(page.text).not.toContain('Lena Leaving');
  });

  it('refuses the last member of an organisation convening a consortium others are in, until it is closed', async () => {
    const convener = await signup(app(), 'biomanufacturer', 'Convening Biologics');
    const joiner = await signup(app(), 'biomanufacturer', 'Joining Biologics');
    const need = await request(app()).post('/v1/needs').set(convener.auth).send(sampleNeed()).expect(201);
    const joinerNeed = await request(app()).post('/v1/needs').set(joiner.auth).send(sampleNeed()).expect(201);
    const version = await charterVersion(convener.auth);
    const consortium = await request(app())
      .post('/v1/consortia')
      .set(convener.auth)
      .send({
        title: 'Convened and then left',
        scope: 'Agree common requirements for in-line Raman glucose models.',
        needIds: [need.body.id],
        acceptCharter: true,
        charterVersion: version,
      })
      .expect(201);
    await request(app())
      .post(`/v1/consortia/${consortium.body.id}/invitations`)
      .set(convener.auth)
      .send({ needId: joinerNeed.body.id })
      .expect(201);
    await request(app())
      .post(`/v1/consortia/${consortium.body.id}/join`)
      .set(joiner.auth)
      .send({ acceptCharter: true, charterVersion: version })
      .expect(200);

    const refused = await request(app()).delete('/v1/me').set(convener.auth).expect(409);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({
      code: 'convener_of_consortium',
      consortia: [{ id: consortium.body.id, title: 'Convened and then left' }],
    });
    expect(refused.body.detail).toContain('Close it first');
    await request(app()).get('/v1/me').set(convener.auth).expect(200);

    // Closed, it goes with its convener (the log's rows with it, by the foreign key's own action).
    await request(app()).post(`/v1/consortia/${consortium.body.id}/close`).set(convener.auth).expect(200);
    await request(app()).delete('/v1/me').set(convener.auth).expect(204);
    await request(app()).get(`/v1/consortia/${consortium.body.id}`).set(joiner.auth).expect(404);
    const log = await w.t.db.sql`select 1 from consortium_log where consortium_id = ${consortium.body.id}`;
    expect(log.length).toBe(0);
  });

  it('answers 401 problem+json without a person: no token, or the operator’s', async () => {
    const none = await request(app()).delete('/v1/me').expect(401);
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    const operator = await request(app())
      .delete('/v1/me')
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .expect(401);
    expect(operator.body).toMatchObject({ code: 'unauthorized' });
    expect(operator.body.detail).toMatch(/API token/);
  });

  it('deletes from the settings page after its confirmation step, and signs out', async () => {
    const person = await signup(app(), 'supplier', 'Web Leaving Probes');
    const agent = request.agent(app());
    await signInThroughPages(w, agent, person.email);
    const settings = await agent.get('/settings').expect(200);
    expect(settings.text).toContain('href="/settings/delete"');
    const confirm = await agent.get('/settings/delete').expect(200);
    expect(confirm.text).toContain('you are the last member of <strong>Web Leaving Probes</strong>');
    const done = await submit(agent, '/settings/delete', '/settings/delete', {});
    expect(done.status).toBe(200);
    expect(done.text).toContain('Your account is deleted');
    expect(done.text).not.toContain('Sign out');
    await agent.get('/settings').expect(303);
    await request(app()).get('/v1/me').set(person.auth).expect(401);
    expect(await w.t.db.sql`select 1 from organisations where id = ${person.organisationId}`).toHaveLength(0);
  });
});
