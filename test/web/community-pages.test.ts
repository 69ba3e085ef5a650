import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHARTER } from '../../core/charter.js';
import { labOffering, sterilityNeeds } from '../community-fixtures.js';
import { startMailWorld, until, type MailWorld } from '../mail-world.js';
import { linksIn } from '../smtp.js';
import { pathOf, signUpThroughPages, submit, type Agent } from './forms.js';

// The community pages through supertest, on the real API and worker: common needs, a consortium started
// from one under the charter, invitations by suggestion, joining from the emailed link, members-only
// contacts and log, follows, coverage, and the competitive-sensitivity warning on the forms.

let w: MailWorld;

const count = async (query: string) => {
  const [row] = await w.t.db.sql.unsafe<{ n: number }[]>(query);
  return row!.n;
};

const signedUp = (kind: string, organisation: string, email: string) =>
  signUpThroughPages(w, kind, organisation, email);

/** A fixture's API body as the post form's fields. */
function formFields(body: Record<string, unknown>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === 'keywords') out[k] = (v as string[]).join(', ');
    else if (Array.isArray(v)) out[k] = v.map(String);
    else out[k] = String(v);
  }
  return out;
}

async function post(agent: Agent, side: 'need' | 'offering', body: Record<string, unknown>): Promise<string> {
  const res = await submit(agent, `/${side}s/new`, `/${side}s`, formFields(body));
  expect(res.status).toBe(303);
  return res.headers.location!.split('/').at(-1)!;
}

const EMAILS = {
  alpha: 'dana@alpha.example',
  beta: 'bo@beta.example',
  gamma: 'gil@gamma.example',
  lab: 'lea@rapidlab.example',
  outsider: 'oz@outside.example',
};
let alpha: Agent;
let beta: Agent;
let gamma: Agent;
let lab: Agent;
let outsider: Agent;
const ids: Record<string, string> = {};
let groupId = '';
let consortiumUrl = '';

beforeAll(async () => {
  w = await startMailWorld();
  [alpha, beta, gamma, lab, outsider] = await Promise.all([
    signedUp('biomanufacturer', 'Alpha Biologics', EMAILS.alpha),
    signedUp('biomanufacturer', 'Beta Vectors', EMAILS.beta),
    signedUp('biomanufacturer', 'Gamma Therapeutics', EMAILS.gamma),
    signedUp('academic', 'Institute of Rapid Microbiology', EMAILS.lab),
    signedUp('supplier', 'Outside Supplies', EMAILS.outsider),
  ]);
  ids.alpha = await post(alpha, 'need', sterilityNeeds.alpha);
  ids.beta = await post(beta, 'need', sterilityNeeds.beta);
  ids.gamma = await post(gamma, 'need', sterilityNeeds.gamma); // anonymous
  ids.offering = await post(lab, 'offering', labOffering);
  await w.matched();
  const [row] = await w.t.db.sql<{ group_id: string }[]>`
    select group_id from common_need_group_members where need_id = ${ids.gamma!}`;
  groupId = row?.group_id ?? '';
}, 90_000);

afterAll(async () => {
  await w?.close();
});

