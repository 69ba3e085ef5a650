import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addMonths } from '../../core/policy.js';
import { needSide } from '../../api/routes/posts.js';
import { sampleNeed, signup } from '../helpers.js';
import { startMailWorld, type MailWorld } from '../mail-world.js';
import { csrfOf, signInThroughPages, submit, type Agent } from './forms.js';

// The owner's buttons on a post's page (renew, close, reopen, delete) as forms: each needs the page's CSRF
// token and the post to be the viewer's organisation's; the post form's expiry field in plain words.

let w: MailWorld;
let owner: Awaited<ReturnType<typeof signup>>;
let ownerAgent: Agent;
let otherAgent: Agent;

beforeAll(async () => {
  w = await startMailWorld();
  owner = await signup(w.t.app, 'biomanufacturer', 'Buttons Biologics');
  const other = await signup(w.t.app, 'biomanufacturer', 'Bystander Biologics');
  ownerAgent = request.agent(w.t.app);
  otherAgent = request.agent(w.t.app);
  expect((await signInThroughPages(w, ownerAgent, owner.email)).status).toBe(303);
  expect((await signInThroughPages(w, otherAgent, other.email)).status).toBe(303);
}, 60_000);

afterAll(async () => {
  await w?.close();
});

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const longDate = (d: Date) => new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(d);

async function postNeed(title: string, expiresAt = inDays(30)) {
  const res = await request(w.t.app)
    .post('/v1/needs')
    .set(owner.auth)
    .send(sampleNeed({ title, expiresAt }))
    .expect(201);
  return res.body.id as string;
}

const rowOf = async (id: string) =>
  (
    await w.t.db.sql<{ status: string; expires_at: string; version: number }[]>`
      select status, expires_at::text, version from needs where id = ${id}`
  )[0];

