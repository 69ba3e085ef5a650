import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleNeed, sampleOffering, signup, startTestApp } from '../helpers.js';
import { startMailWorld, until, type MailWorld } from '../mail-world.js';
import { linksIn } from '../smtp.js';

// Accounts and trust, each attack of issue 12 tried first: account capture by pre-registration, telling who
// is registered, flooding an address with emails, replaying or blocking another's Idempotency-Key, old and
// used sign-in links, and the headers every answer carries.

let w: MailWorld;
const app = () => w.t.app;
type Agent = ReturnType<typeof request.agent>;

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const pathOf = (url: string) => new URL(url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A form posted as a browser would, from client address `ip`: the page first, for its CSRF token. */
async function submit(agent: Agent, ip: string, formPage: string, action: string, fields: Record<string, string>) {
  const page = await agent.get(formPage).set('X-Forwarded-For', ip);
  const body = new URLSearchParams({ _csrf: csrfOf(page.text), ...fields });
  return agent.post(action).set('X-Forwarded-For', ip).type('form').send(body.toString());
}

/** The paths of the links labelled "Sign in" (sign-in links and the links that confirm a signup). */
async function signinLinks(email: string) {
  return (await w.smtp.to(email)).flatMap((m) => linksIn(m.parsed.text ?? '', 'Sign in')).map(pathOf);
}

async function mailsTo(email: string) {
  return (await w.smtp.to(email)).length;
}

const signupBody = (email: string, organisation = 'Someone Else Ltd') => ({
  organisation: { name: organisation, kind: 'biomanufacturer', country: 'GB' },
  user: { name: 'Someone', email },
});

const signupForm = (email: string, organisation: string) => ({
  organisationName: organisation,
  kind: 'biomanufacturer',
  country: 'GB',
  name: `Owner of ${email}`,
  email,
  timezone: 'Europe/London',
});

beforeAll(async () => {
  w = await startMailWorld();
}, 60_000);

afterAll(async () => {
  await w?.close();
});

describe('capture by pre-registration', () => {
  const ip = '198.51.100.1';
  const victim = 'dana@halvard.example';
  let owner: Agent;
  let needId: string;

  it("gives an attacker who signs up with someone else's address no token and makes nothing", async () => {
    const attack = await request(app())
      .post('/v1/signup')
      .set('X-Forwarded-For', ip)
      .send(signupBody(victim, 'Mallory Holdings'))
      .expect(202);
    expect(attack.body).toEqual({ status: 'verification-sent' });
    expect(attack.text).not.toMatch(/rm_/);
    const [made] = await w.t.db.sql<{ users: number; orgs: number }[]>`
      select (select count(*) from users where lower(email) = ${victim})::int as users,
             (select count(*) from organisations where name = 'Mallory Holdings')::int as orgs`;
    expect(made).toEqual({ users: 0, orgs: 0 });
    // The link goes to the owner of the address, and only to them.
    await until(async () => (await signinLinks(victim)).length === 1);
    const [mail] = await w.smtp.to(victim);
    expect(mail!.parsed.subject).toMatch(/Confirm your address/);
    expect(mail!.parsed.text).toContain('Mallory Holdings');
    expect(mail!.parsed.text).toContain('Nothing is made until you confirm');
  });

  it("lets the owner sign up their own organisation; the attacker's older link stops working and makes nothing", async () => {
    const [attackerLink] = await signinLinks(victim);
    owner = request.agent(app());
    const res = await submit(owner, ip, '/signup', '/signup', signupForm(victim, 'Halvard Biologics'));
    expect(res.status).toBe(200);
    expect(res.text).toContain('Check your email');
    await until(async () => (await signinLinks(victim)).length === 2);
    const ownLink = (await signinLinks(victim))[1]!;
    expect(ownLink).toMatch(/^\/signup\//);

    const stale = await request(app()).get(attackerLink!).expect(410);
    expect(stale.text).toContain('This signup link no longer works');
    expect(stale.text).not.toContain('Confirm and sign in');

    const confirm = await owner.get(ownLink).expect(200);
    expect(confirm.text).toContain('Halvard Biologics');
    await owner
      .post(ownLink)
      .type('form')
      .send({ _csrf: csrfOf(confirm.text) })
      .expect(303);
    expect((await owner.get('/').expect(200)).text).toContain('<h1>Halvard Biologics</h1>');
    const [row] = await w.t.db.sql<{ organisation: string; verified: boolean; tokens: number }[]>`
      select o.name as organisation, u.verified_at is not null as verified,
             (select count(*) from api_tokens t where t.user_id = u.id)::int as tokens
      from users u join organisations o on o.id = u.organisation_id where lower(u.email) = ${victim}`;
    expect(row).toEqual({ organisation: 'Halvard Biologics', verified: true, tokens: 0 });

    // The attacker's link, even with a valid form, makes nothing: their organisation never exists.
    const other = request.agent(app());
    const page = await other.get('/signup').expect(200);
    await other
      .post(attackerLink!)
      .type('form')
      .send({ _csrf: csrfOf(page.text) })
      .expect(410);
    const [orgs] = await w.t.db.sql<{ n: number }[]>`
      select count(*)::int as n from organisations where name = 'Mallory Holdings'`;
    expect(orgs!.n).toBe(0);
  });

  it("keeps the owner's anonymous need from the attacker's own account", async () => {
    const need = sampleNeed({ anonymous: true, title: 'Confidential: in-line Raman for glucose control' });
    const page = await owner.get('/needs/new').expect(200);
    const form = new URLSearchParams({ _csrf: csrfOf(page.text), title: need.title, description: need.description });
    for (const c of need.capabilities) form.append('capabilities', c);
    for (const p of need.partnershipTypes) form.append('partnershipTypes', p);
    for (const o of need.openTo) form.append('openTo', o);
    form.set('keywords', need.keywords.join(', '));
    form.set('trlMin', String(need.trlMin));
    form.set('trlMax', String(need.trlMax));
    form.set('anonymous', 'true');
    const saved = await owner.post('/needs').type('form').send(form.toString()).expect(303);
    needId = saved.headers.location!.split('/').at(-1)!;

    const mallory = await signup(app(), 'supplier', 'Mallory Holdings Ltd');
    const seen = await request(app()).get(`/v1/needs/${needId}`).set(mallory.auth).expect(200);
    expect(seen.body.organisation).toBeNull();
    expect(JSON.stringify(seen.body)).not.toContain('Halvard');
    const edit = await request(app()).patch(`/v1/needs/${needId}`).set(mallory.auth).send({ title: 'Pwned' });
    expect([403, 404]).toContain(edit.status);
    const [stored] = await w.t.db.sql<{ title: string }[]>`select title from needs where id = ${needId}`;
    expect(stored!.title).toBe(need.title);
  });

  it('makes, lists and revokes API tokens on the settings page, the secret shown once', async () => {
    const before = await owner.get('/settings').expect(200);
    expect(before.text).toContain('You have no API tokens');
    const made = await owner
      .post('/settings/tokens')
      .set('X-Forwarded-For', ip)
      .type('form')
      .send({ _csrf: csrfOf(before.text), name: 'CI pipeline' })
      .expect(201);
    expect(made.headers['cache-control']).toBe('no-store');
    const token = /value="(rm_[A-Za-z0-9_-]{40,})"/.exec(made.text)?.[1];
    expect(token).toBeTruthy();
    const me = await request(app()).get('/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
    expect(me.body.user.email).toBe(victim);

    const listed = await owner.get('/settings').expect(200);
    expect(listed.text).toContain('CI pipeline');
    expect(listed.text).not.toContain(token!);
    expect(listed.text).not.toMatch(/CI pipeline<\/td><td>[^<]+<\/td><td>never/);
    const api = await request(app()).get('/v1/tokens').set('Authorization', `Bearer ${token}`).expect(200);
    expect(api.body.items).toHaveLength(1);
    expect(api.body.items[0].lastUsedAt).not.toBeNull();

    const id = api.body.items[0].id as string;
    await owner
      .post(`/settings/tokens/${id}/revoke`)
      .type('form')
      .send({ _csrf: csrfOf(listed.text) })
      .expect(303);
    const gone = await request(app()).get('/v1/me').set('Authorization', `Bearer ${token}`).expect(401);
    expect(gone.headers['www-authenticate']).toMatch(/^Bearer realm="roadmatch", error="invalid_token"/);
  });
});

describe('the same answer for registered and new addresses', () => {
  const ip = '198.51.100.2';

  it('answers signup on the API alike, in about the same time, and only the email differs', async () => {
    const known = await signup(app(), 'supplier', 'Known Supplies');
    const answers: { status: number; body: unknown; ms: number; registered: boolean }[] = [];
    for (let i = 0; i < 8; i++) {
      for (const registered of [true, false]) {
        const email = registered ? known.email : `new-${i}@fresh.example`;
        const started = performance.now();
        const res = await request(app()).post('/v1/signup').set('X-Forwarded-For', ip).send(signupBody(email));
        answers.push({ status: res.status, body: res.body, ms: performance.now() - started, registered });
      }
    }
    for (const a of answers) {
      expect(a.status).toBe(202);
      expect(a.body).toEqual({ status: 'verification-sent' });
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const registered = median(answers.filter((a) => a.registered).map((a) => a.ms));
    const fresh = median(answers.filter((a) => !a.registered).map((a) => a.ms));
    // The lookup happens in the worker: the answer does the same work for both.
    expect(Math.abs(registered - fresh)).toBeLessThan(15 + 0.5 * Math.max(registered, fresh));

    // The registered address is told it has an account and gets a sign-in link; nothing new is made.
    await until(async () => (await signinLinks(known.email)).length > 0);
    const [mail] = await w.smtp.to(known.email);
    expect(mail!.parsed.subject).toBe('Your Roadmatch sign-in link');
    expect(mail!.parsed.text).toContain('It already has an account, so nothing new was made.');
    expect((await signinLinks(known.email))[0]).toMatch(/^\/signin\//);
    const [orgs] = await w.t.db.sql<{ n: number }[]>`
      select count(*)::int as n from organisations where name = 'Someone Else Ltd'`;
    expect(orgs!.n).toBe(0);
  });

  it('answers the signup and sign-in pages alike, and emails no unknown address', async () => {
    const known = await signup(app(), 'academic', 'Known Lab');
    const page = async (action: '/signup' | '/signin', email: string) => {
      const fields = action === '/signup' ? signupForm(email, 'Another Org') : { email };
      const res = await submit(request.agent(app()), ip, action, action, fields);
      expect(res.status).toBe(200);
      return res.text.replace(/name="_csrf" value="[^"]+"/g, '').replaceAll(email, 'EMAIL');
    };
    expect(await page('/signup', known.email)).toBe(await page('/signup', 'nobody-1@nowhere.example'));
    expect(await page('/signin', known.email)).toBe(await page('/signin', 'nobody-2@nowhere.example'));
    await until(async () => (await signinLinks(known.email)).length === 2);
    await until(async () => (await signinLinks('nobody-1@nowhere.example')).length === 1); // its signup link
    await sleep(300);
    expect(await mailsTo('nobody-2@nowhere.example')).toBe(0);
  });
});

describe('limits', () => {
  it('answers 429 before the 11th email to one address in a minute: signups through the API', async () => {
    const email = 'flooded@target.example';
    const statuses: number[] = [];
    let refused: request.Response | undefined;
    for (let i = 0; i < 12; i++) {
      const res = await request(app())
        .post('/v1/signup')
        .set('X-Forwarded-For', `203.0.113.${i + 1}`)
        .send(signupBody(email));
      statuses.push(res.status);
      if (res.status === 429) refused ??= res;
    }
    expect(statuses).toEqual([...Array(10).fill(202), 429, 429]);
    expect(refused!.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused!.body.code).toBe('rate_limited');
    const retryAfter = Number(refused!.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    await until(async () => (await mailsTo(email)) === 10);
    // The same address is spent for sign-in links too.
    const signin = await submit(request.agent(app()), '203.0.113.50', '/signin', '/signin', { email });
    expect(signin.status).toBe(429);
    await sleep(500);
    expect(await mailsTo(email)).toBe(10);
  });

  it('answers 429 before the 11th email to one address in a minute: sign-in links from the pages, as a page', async () => {
    const person = await signup(app(), 'supplier', 'Flooded Supplies');
    const statuses: number[] = [];
    let refused: request.Response | undefined;
    for (let i = 0; i < 11; i++) {
      const res = await submit(request.agent(app()), `203.0.114.${i + 1}`, '/signin', '/signin', {
        email: person.email,
      });
      statuses.push(res.status);
      if (res.status === 429) refused = res;
    }
    expect(statuses).toEqual([...Array(10).fill(200), 429]);
    expect(refused!.headers['content-type']).toMatch(/^text\/html/);
    expect(refused!.text).toContain('Too many requests');
    expect(Number(refused!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await until(async () => (await mailsTo(person.email)) > 0);
    await sleep(800);
    const sent = await mailsTo(person.email);
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThanOrEqual(10);
    // Each new link cancelled the one before: only the newest works.
    const [live] = await w.t.db.sql<{ n: number }[]>`
      select count(*)::int as n from signin_links
      where user_id = ${person.userId} and used_at is null and cancelled_at is null`;
    expect(live!.n).toBe(1);
  });

  it('limits one network address across signups, sign-ins and new tokens', async () => {
    const ip = '192.0.2.77';
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      const res = await request(app())
        .post('/v1/signup')
        .set('X-Forwarded-For', ip)
        .send(signupBody(`many-${i}@spray.example`));
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 202)).toBe(true);
    expect(statuses[30]).toBe(429);
    const person = await signup(app(), 'supplier', 'Busy From One Address');
    await request(app()).post('/v1/tokens').set(person.auth).set('X-Forwarded-For', ip).send({}).expect(429);
  });

  it('limits the new tokens of one person', async () => {
    const person = await signup(app(), 'supplier', 'Token Hoarder');
    for (let i = 0; i < 10; i++) {
      await request(app())
        .post('/v1/tokens')
        .set(person.auth)
        .set('X-Forwarded-For', `192.0.2.${100 + i}`)
        .send({ name: `t${i}` })
        .expect(201);
    }
    const res = await request(app())
      .post('/v1/tokens')
      .set(person.auth)
      .set('X-Forwarded-For', '192.0.2.200')
      .send({ name: 'one too many' })
      .expect(429);
    expect(res.body.detail).toMatch(/Too many new API tokens/);
    const [tokens] = await w.t.db.sql<{ n: number }[]>`
      select count(*)::int as n from api_tokens where user_id = ${person.userId}`;
    expect(tokens!.n).toBe(11); // the onboarding token and ten more
  });

  it('limits the writes of one token (RATE_LIMIT_WRITES), never its reads', async () => {
    const t = await startTestApp({ RATE_LIMIT_WRITES: '5' });
    try {
      const person = await signup(t.app, 'supplier', 'Busy Writer');
      const follow = () =>
        request(t.app)
          .put('/v1/me/follows')
          .set(person.auth)
          .send({ capabilities: [], areas: ['imrr'] });
      for (let i = 0; i < 5; i++) await follow().expect(200);
      const res = await follow().expect(429);
      expect(res.body.code).toBe('rate_limited');
      expect(res.headers['retry-after']).toBeDefined();
      await request(t.app).get('/v1/me/follows').set(person.auth).expect(200);
    } finally {
      await t.close();
    }
  });

  it('lifts every limit with RATE_LIMITS=off', async () => {
    const t = await startTestApp({ RATE_LIMITS: 'off' });
    try {
      for (let i = 0; i < 15; i++)
        await request(t.app).post('/v1/signup').send(signupBody('bench@load.example')).expect(202);
    } finally {
      await t.close();
    }
  });
});

describe('sign-in links', () => {
  const ip = '198.51.100.4';

  async function askForLink(email: string, count: number) {
    await submit(request.agent(app()), ip, '/signin', '/signin', { email });
    await until(async () => (await signinLinks(email)).length === count);
    return (await signinLinks(email))[count - 1]!;
  }

  it('work once, only the newest, and a used or cancelled one says so instead of offering to sign in', async () => {
    const person = await signup(app(), 'academic', 'Link Lab');
    const first = await askForLink(person.email, 1);
    const second = await askForLink(person.email, 2);

    // The older link no longer works once a newer one is issued.
    const older = await request(app()).get(first).expect(410);
    expect(older.text).toContain('This sign-in link no longer works');
    expect(older.text).not.toContain('Sign in as');

    const agent = request.agent(app());
    const page = await agent.get(second).expect(200);
    expect(page.text).toContain(`Sign in as ${person.name}`);
    await agent
      .post(second)
      .type('form')
      .send({ _csrf: csrfOf(page.text) })
      .expect(303);
    const used = await request(app()).get(second).expect(410);
    expect(used.text).toContain('This sign-in link has been used');
    expect(used.text).not.toContain('Sign in as');
    const [live] = await w.t.db.sql<{ n: number }[]>`
      select count(*)::int as n from signin_links
      where user_id = ${person.userId} and used_at is null and cancelled_at is null`;
    expect(live!.n).toBe(0);
  });

  it('compare the signature as the exact text sent: a variant that decodes to the same bytes is refused', async () => {
    const person = await signup(app(), 'academic', 'Exact Lab');
    const link = await askForLink(person.email, 1);
    const [, token] = /^\/signin\/(.+)$/.exec(link)!;
    const [payload, signature] = token!.split('.');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 32 bytes in 43 characters: the last one carries two unused bits.
    const last = alphabet.indexOf(signature!.at(-1)!);
    const variant = signature!.slice(0, -1) + alphabet[last ^ 1];
    expect(Buffer.from(variant, 'base64url')).toEqual(Buffer.from(signature!, 'base64url'));
    await request(app()).get(`/signin/${payload}.${variant}`).expect(400);
    await request(app()).get(link).expect(200);
  });
});

describe('Idempotency-Key', () => {
  const ip = '198.51.100.5';

  it("scopes a signup's key to its address: replaying another's key and body answers no token", async () => {
    const body = signupBody('first@keys.example', 'Keyed Biologics');
    const first = await request(app())
      .post('/v1/signup')
      .set('X-Forwarded-For', ip)
      .set('Idempotency-Key', 'signup-key-1')
      .send(body)
      .expect(202);
    const replay = await request(app())
      .post('/v1/signup')
      .set('X-Forwarded-For', '198.51.100.66')
      .set('Idempotency-Key', 'signup-key-1')
      .send(body)
      .expect(202);
    expect(replay.body).toEqual(first.body);
    expect(replay.body).toEqual({ status: 'verification-sent' });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    // Another address with the same key is its own request, not blocked and not a replay.
    const other = await request(app())
      .post('/v1/signup')
      .set('X-Forwarded-For', ip)
      .set('Idempotency-Key', 'signup-key-1')
      .send(signupBody('second@keys.example', 'Other Biologics'))
      .expect(202);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    await until(async () => (await signinLinks('second@keys.example')).length === 1);
    await until(async () => (await signinLinks('first@keys.example')).length === 1);
    await sleep(300);
    expect(await mailsTo('first@keys.example')).toBe(1); // the replay sent nothing
  });

  it('makes a token once for a retried POST /v1/tokens, and keeps one person’s keys from another', async () => {
    const a = await signup(app(), 'supplier', 'Retrying Supplies');
    const b = await signup(app(), 'supplier', 'Other Supplies');
    const make = (who: typeof a) =>
      request(app())
        .post('/v1/tokens')
        .set(who.auth)
        .set('X-Forwarded-For', ip)
        .set('Idempotency-Key', 'token-key')
        .send({ name: 'deploy' });
    const first = await make(a).expect(201);
    const retry = await make(a).expect(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.body.token).toMatch(/^rm_/);
    const theirs = await make(b).expect(201);
    expect(theirs.body.id).not.toBe(first.body.id);
    const [rows] = await w.t.db.sql<{ n: number }[]>`
      select count(*)::int as n from api_tokens where user_id = ${a.userId} and name = 'deploy'`;
    expect(rows!.n).toBe(1);
    // The stored answer does not hold the secret in the clear.
    const stored = await w.t.db.sql<{ body: string }[]>`
      select response_body::text as body from idempotency_keys where key = 'token-key'`;
    for (const s of stored) expect(s.body).not.toContain(first.body.token.slice(3, 20));
  });

  it('honours the key on feedback: a retry answers the first answer', async () => {
    const bio = await signup(app(), 'biomanufacturer', 'Feedback Bio');
    const supplier = await signup(app(), 'supplier', 'Feedback Probes');
    const need = await request(app()).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(201);
    await request(app()).post('/v1/offerings').set(supplier.auth).send(sampleOffering()).expect(201);
    await w.matched();
    const matches = await request(app()).get(`/v1/needs/${need.body.id}/matches`).set(bio.auth).expect(200);
    const matchId = matches.body.items[0].id as string;
    const send = (verdict: string) =>
      request(app())
        .post(`/v1/matches/${matchId}/feedback`)
        .set(bio.auth)
        .set('Idempotency-Key', 'feedback-1')
        .send({ verdict });
    const first = await send('relevant').expect(200);
    const retry = await send('relevant').expect(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect((await send('not_relevant').expect(422)).body.code).toBe('idempotency_key_reused');
  });

  it('answers 409 to a request with the same key while the first still runs; the first runs once', async () => {
    const person = await signup(app(), 'academic', 'Concurrent Lab');
    await request(app()).get('/v1/me').set(person.auth).expect(200); // its last use is fresh: no write to wait on
    // Token creation waits while this transaction holds the table, so the first request is still running.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const holding = w.t.db.sql.begin(async (sql) => {
      await sql`lock table api_tokens in share mode`;
      await released;
    });
    const answers: request.Response[] = [];
    const requests = Array.from({ length: 6 }, () =>
      request(app())
        .post('/v1/tokens')
        .set(person.auth)
        .set('X-Forwarded-For', ip)
        .set('Idempotency-Key', 'six-at-once')
        .send({ name: 'once' })
        .then((res) => {
          answers.push(res);
          return res;
        }),
    );
    await until(async () => answers.length === 5, 10_000);
    expect(answers.map((a) => a.status)).toEqual([409, 409, 409, 409, 409]);
    expect(answers[0]!.body.code).toBe('idempotency_key_in_use');
    expect(answers[0]!.headers['retry-after']).toBeDefined();
    release();
    await holding;
    const all = await Promise.all(requests);
    const done = all.filter((a) => a.status === 201);
    expect(done).toHaveLength(1);
    const retry = await request(app())
      .post('/v1/tokens')
      .set(person.auth)
      .set('X-Forwarded-For', ip)
      .set('Idempotency-Key', 'six-at-once')
      .send({ name: 'once' })
      .expect(201);
    expect(retry.body).toEqual(done[0]!.body);
    const [rows] = await w.t.db.sql<{ n: number }[]>`
      select count(*)::int as n from api_tokens where user_id = ${person.userId} and name = 'once'`;
    expect(rows!.n).toBe(1);
  });
});

describe('security headers', () => {
  function expectHeaders(res: request.Response) {
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'none'");
    const script = /script-src ([^;]+)/.exec(csp)?.[1] ?? '';
    expect(script).toContain("'self'");
    expect(script).not.toContain('unsafe-inline');
    expect(csp).toContain("default-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  }

  it('sends them on every answer: API, pages, errors, the reference', async () => {
    for (const [path, status] of [
      ['/v1/capabilities', 200],
      ['/', 200],
      ['/signin', 200],
      ['/coverage', 200],
      ['/v1/needs', 401],
      ['/no-such-page', 404],
      ['/docs/', 200],
      ['/assets/app.js', 200],
    ] as const) {
      const res = await request(app()).get(path).expect(status);
      expectHeaders(res);
    }
  });

  it('forbids caching of the API and of pages, never of the static assets', async () => {
    const person = await signup(app(), 'supplier', 'Cache Probes');
    for (const res of [
      await request(app()).get('/v1/me').set(person.auth).expect(200),
      await request(app()).get('/v1/needs').expect(401),
      await request(app()).get('/signin').expect(200),
    ])
      expect(res.headers['cache-control']).toBe('no-store');
    expect((await request(app()).get('/assets/app.js').expect(200)).headers['cache-control']).not.toBe('no-store');
  });

  it('challenges a 401 with WWW-Authenticate: Bearer, naming an invalid token when one was sent', async () => {
    const none = await request(app()).get('/v1/needs').expect(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="roadmatch"');
    const wrong = await request(app()).get('/v1/needs').set('Authorization', 'Bearer rm_nottherealtoken').expect(401);
    expect(wrong.headers['www-authenticate']).toMatch(/^Bearer realm="roadmatch", error="invalid_token"/);
    const malformed = await request(app()).get('/v1/needs').set('Authorization', 'Basic abc').expect(401);
    expect(malformed.headers['www-authenticate']).toMatch(/error="invalid_request"/);
    const admin = await request(app()).post('/v1/admin/rematch').set('Authorization', 'Bearer nope').expect(401);
    expect(admin.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  it('serves pages with no inline script for the policy to refuse', async () => {
    const agent = request.agent(app());
    for (const path of ['/', '/signin', '/signup', '/coverage']) {
      const html = (await agent.get(path).expect(200)).text;
      expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
      expect(html).not.toMatch(/\son[a-z]+=/);
    }
  });
});

describe('operator onboarding', () => {
  it('answers 201 with the organisation, a verified person and a token that works; only with ADMIN_TOKEN', async () => {
    const body = {
      organisation: { name: 'Trusted Biologics', kind: 'biomanufacturer', country: 'de' },
      user: { name: 'Tru Sted', email: 'tru@trusted.example', timezone: 'Europe/Berlin' },
    };
    const refused = await request(app()).post('/v1/admin/organisations').send(body).expect(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer realm="roadmatch"');
    const made = await request(app())
      .post('/v1/admin/organisations')
      .set('Authorization', `Bearer ${w.t.config.adminToken}`)
      .send(body)
      .expect(201);
    expect(made.body.organisation).toMatchObject({ name: 'Trusted Biologics', country: 'DE' });
    expect(made.body.user).toMatchObject({ email: 'tru@trusted.example' });
    const me = await request(app()).get('/v1/me').set('Authorization', `Bearer ${made.body.token}`).expect(200);
    expect(me.body.user.email).toBe('tru@trusted.example');
    const again = await request(app())
      .post('/v1/admin/organisations')
      .set('Authorization', `Bearer ${w.t.config.adminToken}`)
      .send(body)
      .expect(409);
    expect(again.body.code).toBe('email_taken');
  });
});