describe('common needs on the pages', () => {
  it('lists the group to anyone signed in, anonymous needs without their organisation', async () => {
    expect(groupId).not.toBe('');
    for (const path of ['/common-needs', `/common-needs/${groupId}`]) {
      const page = await outsider.get(path).expect(200);
      expect(page.text).toContain(`/needs/${ids.alpha}`);
      expect(page.text).toContain(`/needs/${ids.gamma}`);
      expect(page.text).toContain('Alpha Biologics');
      expect(page.text).toContain('an anonymous biomanufacturer');
      expect(page.text).not.toContain('Gamma Therapeutics');
      expect(page.text).toContain('Rapid microbiological methods');
      expect(page.text).toMatch(/\d organisations · \d needs · 1 offering fits/);
      // A supplier may not convene: no button, and the reason why.
      expect(page.text).not.toContain('Start a consortium</a>');
      expect(page.text).toContain('A consortium is convened by a biomanufacturer that owns one of its needs');
    }
    // A biomanufacturer owning one of the needs may.
    const own = await alpha.get('/common-needs').expect(200);
    expect(own.text).toContain(`href="/consortia/new?group=${groupId}">Start a consortium</a>`);
    // Filters by area and capability.
    expect((await outsider.get('/common-needs?area=imrr').expect(200)).text).toContain(`/common-needs/${groupId}"`);
    const elsewhere = await outsider.get('/common-needs?capability=pt.media-feeds').expect(200);
    expect(elsewhere.text).not.toContain(`/common-needs/${groupId}"`);
    expect(elsewhere.text).toContain('No common need in what you chose.');
    // The menu leads there.
    expect(own.text).toContain('<a href="/common-needs">Common needs</a><a href="/consortia">Consortia</a>');
    await request(w.t.app).get('/common-needs').expect(303);
    await outsider.get('/common-needs/00000000-0000-4000-8000-000000000000').expect(404);
  });

  it('tells a need’s page how many other biomanufacturers need it too, and links to the group', async () => {
    const page = await alpha.get(`/needs/${ids.alpha}`).expect(200);
    const n = await count(
      `select count(*)::int as n from common_needs where need_a = '${ids.alpha}' or need_b = '${ids.alpha}'`,
    );
    expect(n).toBeGreaterThan(0);
    expect(page.text).toContain(`${n} other biomanufacturer${n === 1 ? '' : 's'} need${n === 1 ? 's' : ''} this too`);
    expect(page.text).toContain(`href="/common-needs/${groupId}"`);
    if (page.text.includes(`/needs/${ids.gamma}"`)) expect(page.text).toContain('an anonymous biomanufacturer');
    expect(page.text).not.toContain('Gamma Therapeutics');
  });

  it('counts common needs per capability on the coverage page', async () => {
    const res = await request(w.t.app).get('/coverage').expect(200);
    expect(res.text).toContain('<th scope="col">Common needs</th>');
    expect(res.text).toMatch(/<td>Rapid microbiological methods<\/td>(<td>\d+<\/td>){3}<td>1<\/td>/);
    expect(res.text).toMatch(/<td>Spectroscopic process analytical technology<\/td>(<td>\d+<\/td>){3}<td>0<\/td>/);
    expect(res.text).toContain('1 common</text>');
  });
});

