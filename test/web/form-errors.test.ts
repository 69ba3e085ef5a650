import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHARTER } from '../../core/charter.js';
import { INTRODUCTION_MESSAGE_MAX } from '../../core/policy.js';
import { labOffering, sterilityNeeds } from '../community-fixtures.js';
import { signup } from '../helpers.js';
import { startMailWorld, type MailWorld } from '../mail-world.js';
import { signInThroughPages, submit, type Agent } from './forms.js';

// What a person reads when a form is refused: plain words beside each field at fault (never the API
// schema's "must be at least 1 character"), and what they typed kept in the form. The signup and sign-in
// forms, the consortium form and the introduction request on a need's page.

let w: MailWorld;
let bio: Agent;
const ids: Record<string, string> = {};
let groupId = '';
let matchId = '';

/** The text of the error beside the field `id`, or undefined when there is none. */
const errorOf = (html: string, id: string) =>
  new RegExp(`<span id="${id}-error" class="error">([^<]*)</span>`).exec(html)?.[1];

/** Nothing of the schemas' wording reaches the page. */
const expectNoSchemaWords = (html: string) => {
  expect(html).not.toMatch(/must be|at least 1 character|Invalid input|expected string/);
};

beforeAll(async () => {
  w = await startMailWorld();
  const app = w.t.app;
  const alpha = await signup(app, 'biomanufacturer', 'Alpha Forms Biologics');
  const beta = await signup(app, 'biomanufacturer', 'Beta Forms Vectors');
  const lab = await signup(app, 'academic', 'Institute of Form Microbiology');
  ids.alpha = (await request(app).post('/v1/needs').set(alpha.auth).send(sterilityNeeds.alpha).expect(201)).body.id;
  ids.beta = (await request(app).post('/v1/needs').set(beta.auth).send(sterilityNeeds.beta).expect(201)).body.id;
  await request(app).post('/v1/offerings').set(lab.auth).send(labOffering).expect(201);
  await w.matched();
  const [group] = await w.t.db.sql<{ group_id: string }[]>`
    select group_id from common_need_group_members where need_id = ${ids.alpha!}`;
  groupId = group?.group_id ?? '';
  const [match] = await w.t.db.sql<{ id: string }[]>`select id from matches where need_id = ${ids.alpha!}`;
  matchId = match?.id ?? '';
  bio = request.agent(app);
  expect((await signInThroughPages(w, bio, alpha.email)).status).toBe(303);
}, 90_000);

afterAll(async () => {
  await w?.close();
});

