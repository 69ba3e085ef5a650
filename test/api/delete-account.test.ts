import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newToken } from '../../api/auth.js';
import { startMailWorld, until, type MailWorld } from '../mail-world.js';
import { Redis } from 'ioredis';
import { REDIS_URL, sampleNeed, sampleOffering, signup, TEST_ADMIN_TOKEN, uniqueName } from '../helpers.js';
import { signInThroughPages, submit } from '../web/forms.js';
import { sterilityNeeds } from '../community-fixtures.js';
import { regroupMarked } from '../../db/queries/common-needs.js';

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

/** Every key under the test's queue prefix whose name or value holds one of the needles. */
async function redisTraces(needles: string[]): Promise<string[]> {
  const redis = new Redis(REDIS_URL);
  const hits: string[] = [];
  try {
    const stream = redis.scanStream({ match: `${w.t.config.queuePrefix}:*`, count: 500 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      for (const key of keys) {
        const type = await redis.type(key);
        const value =
          type === 'hash'
            ? JSON.stringify(await redis.hgetall(key))
            : type === 'string'
              ? ((await redis.get(key)) ?? '')
              : type === 'list'
                ? JSON.stringify(await redis.lrange(key, 0, -1))
                : type === 'zset'
                  ? JSON.stringify(await redis.zrange(key, 0, -1))
                  : type === 'set'
                    ? JSON.stringify(await redis.smembers(key))
                    : type === 'stream'
                      ? JSON.stringify(await redis.xrange(key, '-', '+'))
                      : '';
        const text = `${key} ${value}`.toLowerCase();
        if (needles.some((n) => text.includes(n.toLowerCase()))) hits.push(key);
      }
    }
  } finally {
    redis.disconnect();
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
    // A signup asked again with their address (an Idempotency-Key of the scope `signup:<address>`, and an
    // account email's job holding their name and address): a registered address gets a sign-in link.
    const mailsBefore = (await w.smtp.to(leaver.email)).length;
    await request(app())
      .post('/v1/signup')
      .set('Idempotency-Key', uniqueName('signup'))
      .send({
        organisation: { name: leaver.organisationName, kind: 'biomanufacturer', country: 'GB' },
        user: { name: leaver.name, email: leaver.email.toUpperCase(), timezone: 'Europe/London' },
      })
      .expect(202);
    await until(async () => (await w.smtp.to(leaver.email)).length > mailsBefore);
    const scopes = await w.t.db.sql`select 1 from idempotency_keys where scope = ${`signup:${leaver.email}`}`;
    expect(scopes).toHaveLength(1);
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

    // A request the leaver asks of the other biomanufacturer from its offering, still pending when it leaves.
    const offeringMatches = (
      await request(app()).get(`/v1/offerings/${offering.body.id}/matches`).set(leaver.auth).expect(200)
    ).body.items as { id: string; need: { id: string } }[];
    const otherMatch = offeringMatches.find((m) => m.need.id === otherNeed.body.id)!;
    expect(otherMatch).toBeDefined();
    const pending = await request(app())
      .post(`/v1/matches/${otherMatch.id}/introductions`)
      .set(leaver.auth)
      .send({ message: 'Our spare probes of the leaving company could help.' })
      .expect(201);
    await w.introductionEmailsSent();
    const emailsToOther = (await w.smtp.to(other.email)).length;

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
    expect(leaver.name).toBe('Person at Leaving Biologics');
    const needles = [
      leaver.userId,
      leaver.organisationId,
      need.body.id,
      offering.body.id,
      leaver.email,
      leaver.name,
      leaver.organisationName,
      'of the leaving company',
      'at the leaving company',
    ];
    expect((await traces(needles)).length).toBeGreaterThan(10);
    // The sign-in link's job (an account email) holds their address, and their digest's job their id.
    expect((await redisTraces([leaver.email])).length).toBeGreaterThan(0);
    expect((await redisTraces([`digest-${leaver.userId}`])).length).toBeGreaterThan(0);

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

    // The introductions stay with the other side: the accepted one, its need withdrawn and the leaver "a former
    // member" without an address or organisation; the counterpart's own message kept.
    const kept = (await request(app()).get('/v1/introductions').set(supplier.auth).expect(200)).body.items;
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({
      id: asked.body.id,
      status: 'accepted',
      direction: 'sent',
      message: 'We make Raman probes.',
      need: null,
      offering: { organisation: { id: supplier.organisationId } },
      contacts: {
        requester: { email: supplier.email, organisation: { id: supplier.organisationId } },
        responder: { name: 'a former member', email: null, organisation: null },
      },
    });
    await request(app()).get(`/v1/introductions/${asked.body.id}`).set(supplier.auth).expect(200);
    // The request the leaver asked is closed (expired), its offering withdrawn and its message, the leaver's
    // words, blanked; it can no longer be accepted, and nobody is emailed about it.
    const closed = await request(app()).get(`/v1/introductions/${pending.body.id}`).set(other.auth).expect(200);
    expect(closed.body).toMatchObject({
      status: 'expired',
      direction: 'received',
      message: '',
      offering: null,
      need: { id: otherNeed.body.id },
      requester: { name: 'a former member' },
    });
    const refused = await request(app())
      .post(`/v1/introductions/${pending.body.id}/accept`)
      .set(other.auth)
      .expect(409);
    expect(refused.body).toMatchObject({ code: 'introduction_withdrawn' });
    await w.introductionEmailsSent();
    expect((await w.smtp.to(other.email)).length).toBe(emailsToOther);
    for (const body of [kept, closed.body])
      for (const needle of needles) expect(JSON.stringify(body).toLowerCase()).not.toContain(needle.toLowerCase());
    // And on the counterpart's introductions page.
    const supplierAgent = request.agent(app());
    await signInThroughPages(w, supplierAgent, supplier.email);
    const page = await supplierAgent.get('/introductions').expect(200);
    expect(page.text).toContain('<strong>Need:</strong> a withdrawn need');
    expect(page.text).toContain('a former member; ');
    for (const needle of needles) expect(page.text.toLowerCase()).not.toContain(needle.toLowerCase());
    expect(await traces(needles)).toEqual([]);

    // Redis keeps no job that holds their address or name (their sign-in link's account email is removed), nor
    // their digest's job (named by their id; the queue's event stream still names it until it is trimmed).
    // (The rate limit's count for the address, api/limits.ts, expires with its one-minute window.)
    const jobs = (await redisTraces([leaver.email, leaver.name])).filter((k) => !k.includes(':rl:address:'));
    expect(jobs).toEqual([]);
    const digestJobs = (await redisTraces([`digest-${leaver.userId}`])).filter((k) => !k.endsWith(':events'));
    expect(digestJobs).toEqual([]);
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

describe('DELETE /v1/needs/{id}', () => {
  it('forgets a deleted need in the common needs: the group it titled takes another title, its partners are regrouped', async () => {
    const parties = await Promise.all(
      (['alpha', 'beta', 'gamma'] as const).map((k) => signup(app(), 'biomanufacturer', uniqueName(`Sterile ${k}`))),
    );
    const ids: string[] = [];
    for (const [i, k] of (['alpha', 'beta', 'gamma'] as const).entries()) {
      const body = { ...sterilityNeeds[k], title: `${sterilityNeeds[k].title} (${uniqueName('t')})` };
      ids.push((await request(app()).post('/v1/needs').set(parties[i]!.auth).send(body).expect(201)).body.id);
    }
    await w.matched();
    // The group of the three, and the need it is named after.
    const groupOf = async () => {
      let rows: { id: string; title: string }[] = [];
      await until(async () => {
        rows = await w.t.db.sql<{ id: string; title: string }[]>`
          select distinct g.id, g.title from common_need_groups g
          join common_need_group_members m on m.group_id = g.id where m.need_id = any(${ids}::uuid[])`;
        return rows.length === 1;
      });
      return rows[0]!;
    };
    const group = await groupOf();
    const titles = await w.t.db.sql<{ id: string; title: string }[]>`
      select id, title from needs where id = any(${ids}::uuid[])`;
    const named = titles.find((n) => n.title === group.title)!;
    expect(named).toBeDefined();
    const owner = parties[ids.indexOf(named.id)]!;

    await request(app()).delete(`/v1/needs/${named.id}`).set(owner.auth).expect(204);

    const left = await w.t.db.sql`select id, title from common_need_groups where title = ${named.title}`;
    expect(left).toEqual([]);
    const kept = await w.t.db.sql<{ title: string }[]>`select title from common_need_groups where id = ${group.id}`;
    expect(kept.map((g) => g.title)).toEqual([
      expect.stringMatching(
        new RegExp(
          titles
            .filter((n) => n.id !== named.id)
            .map((n) => escape(n.title))
            .join('|'),
        ),
      ),
    ]);
    // Its partners are marked for regrouping, which then goes on without it (the worker's sweep would run it).
    const marked = await w.t.db.sql<{ id: string }[]>`select need_id as id from common_need_dirty`;
    expect(marked.map((m) => m.id).sort()).toEqual(ids.filter((id) => id !== named.id).sort());
    await regroupMarked(w.t.db.db);
    const after = await w.t.db.sql`select title from common_need_groups where title = ${named.title}`;
    expect(after).toEqual([]);
    expect(await traces([named.id, named.title])).toEqual([]);
  });
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
