import { Writable } from 'node:stream';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestLogger } from '../../api/logging.js';
import { CHARTER } from '../../core/charter.js';
import { sterilityNeeds } from '../community-fixtures.js';
import { sampleNeed, sampleOffering, signup } from '../helpers.js';
import { startMailWorld, until, type MailWorld } from '../mail-world.js';
import { linksIn } from '../smtp.js';

// What the service writes to its logs, read whole after a person has signed up and in, used API tokens and
// followed every kind of emailed link; and the web forms' limits and validation.

let w: MailWorld;
const app = () => w.t.app;
type Agent = ReturnType<typeof request.agent>;

/** Every line the API and the worker logged, at every level. */
const logLines: string[] = [];
const logger = pino(
  { level: 'trace' },
  new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(chunk.toString('utf8'));
      callback();
    },
  }),
);

/** Every secret handed out during the run: none may appear in the logs. */
const secrets = new Set<string>();
const keep = (...values: (string | undefined)[]) => {
  for (const v of values) if (v && v.length >= 8) secrets.add(v);
};
/** A link's token and its signature alone. */
const keepLink = (path: string) => {
  const token = /^\/(?:signin|signup|a|u)\/(.+)$/.exec(path)?.[1];
  expect(token).toBeTruthy();
  keep(token, token!.split('.')[1]);
};
const keepCookies = (res: request.Response) => {
  for (const c of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) keep(/^[^=]+=([^;]*)/.exec(c)?.[1]);
};
const keepToken = (token: string) => keep(token, token.slice(3));

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const pathOf = (url: string) => new URL(url).pathname;

async function submit(agent: Agent, formPage: string, action: string, fields: Record<string, string | string[]>) {
  const page = await agent.get(formPage);
  keepCookies(page);
  const body = new URLSearchParams({ _csrf: csrfOf(page.text) });
  for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
  const res = await agent.post(action).type('form').send(body.toString());
  keepCookies(res);
  return res;
}

/** The paths of the links labelled `label` in the emails to `email` whose subject matches. */
async function links(email: string, label: string, subject = /./) {
  const mails = (await w.smtp.to(email)).filter((m) => subject.test(m.parsed.subject ?? ''));
  return mails.flatMap((m) => linksIn(m.parsed.text ?? '', label)).map(pathOf);
}

async function waitForLinks(email: string, label: string, count: number, subject = /./) {
  await until(async () => (await links(email, label, subject)).length >= count);
  const found = await links(email, label, subject);
  found.forEach(keepLink);
  return found;
}

/** Opens a link's page and presses its button (with the page's CSRF token, where the page has one). */
async function follow(agent: Agent, link: string, fields: Record<string, string> = {}) {
  const page = await agent.get(link);
  expect(page.status).toBe(200);
  keepCookies(page);
  const res = await agent
    .post(link)
    .type('form')
    .send({ _csrf: csrfOf(page.text), ...fields });
  keepCookies(res);
  return res;
}

const BIO = 'dana@logbook.example';
let bio: Agent;
let bioToken: string;

beforeAll(async () => {
  w = await startMailWorld({ logger });
}, 60_000);

afterAll(async () => {
  await w?.close();
});