describe('the signup form', () => {
  it('says what to enter for each empty field, in plain words', async () => {
    const res = await submit(request.agent(w.t.app), '/signup', '/signup', {
      organisationName: '   ',
      kind: '',
      country: '',
      name: '',
      email: '',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Please correct the fields marked below.');
    expect(errorOf(res.text, 'organisationName')).toBe('Enter your organisation’s name.');
    expect(errorOf(res.text, 'kind')).toBe('Choose what kind of organisation yours is.');
    expect(errorOf(res.text, 'country')).toBe('Enter your country as its two-letter code, such as GB.');
    expect(errorOf(res.text, 'name')).toBe('Enter your name.');
    expect(errorOf(res.text, 'email')).toBe('Enter your work email address.');
    expect(res.text).toContain('aria-describedby="organisationName-error"');
    expectNoSchemaWords(res.text);
  });

  it('keeps what was typed, and names what is wrong with it', async () => {
    const res = await submit(request.agent(w.t.app), '/signup', '/signup', {
      organisationName: 'Northwind <Biologics>',
      kind: 'biomanufacturer',
      country: 'Britain',
      name: 'Dana Lee',
      email: 'dana@',
      timezone: 'Mars/Olympus_Mons',
    });
    expect(res.status).toBe(400);
    expect(errorOf(res.text, 'organisationName')).toBeUndefined();
    expect(errorOf(res.text, 'country')).toBe('Enter the country as its two-letter code, such as GB, DE or US.');
    expect(errorOf(res.text, 'email')).toBe('Enter an email address such as name@example.com.');
    expect(errorOf(res.text, 'timezone')).toBe('Choose a timezone from the list, such as Europe/London.');
    expect(res.text).toContain('value="Northwind &lt;Biologics&gt;"');
    expect(res.text).toMatch(/value="biomanufacturer" checked/);
    expect(res.text).toContain('value="Britain"');
    expect(res.text).toContain('value="Dana Lee"');
    expect(res.text).toContain('value="dana@"');
    expect(res.text).toContain('value="Mars/Olympus_Mons"');
    expectNoSchemaWords(res.text);
  });

  it('says how long a name may be when it is too long', async () => {
    const res = await submit(request.agent(w.t.app), '/signup', '/signup', {
      organisationName: 'N'.repeat(201),
      kind: 'supplier',
      country: 'GB',
      name: 'Dana Lee',
      email: 'dana@northwind.example',
    });
    expect(res.status).toBe(400);
    expect(errorOf(res.text, 'organisationName')).toBe('Keep your organisation’s name to 200 characters or fewer.');
  });
});

describe('the sign-in form', () => {
  it('asks for the address when it is empty or not an address, keeping what was typed', async () => {
    const empty = await submit(request.agent(w.t.app), '/signin', '/signin', { email: '' });
    expect(empty.status).toBe(400);
    expect(errorOf(empty.text, 'email')).toBe('Enter your work email address.');
    const typo = await submit(request.agent(w.t.app), '/signin', '/signin', { email: 'dana.northwind.example' });
    expect(errorOf(typo.text, 'email')).toBe('Enter an email address such as name@example.com.');
    expect(typo.text).toContain('value="dana.northwind.example"');
    expectNoSchemaWords(typo.text);
  });
});

describe('the consortium form', () => {
  it('says what each field needs and keeps what was typed', async () => {
    expect(groupId).not.toBe('');
    const res = await submit(bio, `/consortia/new?group=${groupId}`, '/consortia', {
      group: groupId,
      title: 'RS',
      scope: '',
      capabilities: ['imrr.rapid-microbiology'],
      charterVersion: CHARTER.version,
      acceptCharter: 'true',
    });
    expect(res.status).toBe(422);
    expect(errorOf(res.text, 'title')).toBe('The title needs at least 3 characters.');
    expect(errorOf(res.text, 'scope')).toBe(
      'Describe the pre-competitive scope: what the members will work on together.',
    );
    expect(errorOf(res.text, 'needIds')).toBe('Tick at least one of the needs.');
    expect(res.text).toContain('value="RS"');
    expect(res.text).toContain('value="imrr.rapid-microbiology" checked');
    expect(res.text).toMatch(/id="acceptCharter"[^>]* checked/);
    expectNoSchemaWords(res.text);

    const empty = await submit(bio, `/consortia/new?group=${groupId}`, '/consortia', {
      group: groupId,
      title: '',
      scope: 'A shared validation package for rapid sterility methods.',
      needIds: [ids.alpha!],
      charterVersion: CHARTER.version,
      acceptCharter: 'true',
    });
    expect(empty.status).toBe(422);
    expect(errorOf(empty.text, 'title')).toBe('Give the consortium a title.');
    expect(empty.text).toContain('A shared validation package for rapid sterility methods.</textarea>');
  });
});

describe('the introduction request on a need’s page', () => {
  it('shows the need’s page again with the error beside the message, not a page to go back from', async () => {
    expect(matchId).not.toBe('');
    const empty = await submit(bio, `/needs/${ids.alpha}`, `/matches/${matchId}/introduction`, { message: '  ' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain(`<h1>${sterilityNeeds.alpha.title}</h1>`);
    expect(errorOf(empty.text, `message-${matchId}`)).toBe(
      'Write a short message to the other side: who you are and what you hope for.',
    );
    expect(empty.text).toContain(`aria-describedby="message-${matchId}-error"`);
    expect(empty.text).not.toContain('Go back');

    const long = `We would like to validate your method. ${'More detail. '.repeat(200)}`.trim();
    expect(long.length).toBeGreaterThan(INTRODUCTION_MESSAGE_MAX);
    const tooLong = await submit(bio, `/needs/${ids.alpha}`, `/matches/${matchId}/introduction`, { message: long });
    expect(tooLong.status).toBe(400);
    expect(errorOf(tooLong.text, `message-${matchId}`)).toBe('Keep the message under 2,000 characters.');
    expect(tooLong.text).toContain(`>${long}</textarea>`);
    expectNoSchemaWords(tooLong.text);
  });
});
