import request from 'supertest';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleNeed } from '../helpers.js';
import { startMailWorld, until, type MailWorld } from '../mail-world.js';
import { csrfOf, signinLinksOf, signUpThroughPages, submit } from './forms.js';

let w: MailWorld;

const signinLinks = (email: string) => signinLinksOf(w, email);
const signedUp = (kind: string, organisation: string, email: string) =>
  signUpThroughPages(w, kind, organisation, email);

beforeAll(async () => {
  w = await startMailWorld();
});

afterAll(async () => {
  await w?.close();
});

describe('accounts on the web pages', () => {
  it('signs in by a one-time link in a secure session cookie, and out again', async () => {
    const agent = await signedUp('biomanufacturer', 'Cookie Bio', 'cookie@bio.example');
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('<h1>Cookie Bio</h1>');

    const again = request.agent(w.t.app);
    const res = await submit(again, '/signin', '/signin', { email: 'cookie@bio.example' });
    expect(res.text).toContain('Check your email');
    await until(async () => (await signinLinks('cookie@bio.example')).length === 2);
    const link = (await signinLinks('cookie@bio.example'))[1]!;
    const confirm = await again.get(link).expect(200);
    const signedIn = await again
      .post(link)
      .type('form')
      .send({ _csrf: csrfOf(confirm.text) })
      .expect(303);
    const cookie = ([] as string[])
      .concat(signedIn.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('rm_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    // The link works once.
    const used = await request(w.t.app).post(link).type('form').send({}).expect(403); // no CSRF cookie: refused first
    expect(used.text).toContain('This form has expired');
    const other = request.agent(w.t.app);
    // A used link says so at once, and offers no sign-in.
    const page = await other.get(link).expect(410);
    expect(page.text).toContain('This sign-in link has been used');
    expect(page.text).not.toContain('Sign in as');
    const form = await other.get('/signin').expect(200);
    const second = await other
      .post(link)
      .type('form')
      .send({ _csrf: csrfOf(form.text) })
      .expect(410);
    expect(second.text).toContain('This sign-in link has been used');
    // A changed link is refused.
    await other.get(`${link.slice(0, -4)}AAAA`).expect(400);

    // Signing out ends the session: the cookie no longer signs anyone in.
    const out = await submit(again, '/', '/signout', {});
    expect(out.status).toBe(303);
    const after = await request(w.t.app).get('/').set('Cookie', cookie.split(';')[0]!).expect(200);
    expect(after.text).toContain('Sign up your organisation');
  });

  it('does not tell who is registered: unknown emails and repeat signups get the same page', async () => {
    const unknown = await submit(request.agent(w.t.app), '/signin', '/signin', { email: 'nobody@nowhere.example' });
    expect(unknown.text).toContain('If nobody@nowhere.example belongs to a Roadmatch account');
    await signedUp('supplier', 'Repeat Supplies', 'repeat@supplies.example');
    const repeat = await submit(request.agent(w.t.app), '/signup', '/signup', {
      organisationName: 'Someone Else',
      kind: 'supplier',
      country: 'DE',
      name: 'Mallory',
      email: 'repeat@supplies.example',
    });
    expect(repeat.text).toContain('A link is on its way to repeat@supplies.example');
    // The owner of the address gets a sign-in link, not a second organisation.
    await until(async () => (await signinLinks('repeat@supplies.example')).length === 2);
    const [orgs] = await w.t.db.sql<
      { n: number }[]
    >`select count(*)::int as n from organisations where name = 'Someone Else'`;
    expect(orgs!.n).toBe(0);
    // The unknown address's request was queued like any other; once the worker has looked it up, no email.
    let lookedUp: Job | undefined;
    await until(async () => {
      const done = await w.t.deps.notificationsQueue.getJobs(['completed', 'failed']);
      lookedUp = done.find(
        (j) => j.name === 'account-email' && (j.data as { email?: string }).email === 'nobody@nowhere.example',
      );
      return lookedUp !== undefined;
    });
    expect(lookedUp!.returnvalue).toBe('unknown address');
    expect(await w.smtp.to('nobody@nowhere.example')).toHaveLength(0);
  });

  it('refuses a form without its CSRF token and changes nothing', async () => {
    const res = await request(w.t.app)
      .post('/signup')
      .type('form')
      .send({ organisationName: 'Forged', kind: 'supplier', country: 'GB', name: 'X', email: 'forged@x.example' })
      .expect(403);
    expect(res.text).toContain('This form has expired');
    const agent = await signedUp('biomanufacturer', 'Csrf Bio', 'csrf@bio.example');
    await agent
      .post('/needs')
      .type('form')
      .send({ ...sampleNeed(), _csrf: 'forged' })
      .expect(403);
    const [row] = await w.t.db.sql<{ n: number }[]>`
      select (select count(*) from organisations where name = 'Forged')::int
           + (select count(*) from needs n join organisations o on o.id = n.organisation_id where o.name = 'Csrf Bio')::int as n`;
    expect(row!.n).toBe(0);
  });
});

describe('posting through the pages', () => {
  it('shows errors beside the fields at fault and keeps what was typed', async () => {
    const agent = await signedUp('biomanufacturer', 'Form Bio', 'form@bio.example');
    const res = await submit(agent, '/needs/new', '/needs', {
      title: 'Raman for glucose <control>',
      description: '',
      capabilities: ['imrr.spectroscopic-pat'],
      trlMin: '8',
      trlMax: '3',
      partnershipTypes: 'pilot',
      openTo: 'supplier',
    });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/id="description-error" class="error">[^<]+/);
    expect(res.text).toContain('value="Raman for glucose &lt;control&gt;"'); // kept, and escaped
    expect(res.text).toMatch(/value="imrr.spectroscopic-pat" checked/);

    const ok = await submit(agent, '/needs/new', '/needs', {
      title: 'Raman for glucose control',
      description: 'In-line Raman for glucose feedback in fed-batch culture.',
      capabilities: 'imrr.spectroscopic-pat',
      trlMin: '5',
      trlMax: '8',
      partnershipTypes: 'pilot',
      openTo: ['supplier', 'academic'],
      anonymous: 'true',
    });
    expect(ok.status).toBe(303);
    const needPage = await agent.get(ok.headers.location!).expect(200);
    expect(needPage.text).toContain('Raman for glucose control');
    const [need] = await w.t.db.sql<{ anonymous: boolean; open_to: string[] }[]>`
      select anonymous, open_to from needs where title = 'Raman for glucose control'`;
    expect(need).toMatchObject({ anonymous: true, open_to: ['supplier', 'academic'] });

    // Another organisation may read an open need, without its owner, and may not edit it.
    const supplier = await signedUp('supplier', 'Reader Supplies', 'reader@supplies.example');
    const seen = await supplier.get(ok.headers.location!).expect(200);
    expect(seen.text).toContain('an anonymous biomanufacturer');
    expect(seen.text).not.toContain('Form Bio');
    await supplier.get(`${ok.headers.location!}/edit`).expect(404);
    expect((await supplier.get('/needs/new').expect(403)).text).toContain('Only members of a biomanufacturer');
  });

  it('edits a post keeping what was not changed, closes it, and answers bad addresses with a 404 page', async () => {
    const agent = await signedUp('biomanufacturer', 'Edit Bio', 'edit@bio.example');
    const created = await submit(agent, '/needs/new', '/needs', {
      title: 'Single-use sensor qualification',
      description: 'Qualification of single-use pH and DO sensors for 2,000 L bags.',
      capabilities: 'pt.single-use-systems',
      trlMin: '5',
      trlMax: '8',
      partnershipTypes: 'pilot',
      openTo: 'supplier',
      // Within the 24 months an expiry may be set ahead; the database is then given a time of day to keep.
      expiresAt: `${new Date().getUTCFullYear() + 1}-06-30`,
    });
    const url = created.headers.location!;
    await w.t.db
      .sql`update needs set expires_at = '2031-06-30T12:00:00Z' where title = 'Single-use sensor qualification'`;
    const form = await agent.get(`${url}/edit`).expect(200);
    expect(form.text).toContain('value="2031-06-30"');
    const saved = await agent
      .post(`${url}/edit`)
      .type('form')
      .send(
        new URLSearchParams({
          _csrf: csrfOf(form.text),
          title: 'Single-use sensor qualification (pH, DO)',
          description: 'Qualification of single-use pH and DO sensors for 2,000 L bags.',
          capabilities: 'pt.single-use-systems',
          trlMin: '5',
          trlMax: '8',
          partnershipTypes: 'pilot',
          openTo: 'supplier',
          expiresAt: '2031-06-30',
          expiresAtWas: '2031-06-30',
          status: 'closed',
        }).toString(),
      )
      .expect(303);
    expect(saved.headers.location).toBe(url);
    const [need] = await w.t.db.sql<{ title: string; status: string; expires_at: Date }[]>`
      select title, status, expires_at from needs where title like 'Single-use sensor qualification%'`;
    expect(need!.title).toBe('Single-use sensor qualification (pH, DO)');
    expect(need!.status).toBe('closed');
    expect(new Date(need!.expires_at).toISOString()).toBe('2031-06-30T12:00:00.000Z');

    // Not an id, or a JSON body where a form is expected: a clear 4xx page, never a server error.
    const csrf = csrfOf((await agent.get('/').expect(200)).text);
    const bad = await agent.post('/needs/not-an-id/edit').type('form').send({ _csrf: csrf }).expect(404);
    expect(bad.text).toContain('name="_csrf"'); // the error page's sign-out still works
    await agent.post('/introductions/xyz/accept').type('form').send({ _csrf: csrf }).expect(404);
    await agent.get('/offerings/12345').expect(404);
    const json = await agent.post('/needs').send({ _csrf: csrf, title: { toString: 1 } });
    expect(json.status).toBe(400);
  });

  it('sends a visitor to sign in from any page that needs a session', async () => {
    for (const path of ['/needs/new', '/offerings/new', '/introductions', '/settings']) {
      const res = await request(w.t.app).get(path).expect(303);
      expect(res.headers.location).toBe(`/signin?next=${path}`);
    }
  });

  it('shows the public coverage map from live counts', async () => {
    const res = await request(w.t.app).get('/coverage').expect(200);
    expect(res.text).toContain('<svg role="img"');
    // The anonymous need above is counted under its capability.
    expect(res.text).toMatch(/<td>Spectroscopic process analytical technology<\/td><td>1<\/td>/);
  });
});