describe('the owner’s buttons on a post’s page', () => {
  it('shows them to the owner only, and the expiry soon to come', async () => {
    const id = await postNeed('Buttons shown soon to expire', inDays(5));
    const mine = await ownerAgent.get(`/needs/${id}`).expect(200);
    for (const action of ['renew', 'close']) expect(mine.text).toContain(`action="/needs/${id}/${action}"`);
    expect(mine.text).toContain(`href="/needs/${id}/delete"`);
    expect(mine.text).toContain(`This need expires on ${longDate(new Date(inDays(5)))}. Renew it`);
    expect(mine.text).toContain(`Renewing keeps it open until ${longDate(addMonths(new Date(), 12))}`);

    const theirs = await otherAgent.get(`/needs/${id}`).expect(200);
    expect(theirs.text).not.toMatch(/\/(renew|close|reopen|delete)"/);
    expect(theirs.text).not.toContain('Renew');
  });

  it('refuses a button pressed without the page’s CSRF token, changing nothing', async () => {
    const id = await postNeed('Buttons forged');
    const before = await rowOf(id);
    for (const action of ['renew', 'close', 'delete']) {
      const res = await ownerAgent.post(`/needs/${id}/${action}`).type('form').send({ _csrf: 'forged' });
      expect(res.status).toBe(403);
    }
    expect(await rowOf(id)).toEqual(before);
  });

  it('answers another organisation’s press with a 404 page, changing nothing', async () => {
    const id = await postNeed('Buttons of someone else');
    const before = await rowOf(id);
    const page = await otherAgent.get('/').expect(200);
    for (const action of ['renew', 'close', 'reopen', 'delete']) {
      const res = await otherAgent
        .post(`/needs/${id}/${action}`)
        .type('form')
        .send({ _csrf: csrfOf(page.text) });
      expect(res.status).toBe(404);
      expect(res.text).toContain('Not found');
    }
    await otherAgent.get(`/needs/${id}/delete`).expect(404);
    expect(await rowOf(id)).toEqual(before);
  });

  it('renews, closes (no renewing then), reopens and deletes, each by its form', async () => {
    const id = await postNeed('Buttons pressed in turn', inDays(3));
    const press = (action: string) => submit(ownerAgent, `/needs/${id}`, `/needs/${id}/${action}`, {});

    // The post is locked once for it (its owner checked and its expiry moved under the one lock).
    const locks = vi.spyOn(needSide, 'lock');
    try {
      expect((await press('renew')).headers.location).toBe(`/needs/${id}`);
      expect(locks.mock.calls.map(([, locked]) => locked)).toEqual([id]);
    } finally {
      locks.mockRestore();
    }
    const renewed = new Date((await rowOf(id))!.expires_at);
    expect(Math.abs(renewed.getTime() - addMonths(new Date(), 12).getTime())).toBeLessThan(60_000);

    expect((await press('close')).status).toBe(303);
    expect((await rowOf(id))!.status).toBe('closed');
    const closedPage = await ownerAgent.get(`/needs/${id}`).expect(200);
    expect(closedPage.text).toContain(`action="/needs/${id}/reopen"`);
    expect(closedPage.text).not.toContain(`action="/needs/${id}/renew"`);
    // Renewing does not reopen: a closed post is refused with a page that says what to do.
    const refused = await press('renew');
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('This need is closed: reopen it first, then renew it.');

    expect((await press('reopen')).status).toBe(303);
    expect((await rowOf(id))!.status).toBe('open');

    const confirm = await ownerAgent.get(`/needs/${id}/delete`).expect(200);
    expect(confirm.text).toContain('will be deleted for good');
    expect(await rowOf(id)).toBeDefined(); // asking deletes nothing
    const deleted = await submit(ownerAgent, `/needs/${id}/delete`, `/needs/${id}/delete`, {});
    expect(deleted.status).toBe(200);
    expect(deleted.text).toContain('Your need is deleted');
    expect(await rowOf(id)).toBeUndefined();
  });
});

describe('what the owner’s page says of a closed or expired post', () => {
  it('says reopening brings a closed post back, and reopening then renewing once it has also expired', async () => {
    const id = await postNeed('Closed, then expired too', inDays(30));
    const press = (action: string) => submit(ownerAgent, `/needs/${id}`, `/needs/${id}/${action}`, {});
    const expiryOf = async () => longDate(new Date((await rowOf(id))!.expires_at));
    const closedNote =
      'Closed: it is not matched or shown to other organisations. Reopen it to put it back on the marketplace';
    const bothNote = 'To put it back on the marketplace, reopen it, then renew it.';

    expect((await press('close')).status).toBe(303);
    const closed = await ownerAgent.get(`/needs/${id}`).expect(200);
    expect(closed.text).toContain(`${closedNote} until ${await expiryOf()}.`);
    expect(closed.text).not.toContain(bothNote);
    expect(closed.text).toMatch(/<dt>Expires<\/dt><dd>/);

    await w.t.db.sql`update needs set expires_at = now() - interval '2 days' where id = ${id}`;
    const both = await ownerAgent.get(`/needs/${id}`).expect(200);
    expect(both.text).toContain(
      `Closed, and expired on ${await expiryOf()}: it is not matched or shown to other organisations. ${bothNote}`,
    );
    expect(both.text).not.toContain(closedNote);
    expect(both.text).toMatch(/<dt>Expired<\/dt><dd>/);

    // Reopened, it is still expired: renewing is what is left to do, and the page says so.
    expect((await press('reopen')).status).toBe(303);
    const expired = await ownerAgent.get(`/needs/${id}`).expect(200);
    expect(expired.text).toContain(
      `This need expired on ${await expiryOf()}: it is no longer matched or shown to other organisations. Renew it to bring it back.`,
    );
    for (const note of [closedNote, bothNote, 'No expiry date']) expect(expired.text).not.toContain(note);
    expect((await press('renew')).status).toBe(303);
    const renewed = await ownerAgent.get(`/needs/${id}`).expect(200);
    for (const note of ['expired on', closedNote, bothNote]) expect(renewed.text).not.toContain(note);
  });
});

describe('the expiry on the post form', () => {
  const form = (over: Record<string, string>) => ({
    title: 'Expiry on the form',
    description: 'In-line Raman for glucose feedback in fed-batch culture.',
    capabilities: 'imrr.spectroscopic-pat',
    trlMin: '5',
    trlMax: '8',
    partnershipTypes: 'pilot',
    openTo: 'supplier',
    ...over,
  });

  it('takes none as 12 months, and refuses a day past or too far ahead in plain words, keeping it', async () => {
    expect((await ownerAgent.get('/needs/new').expect(200)).text).toContain(
      `Leave it empty for 12 months from today (until ${longDate(addMonths(new Date(), 12))})`,
    );
    const tooFar = addMonths(new Date(), 30).toISOString().slice(0, 10);
    const far = await submit(ownerAgent, '/needs/new', '/needs', form({ expiresAt: tooFar }));
    expect(far.status).toBe(400);
    expect(far.text).toContain(
      '<span id="expiresAt-error" class="error">Choose a day at most 24 months from today.</span>',
    );
    expect(far.text).toContain(`value="${tooFar}"`);
    const past = await submit(ownerAgent, '/needs/new', '/needs', form({ expiresAt: '2020-01-31' }));
    expect(past.status).toBe(400);
    expect(past.text).toMatch(/id="expiresAt-error" class="error">[^<]*future/);
    expect(past.text).not.toContain('must be');

    const ok = await submit(ownerAgent, '/needs/new', '/needs', form({ expiresAt: '' }));
    expect(ok.status).toBe(303);
    const id = ok.headers.location!.split('/').at(-1)!;
    const saved = new Date((await rowOf(id))!.expires_at);
    expect(Math.abs(saved.getTime() - addMonths(new Date(), 12).getTime())).toBeLessThan(60_000);

    // Editing with the day left empty keeps the expiry as it was.
    const edited = await submit(
      ownerAgent,
      `/needs/${id}/edit`,
      `/needs/${id}/edit`,
      form({ title: 'Expiry on the form, edited', expiresAt: '', status: 'open' }),
    );
    expect(edited.status).toBe(303);
    expect(new Date((await rowOf(id))!.expires_at)).toEqual(saved);
  });
});
