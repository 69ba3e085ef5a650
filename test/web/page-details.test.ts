import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeNext } from '../../api/pages/session.js';
import { addMonths } from '../../core/policy.js';
import { startMailWorld, type MailWorld } from '../mail-world.js';
import { csrfOf, signInThroughPages, signUpThroughPages, submit, type Agent } from './forms.js';

// Error pages for browsers, the favicon, what a post's page shows (and its status for the page's script),
// and signing in back to the page that was asked for.

let w: MailWorld;
const app = () => w.t.app;
const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'; // what Chromium sends

beforeAll(async () => {
  w = await startMailWorld();
});

afterAll(async () => {
  await w?.close();
});

/** An error page in the site's layout: plain words, a link home, nothing of the server. */
function expectErrorPage(res: request.Response, status: number, heading: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.text).toContain(`<h1>${heading}</h1>`);
  expect(res.text).toContain('<a class="brand" href="/">Roadmatch</a>');
  expect(res.text).toMatch(/<a class="button" href="\/">Go to (the home page|your dashboard)<\/a>/);
  expect(res.text).toContain('<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">');
}

describe('errors, for browsers and for programs', () => {
  it('answers an unknown address with a page to a browser, and with problem+json otherwise', async () => {
    const page = await request(app()).get('/no/such/page').set('Accept', HTML);
    expectErrorPage(page, 404, 'Page not found');
    expect(page.text).not.toContain('GET /no/such/page');

    for (const accept of [undefined, 'application/json', '*/*']) {
      const req = request(app()).get('/no/such/page');
      const res = await (accept ? req.set('Accept', accept) : req).expect(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 404, code: 'not_found', detail: 'There is no GET /no/such/page.' });
    }
    // The API answers problem+json whatever the client takes.
    const api = await request(app()).get('/v1/no-such-thing').set('Accept', HTML).expect(404);
    expect(api.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('shows the signed-in layout on an error page, with a working sign-out', async () => {
    const agent = await signUpThroughPages(w, 'supplier', 'Lost Supplies', 'lost@supplies.example');
    const page = await agent.get('/nowhere').set('Accept', HTML);
    expectErrorPage(page, 404, 'Page not found');
    expect(page.text).toContain('Go to your dashboard');
    const out = await agent
      .post('/signout')
      .type('form')
      .send({ _csrf: csrfOf(page.text) });
    expect(out.status).toBe(303);
  });

  it('answers a form over the size limit with a page, and a JSON body over it as the client asks', async () => {
    const agent = request.agent(app());
    const form = await agent.get('/signin').expect(200);
    const huge = new URLSearchParams({ _csrf: csrfOf(form.text), email: `${'x'.repeat(300_000)}@example.com` });
    const refused = await agent.post('/signin').set('Accept', HTML).type('form').send(huge.toString());
    expectErrorPage(refused, 413, 'Too long');
    expect(refused.text).toContain('What you sent is too long.');

    // A JSON body over the API's limit fails before the pages are reached: a page all the same, to a browser.
    const json = { text: 'y'.repeat(200_000) };
    expectErrorPage(await request(app()).post('/signin').set('Accept', HTML).send(json), 413, 'Too long');
    const problem = await request(app()).post('/signin').set('Accept', 'application/json').send(json).expect(413);
    expect(problem.body.code).toBe('payload_too_large');
    const api = await request(app()).post('/v1/needs').set('Accept', HTML).send(json).expect(413);
    expect(api.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('answers a server error with a page that tells nothing of it, and a bare problem to programs', async () => {
    const agent = await signUpThroughPages(w, 'biomanufacturer', 'Broken Bio', 'broken@bio.example');
    // The dashboard reads the organisation's needs: with their table gone, its query fails in the database.
    await w.t.db.sql`alter table needs rename to needs_away`;
    try {
      const page = await agent.get('/').set('Accept', HTML);
      expectErrorPage(page, 500, 'Something went wrong on our side');
      expect(page.text).toContain('This is not your fault');
      const shown = page.text.replace(/<style>[\s\S]*<\/style>/, '');
      for (const internal of ['needs_away', 'relation', 'does not exist', 'Error', '.ts', 'postgres']) {
        expect(shown).not.toContain(internal);
      }
      expect(shown).not.toMatch(/\bat .*:\d+:\d+/); // no stack
      // Without an Accept header a page address still answers a page; a client asking for JSON gets a problem.
      expect((await agent.get('/')).headers['content-type']).toMatch(/^text\/html/);
      const problem = await agent.get('/').set('Accept', 'application/json').expect(500);
      expect(problem.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(problem.body).toEqual({
        type: 'https://roadmatch.dev/problems/internal-error',
        title: 'Something went wrong on our side',
        status: 500,
        code: 'internal_error',
      });
    } finally {
      await w.t.db.sql`alter table needs_away rename to needs`;
    }
    await agent.get('/').expect(200);
  });

  it('has a favicon, linked from every page and at /favicon.ico', async () => {
    const icon = await request(app()).get('/favicon.ico').expect(200);
    expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(icon.headers['cache-control']).toBe('public, max-age=86400');
    expect(String(icon.body)).toContain('<svg');
    const linked = await request(app()).get('/assets/favicon.svg').expect(200);
    expect(linked.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect((await request(app()).get('/').expect(200)).text).toContain('href="/assets/favicon.svg"');
  });
});

describe("a post's page", () => {
  // An expiry within the 24 months it may be set ahead; an offering given none has 12 months.
  const nextYear = new Date().getUTCFullYear() + 1;
  const inAYear = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(
    addMonths(new Date(), 12),
  );
  let bio: Agent;
  let supplier: Agent;
  let needUrl: string;
  let offeringUrl: string;

  beforeAll(async () => {
    bio = await signUpThroughPages(w, 'biomanufacturer', 'Facts Bio', 'facts@bio.example');
    supplier = await signUpThroughPages(w, 'supplier', 'Facts Supplies', 'facts@supplies.example');
    const need = await submit(bio, '/needs/new', '/needs', {
      title: 'Viral clearance by continuous chromatography',
      description: 'Validated viral clearance for a continuous multi-column capture step at 500 L.',
      capabilities: ['pt.continuous-downstream'],
      trlMin: '5',
      trlMax: '8',
      partnershipTypes: ['research-collaboration', 'pilot'],
      openTo: ['supplier', 'academic'],
      anonymous: 'true',
      expiresAt: `${nextYear}-06-30`,
    });
    expect(need.status).toBe(303);
    needUrl = need.headers.location!;
    const offering = await submit(supplier, '/offerings/new', '/offerings', {
      title: 'Continuous chromatography skids with viral clearance data',
      description: 'Multi-column capture skids for continuous processing, with viral clearance studies.',
      capabilities: ['pt.continuous-downstream'],
      trl: '7',
      partnershipTypes: ['supply', 'co-development'],
    });
    expect(offering.status).toBe(303);
    offeringUrl = offering.headers.location!;
    // Regions are set through the API, which the form does not offer.
    await w.t.db.sql`update needs set regions = '{Europe,North America}' where id = ${needUrl.split('/').at(-1)!}`;
    await w.matched();
  });

  /** The page's facts as "label: value" lines. */
  const factsOf = (html: string) =>
    [...html.matchAll(/<dt>([^<]*)<\/dt><dd>([\s\S]*?)<\/dd>/g)].map(
      ([, dt, dd]) =>
        `${dt}: ${dd!
          .replace(/<[^>]+>/g, '')
          .replace(/\s+/g, ' ')
          .trim()}`,
    );

  it('shows its owner everything a partner decides on, partnership types by name', async () => {
    const page = await bio.get(needUrl).expect(200);
    const facts = factsOf(page.text);
    expect(facts.slice(0, -1)).toEqual([
      'Capabilities: Continuous and integrated downstream processing',
      'Technology readiness (TRL) it can take: TRL 5 to 8',
      'Partnership types it would accept: Research collaboration, Pilot project',
      'Open to introductions with: suppliers, academic groups',
      'Regions: Europe, North America',
      'Anonymous: Yes: other organisations see “an anonymous biomanufacturer” until you accept an introduction',
      'Status: Open',
      `Expires: 30 June ${nextYear}`,
    ]);
    expect(facts.at(-1)).toMatch(/^Matched: \d{1,2} \w+ \d{4} at \d{2}:\d{2} UTC$/);
    expect(page.text).not.toContain('research-collaboration');
    expect(page.text).not.toContain('post-status.js'); // matched: nothing to wait for
  });

  it('shows another organisation the same, but not that the need is anonymous beyond its owner’s name', async () => {
    const page = await supplier.get(needUrl).expect(200);
    const facts = factsOf(page.text);
    expect(facts).toContain('Technology readiness (TRL) it can take: TRL 5 to 8');
    expect(facts).toContain('Partnership types it would accept: Research collaboration, Pilot project');
    expect(facts).toContain('Status: Open');
    expect(facts).toContain(`Expires: 30 June ${nextYear}`);
    expect(facts.some((f) => f.startsWith('Anonymous'))).toBe(false);
    expect(page.text).toContain('an anonymous biomanufacturer');
    expect(page.text).not.toContain('Facts Bio');

    const offering = factsOf((await bio.get(offeringUrl).expect(200)).text);
    expect(offering).toContain('Technology readiness (TRL): TRL 7');
    expect(offering).toContain('Partnership types offered: Supply agreement, Co-development');
    expect(offering).toContain('Regions: Any (none stated)');
    expect(offering).toContain(`Expires: ${inAYear}`);
  });

  it('says when matching is running, and loads the script that reloads it when done', async () => {
    const id = needUrl.split('/').at(-1)!;
    const status = await bio.get(`${needUrl}/status.json`).expect(200);
    expect(status.headers['content-type']).toMatch(/^application\/json/);
    expect(status.body).toEqual({
      id,
      status: 'open',
      live: true,
      matching: false,
      matchedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });

    // A version saved and not matched yet (as between a save and its matching job).
    await w.t.db.sql`update needs set version = version + 1 where id = ${id}`;
    try {
      const page = await bio.get(needUrl).expect(200);
      expect(page.text).toContain(
        `<p role="status" data-status-url="${needUrl}/status.json">Matching is running for this version; reload in a moment.</p>`,
      );
      expect(page.text).toContain('<script src="/assets/post-status.js" defer></script>');
      expect(factsOf(page.text)).toContain('Matched: Matching is running for this version');
      expect((await bio.get(`${needUrl}/status.json`).expect(200)).body).toMatchObject({
        matching: true,
        matchedAt: null,
      });
      const script = await request(app()).get('/assets/post-status.js').expect(200);
      expect(script.headers['content-type']).toMatch(/javascript/);
      expect(script.text).toContain('window.location.reload()');
    } finally {
      await w.t.db.sql`update needs set version = version - 1 where id = ${id}`;
    }
  });

  it("answers the status only to whoever may see the post, and nothing of an anonymous need's owner", async () => {
    const theirs = await supplier.get(`${needUrl}/status.json`).expect(200);
    expect(Object.keys(theirs.body).sort()).toEqual(['id', 'live', 'matchedAt', 'matching', 'status']);
    const [org] = await w.t.db.sql<{ id: string }[]>`select id from organisations where name = 'Facts Bio'`;
    expect(theirs.text).not.toContain(org!.id);
    expect(theirs.text).not.toContain('Facts Bio');

    // A closed need is its owner's alone: the other organisation gets the 404 its page gets.
    const closed = await submit(bio, '/needs/new', '/needs', {
      title: 'Closed need about media',
      description: 'Chemically defined media for CHO cells.',
      trlMin: '4',
      trlMax: '6',
      openTo: 'supplier',
      anonymous: 'true',
    });
    const closedUrl = closed.headers.location!;
    await w.t.db.sql`update needs set status = 'closed' where id = ${closedUrl.split('/').at(-1)!}`;
    await supplier.get(closedUrl).expect(404);
    const hidden = await supplier.get(`${closedUrl}/status.json`).set('Accept', 'application/json').expect(404);
    expect(hidden.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(hidden.text).not.toContain('Facts Bio');
    expect((await bio.get(`${closedUrl}/status.json`).expect(200)).body).toMatchObject({
      status: 'closed',
      live: false,
    });
    expect(factsOf((await bio.get(closedUrl).expect(200)).text)).toContain('Status: Closed');

    // Signed out: a 401, not a page to sign in on; an address that is no post: a 404.
    const out = await request(app()).get(`${needUrl}/status.json`).set('Accept', 'application/json').expect(401);
    expect(out.body.code).toBe('unauthorized');
    await supplier.get('/needs/not-a-post/status.json').set('Accept', 'application/json').expect(404);
  });
});

describe('signing in back to the page asked for', () => {
  it('sends a visitor to sign in and, by the emailed link, back to settings', async () => {
    await signUpThroughPages(w, 'biomanufacturer', 'Return Bio', 'return@bio.example');
    const browser = request.agent(app());
    // The digest's "Email settings" link is /settings.
    const asked = await browser.get('/settings').expect(303);
    expect(asked.headers.location).toBe('/signin?next=/settings');
    const form = await browser.get('/signin?next=/settings').expect(200);
    expect(form.text).toContain('<input type="hidden" name="next" value="/settings">');
    const signedIn = await signInThroughPages(w, browser, 'return@bio.example', { page: '/signin?next=/settings' });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe('/settings');
    expect((await browser.get('/settings').expect(200)).text).toContain('<h1>Digest settings</h1>');
    // The page to return to is used once: the next sign-in lands on the dashboard.
    await submit(browser, '/settings', '/signout', {});
    const again = await signInThroughPages(w, browser, 'return@bio.example');
    expect(again.headers.location).toBe('/');
    // Signed in already: /signin goes straight on.
    expect((await browser.get('/signin?next=/introductions').expect(303)).headers.location).toBe('/introductions');
  });

  it('keeps the query of the page asked for', async () => {
    const res = await request(app()).get('/needs/new?from=digest&x=1').expect(303);
    expect(res.headers.location).toBe('/signin?next=/needs/new%3Ffrom%3Ddigest%26x%3D1');
    const form = await request(app()).get(res.headers.location!).expect(200);
    expect(form.text).toContain('name="next" value="/needs/new?from=digest&amp;x=1"');
  });

  it('refuses to send anyone to another site', async () => {
    const unsafe = [
      '//evil.example/settings',
      'https://evil.example/',
      'http:/evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      '/\t/evil.example',
      'javascript:alert(1)',
      'settings',
      '',
    ];
    for (const next of unsafe) {
      const page = await request(app())
        .get(`/signin?next=${encodeURIComponent(next)}`)
        .expect(200);
      expect(page.text, next).not.toContain('name="next"');
    }
    // Posted with the form anyway: no page to return to is kept, and the sign-in lands on the dashboard.
    await signUpThroughPages(w, 'supplier', 'Safe Supplies', 'safe@supplies.example');
    for (const next of ['//evil.example', 'https://evil.example/x', '/\\evil.example']) {
      const signedIn = await signInThroughPages(w, request.agent(app()), 'safe@supplies.example', { next });
      expect(signedIn.headers.location).toBe('/');
    }
    // The same check guards the cookie that carries `next` to the emailed link.
    for (const next of unsafe) expect(safeNext(next), next).toBeUndefined();
    expect(safeNext('/settings')).toBe('/settings');
    expect(safeNext('/needs/1?x=1#m')).toBe('/needs/1?x=1#m');
  });
});