describe('a consortium through the pages', () => {
  it('starts from a group only with the charter ticked, and with flagged text only after the warning', async () => {
    const form = await alpha.get(`/consortia/new?group=${groupId}`).expect(200);
    expect(form.text).toContain(`I accept the charter (version ${CHARTER.version})`);
    expect(form.text).toContain(`name="charterVersion" value="${CHARTER.version}"`);
    expect(form.text).toContain('allocation of markets, territories, customers or suppliers between anyone'); // in full
    expect(form.text).toContain(`name="needIds" value="${ids.gamma}" checked`);
    expect(form.text).toContain(`name="needIds" value="${ids.alpha}" checked`);
    expect(form.text).not.toContain('Gamma Therapeutics');
    expect(form.text).toContain('value="imrr.rapid-microbiology" checked');
    // Someone who may not convene is refused.
    await outsider.get(`/consortia/new?group=${groupId}`).expect(403);

    const fields = {
      group: groupId,
      title: 'Rapid sterility release <for short shelf-life products>',
      scope: 'A shared validation package for rapid sterility methods: requirements, test panels, acceptance criteria.',
      needIds: [ids.alpha!, ids.beta!, ids.gamma!],
      capabilities: ['imrr.rapid-microbiology'],
      charterVersion: CHARTER.version,
    };
    const unticked = await submit(alpha, `/consortia/new?group=${groupId}`, '/consortia', fields);
    expect(unticked.status).toBe(422);
    expect(unticked.text).toMatch(/<span id="acceptCharter-error" class="error">Tick the box to accept the charter/);
    expect(unticked.text).toContain('aria-describedby="acceptCharter-error"');
    expect(unticked.text).toContain('value="Rapid sterility release &lt;for short shelf-life products&gt;"');
    expect(await count('select count(*)::int as n from consortia')).toBe(0);

    const flaggedScope = `${fields.scope} We could offer members a 15% discount on consumables.`;
    const flagged = await submit(alpha, `/consortia/new?group=${groupId}`, '/consortia', {
      ...fields,
      scope: flaggedScope,
      acceptCharter: 'true',
    });
    expect(flagged.status).toBe(422);
    expect(flagged.text).toMatch(/id="scope-flags"[\s\S]*<mark>15% discount<\/mark>:/);
    expect(flagged.text).toContain('This is not competitively sensitive: save it and flag it for review');
    expect(flagged.text).toContain('We could offer members a 15% discount on consumables.</textarea>');
    expect(await count('select count(*)::int as n from consortia')).toBe(0);

    const created = await submit(alpha, `/consortia/new?group=${groupId}`, '/consortia', {
      ...fields,
      scope: flaggedScope,
      acceptCharter: 'true',
      acknowledgeSensitive: 'true',
    });
    expect(created.status).toBe(303);
    consortiumUrl = created.headers.location!;
    expect(consortiumUrl).toMatch(/^\/consortia\/[0-9a-f-]{36}$/);
    expect(
      await count("select count(*)::int as n from sensitive_flags where subject_type = 'consortium'"),
    ).toBeGreaterThan(0);

    const page = await alpha.get(consortiumUrl).expect(200);
    expect(page.text).toContain('<h1>Rapid sterility release &lt;for short shelf-life products&gt;</h1>');
    expect(page.text).toContain('<span class="badge">forming</span>');
    expect(page.text).toContain('1 biomanufacturer.');
    // The group now links to it.
    expect((await outsider.get(`/common-needs/${groupId}`).expect(200)).text).toContain(`href="${consortiumUrl}"`);
    expect((await outsider.get('/consortia').expect(200)).text).toContain(`href="${consortiumUrl}"`);
  });

  it('invites by suggestion: needs by need (an anonymous owner unrevealed), and offerings', async () => {
    const page = await alpha.get(consortiumUrl).expect(200);
    expect(page.text).toContain('Whom to invite');
    expect(page.text).toContain(`name="needId" value="${ids.gamma}"`);
    expect(page.text).toContain(`name="needId" value="${ids.beta}"`);
    expect(page.text).toContain(`name="offeringId" value="${ids.offering}"`);
    expect(page.text).toContain('an anonymous biomanufacturer');
    expect(page.text).not.toContain('Gamma Therapeutics');
    for (const target of [{ needId: ids.gamma! }, { needId: ids.beta! }, { offeringId: ids.offering! }] as Record<
      string,
      string
    >[]) {
      const res = await submit(alpha, consortiumUrl, `${consortiumUrl}/invitations`, target);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(consortiumUrl);
    }
    const after = await alpha.get(consortiumUrl).expect(200);
    expect(after.text.match(/<span class="badge">Invited<\/span>/g)).toHaveLength(3);
    expect(after.text).not.toContain('Gamma Therapeutics');
    // Inviting again is a clear refusal, not a server error.
    const again = await submit(alpha, consortiumUrl, `${consortiumUrl}/invitations`, { needId: ids.gamma! });
    expect(again.status).toBe(409);
    expect(again.text).toContain('invited already');
    // Only members invite.
    const stranger = await submit(outsider, consortiumUrl, `${consortiumUrl}/invitations`, { needId: ids.gamma! });
    expect(stranger.status).toBe(403);
    // The invited see it on their dashboard.
    expect((await gamma.get('/').expect(200)).text).toContain(`href="${consortiumUrl}"`);
  });

  it('joins from the emailed link only with the charter ticked; declines from the other link', async () => {
    const invitationLinks = async (email: string, label: string) =>
      (await w.smtp.to(email)).flatMap((m) => linksIn(m.parsed.text ?? '', label)).map(pathOf);
    await until(async () => (await invitationLinks(EMAILS.gamma, 'Read and join')).length > 0);
    const join = (await invitationLinks(EMAILS.gamma, 'Read and join'))[0]!;

    const shown = await request(w.t.app).get(join).expect(200);
    expect(shown.text).toContain('Rapid sterility release &lt;for short shelf-life products&gt;');
    expect(shown.text).toContain('A shared validation package for rapid sterility methods');
    expect(shown.text).toContain(`I accept the charter (version ${CHARTER.version})`);
    expect(shown.text).toContain('bids and tenders, including whether or how anyone will bid');
    // The sentence comes before the button.
    const reveal = shown.text.indexOf(
      'Joining reveals your organisation to the members of this consortium, and only to them.',
    );
    expect(reveal).toBeGreaterThan(0);
    expect(reveal).toBeLessThan(shown.text.indexOf('<button type="submit">Join</button>'));
    const member = `select count(*)::int as n from consortium_members m join organisations o on o.id = m.organisation_id
                    where o.name = 'Gamma Therapeutics' and m.left_at is null`;
    expect(await count(member)).toBe(0); // GET never acts

    const unticked = await request(w.t.app)
      .post(join)
      .type('form')
      .send({ charterVersion: CHARTER.version })
      .expect(422);
    expect(unticked.text).toMatch(/<span id="acceptCharter-error" class="error">Tick the box to accept the charter/);
    expect(await count(member)).toBe(0);

    const joined = await request(w.t.app)
      .post(join)
      .type('form')
      .send({ acceptCharter: 'true', charterVersion: CHARTER.version })
      .expect(200);
    expect(joined.text).toContain('You have joined');
    expect(await count(member)).toBe(1);
    // The link has done its one thing.
    expect((await request(w.t.app).get(join).expect(409)).text).toContain('Your organisation is a member');
    // A changed link is refused.
    await request(w.t.app)
      .get(`${join.slice(0, -4)}AAAA`)
      .expect(400);

    // Beta declines from its link: GET asks, POST declines.
    await until(async () => (await invitationLinks(EMAILS.beta, 'Decline')).length > 0);
    const decline = (await invitationLinks(EMAILS.beta, 'Decline'))[0]!;
    const ask = await request(w.t.app).get(decline).expect(200);
    expect(ask.text).toContain('Decline the invitation');
    await request(w.t.app).post(decline).type('form').send({}).expect(200);
    expect(
      await count(
        `select count(*)::int as n from consortium_invitations where need_id = '${ids.beta}' and status = 'declined'`,
      ),
    ).toBe(1);

    // The lab joins on the consortium's page, signed in: the tick is required there too.
    const labPage = await lab.get(consortiumUrl).expect(200);
    const labReveal = labPage.text.indexOf('Joining reveals your organisation to the members of this consortium');
    expect(labReveal).toBeGreaterThan(0);
    expect(labReveal).toBeLessThan(labPage.text.indexOf('<button type="submit">Join</button>'));
    const noTick = await submit(lab, consortiumUrl, `${consortiumUrl}/join`, { charterVersion: CHARTER.version });
    expect(noTick.status).toBe(422);
    expect(noTick.text).toContain('id="acceptCharter-error"');
    const labJoined = await submit(lab, consortiumUrl, `${consortiumUrl}/join`, {
      acceptCharter: 'true',
      charterVersion: CHARTER.version,
    });
    expect(labJoined.status).toBe(303);
    const active = await lab.get(consortiumUrl).expect(200);
    expect(active.text).toContain('<span class="badge">active</span>');
  });

  it('shows members each other’s contacts, and nobody else', async () => {
    for (const agent of [alpha, gamma, lab]) {
      const page = await agent.get(consortiumUrl).expect(200);
      for (const email of [EMAILS.alpha, EMAILS.gamma, EMAILS.lab]) expect(page.text).toContain(email);
      expect(page.text).toContain('Gamma Therapeutics');
      expect(page.text).toContain(`href="${consortiumUrl}/log"`);
    }
    for (const agent of [outsider, beta]) {
      const page = await agent.get(consortiumUrl).expect(200);
      expect(page.text).toContain('2 biomanufacturers, 1 academic group');
      for (const email of [EMAILS.alpha, EMAILS.gamma, EMAILS.lab]) expect(page.text).not.toContain(email);
      expect(page.text).not.toContain('Gamma Therapeutics');
      expect(page.text).toContain('Only members see who the members are');
      expect(page.text).not.toContain('Whom to invite');
    }
  });

  it('shows the log to members only', async () => {
    const log = await gamma.get(`${consortiumUrl}/log`).expect(200);
    expect(log.text).toContain('created the consortium');
    expect(log.text).toContain(`Gamma Therapeutics) joined, accepting the charter version ${CHARTER.version}`);
    expect(log.text).toContain('An invitation (for a need) was declined.');
    expect(log.text).toContain('The consortium became active');
    const refused = await outsider.get(`${consortiumUrl}/log`).expect(403);
    expect(refused.text).toContain('Only the consortium’s members may read its log.');
    expect(refused.text).not.toContain('created the consortium');
  });

  it('lets a member leave and the convener close', async () => {
    const page = await lab.get(consortiumUrl).expect(200);
    expect(page.text).toContain('Leave the consortium');
    expect(page.text).not.toContain('Close the consortium');
    expect((await submit(lab, consortiumUrl, `${consortiumUrl}/leave`, {})).status).toBe(303);
    expect((await lab.get(consortiumUrl).expect(200)).text).not.toContain(EMAILS.alpha);
    expect((await submit(lab, consortiumUrl, `${consortiumUrl}/close`, {})).status).toBe(403);
    expect((await submit(alpha, consortiumUrl, `${consortiumUrl}/close`, {})).status).toBe(303);
    const closed = await alpha.get(consortiumUrl).expect(200);
    expect(closed.text).toContain('<span class="badge">closed</span>');
    expect(closed.text).not.toContain('Whom to invite');
    expect((await alpha.get('/consortia?status=closed').expect(200)).text).toContain(`href="${consortiumUrl}"`);
    expect((await alpha.get('/consortia?status=forming').expect(200)).text).not.toContain(`href="${consortiumUrl}"`);
    expect((await alpha.get(`${consortiumUrl}/log`).expect(200)).text).toContain('closed the consortium');
  });
});

