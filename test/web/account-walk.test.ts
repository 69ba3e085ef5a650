import { readFileSync } from 'node:fs';
import request from 'supertest';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleNeed, sampleOffering, signup } from '../helpers.js';
import { until } from '../mail-world.js';
import { linksIn } from '../smtp.js';
import { expectNoAxeViolations, signInFromEmail, startBrowserWorld, type BrowserWorld } from './browser.js';

// A person's account in Chromium (issue 14): they search the marketplace, follow a match of their need to
// the offering's page, read the preview of their next digest, download their data, and delete their account
// after its confirmation step; signed out, their address no longer signs in. axe checks the new pages.

let bw: BrowserWorld;
let person: Awaited<ReturnType<typeof signup>>;
let page: Page;
const ids: Record<string, string> = {};
const NEED = 'Walkthrough: in-line Raman glucose control';
const OFFERING = 'Walkthrough Raman probes with glucose models';

beforeAll(async () => {
  bw = await startBrowserWorld();
  const app = bw.w.t.app;
  person = await signup(app, 'biomanufacturer', 'Walkthrough Biologics');
  const supplier = await signup(app, 'supplier', 'Walkthrough Probes');
  ids.need = (
    await request(app)
      .post('/v1/needs')
      .set(person.auth)
      .send(sampleNeed({ title: NEED }))
      .expect(201)
  ).body.id;
  ids.offering = (
    await request(app)
      .post('/v1/offerings')
      .set(supplier.auth)
      .send(sampleOffering({ title: OFFERING }))
      .expect(201)
  ).body.id;
  await bw.w.matched();
  page = await (await bw.browser.newContext()).newPage();
  await page.goto(`${bw.base}/signin`);
  await page.getByLabel('Work email').fill(person.email);
  await page.getByRole('button', { name: /sign-in link/i }).click();
  await signInFromEmail(bw, page, person.email);
}, 60_000);
afterAll(async () => bw?.close());

const signinEmails = async () =>
  (await bw.w.smtp.to(person.email)).filter((m) => linksIn(m.parsed.text ?? '', 'Sign in').length > 0);
/** The sign-in requests for the person's address the worker has finished. */
const signinJobsDone = async () =>
  (await bw.w.t.deps.notificationsQueue.getJobs(['completed'])).filter(
    (j) =>
      (j.data as { kind?: string; email?: string }).kind === 'signin' &&
      (j.data as { email?: string }).email === person.email,
  ).length;
const h1 = () => page.getByRole('heading', { level: 1 }).textContent();

describe('an account in the browser', () => {
  it('searches the marketplace and opens a match’s counterpart from the need’s page', async () => {
    await page.goto(`${bw.base}/offerings`);
    await page.getByLabel('Search').fill('Raman glucose');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByRole('link', { name: OFFERING }).isVisible()).resolves.toBe(true);

    await page.goto(`${bw.base}/needs/${ids.need}`);
    await page.getByRole('link', { name: OFFERING }).first().click();
    expect(new URL(page.url()).pathname).toBe(`/offerings/${ids.offering}`);
    await expect(h1()).resolves.toContain(OFFERING);
  });

  it('previews the next digest from the settings, each item opening the other side’s page', async () => {
    await page.goto(`${bw.base}/settings`);
    await page.getByRole('link', { name: 'See what your next digest would hold' }).click();
    expect(new URL(page.url()).pathname).toBe('/settings/digest-preview');
    await expect(h1()).resolves.toBe('Your next digest');
    await expect(page.getByText(/If it were sent now, it would hold one new match/).isVisible()).resolves.toBe(true);
    await expectNoAxeViolations(page);
    await page.getByRole('link', { name: OFFERING }).click();
    expect(new URL(page.url()).pathname).toBe(`/offerings/${ids.offering}`);
  });

  it('downloads their data: a JSON file that holds their post', async () => {
    await page.goto(`${bw.base}/settings`);
    await expectNoAxeViolations(page);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download my data' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^roadmatch-export-\d{4}-\d{2}-\d{2}\.json$/);
    const data = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(data.user.email).toBe(person.email);
    expect(data.needs.map((n: { id: string; title: string }) => [n.id, n.title])).toEqual([[ids.need, NEED]]);
  });

  it('deletes the account after its confirmation step, signs out, and the address no longer signs in', async () => {
    await page.goto(`${bw.base}/settings`);
    await page.getByRole('link', { name: 'Delete my account' }).click();
    expect(new URL(page.url()).pathname).toBe('/settings/delete');
    await expect(h1()).resolves.toBe('Delete my account');
    await expect(page.getByText(/you are the last member of Walkthrough Biologics/).isVisible()).resolves.toBe(true);
    await expectNoAxeViolations(page);
    // Keeping it changes nothing.
    await page.getByRole('link', { name: 'Keep my account' }).click();
    expect(new URL(page.url()).pathname).toBe('/settings');
    await page.getByRole('link', { name: 'Delete my account' }).click();
    await page.getByRole('button', { name: 'Delete my account for good' }).click();

    await expect(h1()).resolves.toBe('Your account is deleted');
    await expect(page.getByRole('button', { name: 'Sign out' }).count()).resolves.toBe(0);
    await expectNoAxeViolations(page);
    await page.goto(`${bw.base}/settings`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await request(bw.w.t.app).get('/v1/me').set(person.auth).expect(401);

    // Asking for a sign-in link answers as ever, and no link comes.
    const before = (await signinEmails()).length;
    // The deletion took their sign-in's job (it held their address) out of the queue.
    expect(await signinJobsDone()).toBe(0);
    await page.getByLabel('Work email').fill(person.email);
    await page.getByRole('button', { name: /sign-in link/i }).click();
    await expect(h1()).resolves.toMatch(/email/i);
    // The worker has looked the address up (its job is done) and sent nothing.
    await until(async () => (await signinJobsDone()) === 1);
    expect((await signinEmails()).length).toBe(before);
  });
});
