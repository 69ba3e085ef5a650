import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleNeed, sampleOffering, signup } from '../helpers.js';
import { startMailWorld, type MailWorld } from '../mail-world.js';
import { signInThroughPages, type Agent } from './forms.js';

// Browsing and searching the marketplace on the web (/needs, /offerings), and following a match to the
// other side's post.

let w: MailWorld;
type Org = Awaited<ReturnType<typeof signup>>;
let bio: Org;
let secretive: Org;
let supplier: Org;
let academic: Org;
/** The supplier's browser, signed in. */
let browser: Agent;
let bioBrowser: Agent;
const ids: Record<string, string> = {};

async function signedIn(org: Org) {
  const agent = request.agent(w.t.app);
  const res = await signInThroughPages(w, agent, org.email);
  expect(res.status).toBe(303);
  return agent;
}

async function post(org: Org, side: 'needs' | 'offerings', body: object, key: string) {
  const res = await request(w.t.app).post(`/v1/${side}`).set(org.auth).send(body).expect(201);
  ids[key] = res.body.id as string;
}

/** The posts a listing page shows, by their links, in order. */
const listed = (html: string, side: 'needs' | 'offerings') =>
  [...html.matchAll(new RegExp(`<h3 id="post-[^"]+"[^>]*><a href="/${side}/([0-9a-f-]{36})">`, 'g'))].map((m) => m[1]!);

async function ids$(path: string) {
  const res = await browser.get(path).expect(200);
  return listed(res.text, path.startsWith('/needs') ? 'needs' : 'offerings');
}

beforeAll(async () => {
  w = await startMailWorld();
  bio = await signup(w.t.app, 'biomanufacturer', 'Halvard Biologics');
  secretive = await signup(w.t.app, 'biomanufacturer', 'Secretive Pharma');
  supplier = await signup(w.t.app, 'supplier', 'Lumen Probes');
  academic = await signup(w.t.app, 'academic', 'Delft Bioprocess Lab');

  await post(
    bio,
    'needs',
    sampleNeed({
      title: 'Early-stage monitoring of protein aggregation',
      description:
        'We look for process analytical technology that measures protein aggregation in-line during ultrafiltration.',
      keywords: ['aggregation'],
      capabilities: ['imrr.spectroscopic-pat'],
      trlMin: 2,
      trlMax: 4,
    }),
    'aggregation',
  );
  await post(
    secretive,
    'needs',
    sampleNeed({
      title: 'Continuous capture of monoclonal antibodies',
      description:
        'We want periodic counter-current chromatography to capture monoclonal antibodies continuously from perfusion harvest.',
      keywords: ['PCC', 'continuous capture'],
      capabilities: ['pt.continuous-downstream'],
      trlMin: 6,
      trlMax: 8,
      anonymous: true,
    }),
    'anonymous',
  );
  await post(
    supplier,
    'offerings',
    sampleOffering({
      title: 'Periodic counter-current chromatography skid',
      description: 'Continuous capture of monoclonal antibodies on multi-column chromatography.',
      capabilities: ['pt.continuous-downstream'],
      keywords: ['PCC'],
      trl: 7,
    }),
    'pcc',
  );
  await post(
    academic,
    'offerings',
    sampleOffering({
      title: 'Perfusion culture with alternating tangential flow cell retention',
      description: 'Our lab characterises high cell density perfusion processes.',
      capabilities: ['pt.upstream-intensification'],
      keywords: [],
      partnershipTypes: ['research-collaboration'],
      trl: 4,
    }),
    'perfusion',
  );
  await post(supplier, 'offerings', sampleOffering(), 'raman');
  await post(bio, 'needs', sampleNeed(), 'raman-need');
  browser = await signedIn(supplier);
  bioBrowser = await signedIn(bio);
});

afterAll(async () => {
  await w?.close();
});