describe('logs', () => {
  it('hold none of the secrets of a whole session: tokens, cookies, and every kind of emailed link', async () => {
    // Signs up on the pages, confirms from the email, signs out and in again by link.
    bio = request.agent(app());
    const signedUp = await submit(bio, '/signup', '/signup', {
      organisationName: 'Logbook Biologics',
      kind: 'biomanufacturer',
      country: 'GB',
      name: 'Dana Lee',
      email: BIO,
      timezone: 'Europe/London',
    });
    expect(signedUp.status).toBe(200);
    const [confirm] = await waitForLinks(BIO, 'Sign in', 1);
    expect(confirm).toMatch(/^\/signup\//);
    expect((await follow(bio, confirm!)).status).toBe(303);
    expect((await submit(bio, '/', '/signout', {})).status).toBe(303);
    await submit(bio, '/signin', '/signin', { email: BIO });
    const signin = (await waitForLinks(BIO, 'Sign in', 2))[1]!;
    expect(signin).toMatch(/^\/signin\//);
    expect((await follow(bio, signin)).status).toBe(303);

    // Makes an API token on the settings page and uses it.
    const made = await submit(bio, '/settings', '/settings/tokens', { name: 'scripts' });
    expect(made.status).toBe(201);
    bioToken = /value="(rm_[A-Za-z0-9_-]{40,})"/.exec(made.text)![1]!;
    keepToken(bioToken);
    const asBio = { Authorization: `Bearer ${bioToken}` };
    await request(app()).post('/v1/needs').set(asBio).send(sampleNeed()).expect(201);
    const sterility = (await request(app()).post('/v1/needs').set(asBio).send(sterilityNeeds.alpha).expect(201)).body
      .id;

    // The operator onboards two more organisations; their tokens are used too.
    keep(w.t.config.adminToken);
    const supplier = await signup(app(), 'supplier', 'Logbook Probes');
    const beta = await signup(app(), 'biomanufacturer', 'Logbook Vectors');
    keepToken(supplier.token);
    keepToken(beta.token);
    await request(app()).post('/v1/offerings').set(supplier.auth).send(sampleOffering()).expect(201);
    const betaNeed = (await request(app()).post('/v1/needs').set(beta.auth).send(sterilityNeeds.beta).expect(201)).body
      .id;
    await request(app()).get('/v1/tokens').set(supplier.auth).expect(200);
    await request(app())
      .get('/v1/needs')
      .set('Authorization', 'Bearer rm_thisisnotarealtokenbutasecretone')
      .expect(401);
    keep('rm_thisisnotarealtokenbutasecretone');
    await w.matched();

    // Digests: the links to request an introduction, say not relevant and unsubscribe.
    await w.runDigests();
    const [requestIntro] = await waitForLinks(BIO, 'Request an introduction', 1);
    const [notRelevant] = await waitForLinks(BIO, 'Not relevant', 1);
    const [unsubscribe] = await waitForLinks(supplier.email, 'Unsubscribe from digests', 1);
    await request(app()).get(notRelevant!).expect(200);
    expect((await follow(request.agent(app()), requestIntro!, { message: 'We would like to talk.' })).status).toBe(201);
    await w.introductionEmailsSent();
    const [accept] = await waitForLinks(supplier.email, 'Accept', 1, /Introduction request/);
    const [decline] = await waitForLinks(supplier.email, 'Decline', 1, /Introduction request/);
    await request(app()).get(decline!).expect(200);
    expect((await follow(request.agent(app()), accept!)).status).toBe(200);
    await request(app()).post(unsubscribe!).type('form').send('List-Unsubscribe=One-Click').expect(200);

    // A consortium invitation: the links to join and to decline.
    const consortium = await request(app())
      .post('/v1/consortia')
      .set(asBio)
      .send({
        title: 'Rapid sterility release for short shelf-life products',
        scope: 'Agree common requirements and a shared validation protocol for rapid sterility methods.',
        needIds: [sterility],
        acceptCharter: true,
        charterVersion: CHARTER.version,
      })
      .expect(201);
    await request(app())
      .post(`/v1/consortia/${consortium.body.id}/invitations`)
      .set(asBio)
      .send({ needId: betaNeed })
      .expect(201);
    const [join] = await waitForLinks(beta.email, 'Read and join', 1);
    const [declineInvitation] = await waitForLinks(beta.email, 'Decline', 1, /Invitation to a consortium/);
    await request(app()).get(declineInvitation!).expect(200);
    expect(
      (await follow(request.agent(app()), join!, { acceptCharter: 'true', charterVersion: CHARTER.version })).status,
    ).toBe(200);

    // An error logged with a link and a token in its message is redacted as well.
    const someLink = `${w.t.config.publicUrl}${signin}`;
    requestLogger(logger).logger.error(
      { err: new Error(`could not open ${someLink} with Bearer ${bioToken}`) },
      'unhandled error',
    );

    const log = logLines.join('');
    expect(logLines.length).toBeGreaterThan(30);
    for (const kind of ['signup', 'signin', 'a', 'u']) expect(log).toContain(`/${kind}/[redacted]`);
    expect(secrets.size).toBeGreaterThan(20);
    const found = [...secrets].filter((s) => log.includes(s));
    expect(found).toEqual([]);
    expect(log).not.toMatch(/"(authorization|cookie|set-cookie)"/i);
    // One short line per request.
    const requestLines = logLines.filter((l) => l.includes('"responseTime"'));
    expect(requestLines.length).toBeGreaterThan(25);
    for (const line of requestLines) expect(line.length).toBeLessThan(400);
  }, 120_000);
});

describe('web forms', () => {
  it('answer a NUL in an introduction message with the form and its error, not a 500', async () => {
    // A need of its own, whose match has no introduction yet (its page shows the request form).
    const need = await request(app())
      .post('/v1/needs')
      .set('Authorization', `Bearer ${bioToken}`)
      .send(sampleNeed({ title: 'In-line Raman glucose monitoring for a second fed-batch line' }))
      .expect(201);
    await w.matched();
    const [match] = await w.t.db.sql<{ id: string }[]>`
      select id from matches where need_id = ${need.body.id} limit 1`;
    expect(match).toBeDefined();
    const page = await bio.get(`/needs/${need.body.id}`).expect(200);
    const res = await bio
      .post(`/matches/${match!.id}/introduction`)
      .type('form')
      .send({ _csrf: csrfOf(page.text), message: 'Hello\u0000there' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('must not contain NUL characters');
  });

  it('take a long need typed on the web, and answer a form too long for any page with a page', async () => {
    const need = sampleNeed();
    const fields = (description: string) => {
      const form = new URLSearchParams({ title: 'Continuous viral inactivation at low pH', description });
      for (const c of need.capabilities) form.append('capabilities', c);
      form.set('keywords', 'low pH, viral inactivation');
      form.set('trlMin', '4');
      form.set('trlMax', '7');
      form.append('partnershipTypes', 'pilot');
      form.append('openTo', 'supplier');
      return form;
    };
    const page = await bio.get('/needs/new').expect(200);
    // 9,000 characters of two-byte UTF-8: over 50 KB as a form, far over the 16 KB of the emailed-link pages.
    const long = fields('é'.repeat(8990) + ' low pH');
    long.set('_csrf', csrfOf(page.text));
    expect(long.toString().length).toBeGreaterThan(50_000);
    const saved = await bio.post('/needs').type('form').send(long.toString());
    expect(saved.status).toBe(303);

    const huge = fields('x'.repeat(300_000));
    huge.set('_csrf', csrfOf(page.text));
    const refused = await bio.post('/needs').type('form').send(huge.toString());
    expect(refused.status).toBe(413);
    expect(refused.headers['content-type']).toMatch(/^text\/html/);
    expect(refused.text).toContain('Too long');
  });

  it('keep the small limit for the pages behind emailed links, answered with a page', async () => {
    const [link] = await links(BIO, 'Request an introduction');
    const res = await request(app())
      .post(link!)
      .type('form')
      .send({ message: 'y'.repeat(20_000) });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('Too long');
  });
});