describe('follows and the competitive-sensitivity warning', () => {
  it('saves what a person follows on the settings page', async () => {
    const before = await outsider.get('/settings').expect(200);
    expect(before.text).toContain('your digest then tells you of the new common needs');
    const res = await submit(outsider, '/settings', '/settings/follows', {
      capabilities: ['imrr.rapid-microbiology', 'km.data-standards'],
      areas: 'pt',
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Your follows are saved.');
    expect(res.text).toContain('value="imrr.rapid-microbiology" checked');
    expect(res.text).toContain('name="areas" value="pt" checked');
    const [row] = await w.t.db.sql<{ followed_capabilities: string[]; followed_areas: string[] }[]>`
      select followed_capabilities, followed_areas from users where email = ${EMAILS.outsider}`;
    expect(row).toEqual({
      followed_capabilities: ['imrr.rapid-microbiology', 'km.data-standards'],
      followed_areas: ['pt'],
    });
    const bad = await submit(outsider, '/settings', '/settings/follows', { capabilities: 'not.a-capability' });
    expect(bad.status).toBe(400);
  });

  it('shows a flagged need beside its field and saves it only with the tick', async () => {
    const need = {
      title: 'Resin lifetime study across sites',
      description: 'Their list price is $120 per gram for the resin. We want lifetime data for protein A resins.',
      capabilities: 'pt.purification-technology',
      keywords: 'resin lifetime',
      trlMin: '4',
      trlMax: '8',
      partnershipTypes: 'pilot',
      openTo: 'supplier',
    };
    const flagged = await submit(alpha, '/needs/new', '/needs', need);
    expect(flagged.status).toBe(422);
    expect(flagged.text).toMatch(/id="description-flags"[\s\S]*<mark>list price is \$120 per gram<\/mark>:/);
    expect(flagged.text).toContain('aria-describedby="description-help description-flags"');
    expect(flagged.text).toContain('This is not competitively sensitive: save it and flag it for review');
    expect(flagged.text).toContain('value="Resin lifetime study across sites"');
    const saved = `select count(*)::int as n from needs where title = 'Resin lifetime study across sites'`;
    expect(await count(saved)).toBe(0);
    const ok = await submit(alpha, '/needs/new', '/needs', { ...need, acknowledgeSensitive: 'true' });
    expect(ok.status).toBe(303);
    expect(await count(saved)).toBe(1);
    expect(await count("select count(*)::int as n from sensitive_flags where subject_type = 'need'")).toBe(1);

    // Editing: unchanged flagged text is not asked about again; new flagged text is.
    const url = ok.headers.location!;
    const same = await submit(alpha, `${url}/edit`, `${url}/edit`, { ...need, status: 'open' });
    expect(same.status).toBe(303);
    const edited = await submit(alpha, `${url}/edit`, `${url}/edit`, {
      ...need,
      title: 'Resin lifetime study for our customer Pfizer in Ireland',
      status: 'open',
    });
    expect(edited.status).toBe(422);
    expect(edited.text).toMatch(/id="title-flags"[\s\S]*<mark>our customer Pfizer<\/mark>/);
  });

  it('warns on a flagged introduction message and sends it only with the tick', async () => {
    const [match] = await w.t.db.sql<{ id: string }[]>`
      select id from matches where need_id = ${ids.alpha!} and offering_id = ${ids.offering!}`;
    expect(match).toBeDefined();
    const action = `/matches/${match!.id}/introduction`;
    const message = 'We could offer members a 15% discount on consumables.';

    // From the digest's one-click link: the same warning beside the message, and the tick box.
    await w.runDigests();
    const links = (await w.smtp.to(EMAILS.alpha))
      .flatMap((m) => linksIn(m.parsed.text ?? '', 'Request an introduction'))
      .map(pathOf);
    expect(links.length).toBeGreaterThan(0);
    const fromLink = await request(w.t.app).post(links[0]!).type('form').send({ message }).expect(422);
    expect(fromLink.text).toContain(`${message}</textarea>`);
    expect(fromLink.text).toMatch(/id="message-flags"[\s\S]*<mark>15% discount<\/mark>/);
    expect(fromLink.text).toContain('name="acknowledgeSensitive" value="true"');

    const flagged = await submit(alpha, `/needs/${ids.alpha}`, action, { message });
    expect(flagged.status).toBe(422);
    expect(flagged.text).toContain(`${message}</textarea>`);
    expect(flagged.text).toMatch(/<mark>15% discount<\/mark>/);
    expect(flagged.text).toContain('This is not competitively sensitive');
    const empty = await submit(alpha, `/needs/${ids.alpha}`, action, { message: ' ' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain(`id="message-${match!.id}-error"`);
    expect(await count('select count(*)::int as n from introductions')).toBe(0);
    const sent = await submit(alpha, `/needs/${ids.alpha}`, action, { message, acknowledgeSensitive: 'true' });
    expect(sent.status).toBe(303);
    expect(await count('select count(*)::int as n from introductions')).toBe(1);
  });
});