describe('browsing the marketplace', () => {
  it('sends a signed-out visitor to sign in, and back after', async () => {
    const needs = await request(w.t.app).get('/needs?q=PAT').expect(303);
    expect(needs.headers.location).toBe('/signin?next=/needs%3Fq%3DPAT');
    const offerings = await request(w.t.app).get('/offerings').expect(303);
    expect(offerings.headers.location).toBe('/signin?next=/offerings');
  });

  it('is linked from the navigation, and lists every live post newest first', async () => {
    const res = await browser.get('/').expect(200);
    expect(res.text).toContain('<a href="/needs">Needs</a>');
    expect(res.text).toContain('<a href="/offerings">Offerings</a>');
    expect(await ids$('/needs')).toEqual([ids['raman-need'], ids.anonymous, ids.aggregation]);
    expect(await ids$('/offerings')).toEqual([ids.raman, ids.perfusion, ids.pcc]);
  });

  it('searches through the thesaurus: "PAT" finds "process analytical technology"', async () => {
    const pat = await ids$('/needs?q=PAT');
    expect(pat).toContain(ids.aggregation);
    expect(pat).not.toContain(ids.anonymous);
    expect(await ids$('/offerings?q=chromatography')).toEqual([ids.pcc]);
    const none = await browser.get('/offerings?q=lyophilisation').expect(200);
    expect(none.text).toContain('No offerings match this search.');
    // The search stays in its box.
    expect(none.text).toContain('value="lyophilisation"');
  });

  it('filters by capability (slug or name), area, organisation kind and TRL', async () => {
    expect(await ids$('/offerings?capability=pt.continuous-downstream')).toEqual([ids.pcc]);
    expect(
      await ids$(`/offerings?capability=${encodeURIComponent('Continuous and integrated downstream processing')}`),
    ).toEqual([ids.pcc]);
    expect(await ids$('/offerings?area=pt')).toEqual([ids.perfusion, ids.pcc]);
    expect(await ids$('/offerings?organisationKind=academic')).toEqual([ids.perfusion]);
    expect(await ids$('/offerings?trl=4')).toEqual([ids.perfusion]);
    expect(await ids$('/offerings?trl=7&area=pt')).toEqual([ids.pcc]);
    // A need's TRL range holds the level asked for.
    expect(await ids$('/needs?trl=3')).toEqual([ids.aggregation]);
    expect(await ids$('/needs?trl=7')).toEqual([ids['raman-need'], ids.anonymous]);
    expect(await ids$('/needs?trl=4')).toEqual([ids.aggregation]);
    // Empty fields of the form are no filter; the chosen ones stay chosen.
    const form = await browser.get('/needs?q=&capability=&area=pt&organisationKind=&trl=7').expect(200);
    expect(listed(form.text, 'needs')).toEqual([ids.anonymous]);
    expect(form.text).toContain('<option value="pt" selected>');
    expect(form.text).toContain('<option value="7" selected>TRL 7</option>');
  });

  it('pages with the API cursor through a "More" link, every post once', async () => {
    const seen: string[] = [];
    let path: string | undefined = '/offerings?limit=1';
    let pages = 0;
    while (path) {
      const res: request.Response = await browser.get(path).expect(200);
      seen.push(...listed(res.text, 'offerings'));
      pages++;
      const more = /<a class="button secondary" href="([^"]+)" rel="next">More offerings<\/a>/.exec(res.text)?.[1];
      path = more?.replace(/&amp;/g, '&');
      if (path) expect(path).toMatch(/^\/offerings\?limit=1&cursor=/);
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([ids.raman, ids.perfusion, ids.pcc]);
    // Filters are kept on the next page.
    const first = await browser.get('/offerings?area=pt&limit=1').expect(200);
    const next = /href="([^"]+)" rel="next"/.exec(first.text)![1]!.replace(/&amp;/g, '&');
    expect(next).toContain('area=pt');
    expect(await ids$(next)).toEqual([ids.pcc]);
    const last = await browser.get(next).expect(200);
    expect(last.text).not.toContain('rel="next"');
  });

  it('never shows the owner of another organisation’s anonymous need', async () => {
    for (const path of [
      '/needs',
      '/needs?q=chromatography',
      '/needs?area=pt',
      '/needs?organisationKind=biomanufacturer',
    ]) {
      const res = await browser.get(path).expect(200);
      expect(listed(res.text, 'needs')).toContain(ids.anonymous);
      expect(res.text).not.toContain('Secretive Pharma');
      expect(res.text).toContain('an anonymous biomanufacturer');
    }
    // As the API answers it to the same viewer.
    const api = await request(w.t.app).get('/v1/needs?q=chromatography').set(supplier.auth).expect(200);
    expect(api.body.items[0]).toMatchObject({ id: ids.anonymous, organisation: null });
    // Its owner sees its own name.
    const own = await (await signedIn(secretive)).get('/needs?q=chromatography').expect(200);
    expect(own.text).toContain('Secretive Pharma');
    expect(own.text).toContain('<span class="badge">Yours</span>');
    // A named need says whose it is.
    const named = await browser.get('/needs?trl=3').expect(200);
    expect(named.text).toContain('Halvard Biologics');
  });

  it('shows a bad filter value in plain words beside its field, with status 400', async () => {
    const res = await browser.get('/needs?capability=quantum+bioreactors').expect(400);
    expect(res.text).toMatch(/id="capability"[^>]*aria-invalid="true" aria-describedby="capability-error"/);
    expect(res.text).toMatch(
      /<span id="capability-error" class="error">&quot;quantum bioreactors&quot; is not a capability of the roadmap taxonomy[^<]*<\/span>/,
    );
    expect(res.text).not.toContain('GET /v1/capabilities');
    expect(res.text).toContain('value="quantum bioreactors"');
    expect(listed(res.text, 'needs')).toEqual([]);

    const trl = await browser.get('/offerings?trl=12').expect(400);
    expect(trl.text).toContain('<span id="trl-error" class="error">The TRL must be from 1 to 9.</span>');
    const cursor = await browser.get('/offerings?cursor=bm9wZQ').expect(400);
    expect(cursor.text).toContain('That page of results is out of date; search again.');
    const long = await browser.get(`/offerings?cursor=${'a'.repeat(201)}`).expect(400);
    expect(long.text).toContain('That page of results is out of date; search again.');
    const size = await browser.get('/offerings?limit=0').expect(400);
    expect(size.text).toContain('The page size must be from 1 to 100.');
  });

  it('links every result to its page', async () => {
    for (const side of ['needs', 'offerings'] as const) {
      const res = await browser.get(`/${side}`).expect(200);
      const found = listed(res.text, side);
      expect(found.length).toBeGreaterThan(0);
      for (const id of found) {
        const page = await browser.get(`/${side}/${id}`).expect(200);
        expect(page.text).not.toContain('Secretive Pharma');
      }
    }
  });
});

describe('match cards', () => {
  it('link to the counterpart’s page, an anonymous need staying anonymous there', async () => {
    await w.matched();
    // The need's owner sees the offering it was matched with, and can open it.
    const need = await bioBrowser.get(`/needs/${ids['raman-need']}`).expect(200);
    expect(need.text).toContain(`<a href="/offerings/${ids.raman}">${sampleOffering().title}</a>`);
    const offering = await bioBrowser.get(`/offerings/${ids.raman}`).expect(200);
    expect(offering.text).toContain(sampleOffering().title);

    // The offering's owner sees the needs it was matched with.
    const mine = await browser.get(`/offerings/${ids.raman}`).expect(200);
    expect(mine.text).toContain(`<a href="/needs/${ids['raman-need']}">`);
    const pcc = await browser.get(`/offerings/${ids.pcc}`).expect(200);
    expect(pcc.text).toContain(`<a href="/needs/${ids.anonymous}">Continuous capture of monoclonal antibodies</a>`);
    expect(pcc.text).not.toContain('Secretive Pharma');
    const anonymous = await browser.get(`/needs/${ids.anonymous}`).expect(200);
    expect(anonymous.text).toContain('an anonymous biomanufacturer');
    expect(anonymous.text).not.toContain('Secretive Pharma');
  });
});
