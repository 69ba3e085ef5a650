import request from 'supertest';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMonths } from '../../core/policy.js';
import { lifecycleTick } from '../../worker/processors/lifecycle.js';
import { sampleNeed, signup } from '../helpers.js';
import {
  emailedLink,
  expectNoAxeViolations,
  signInFromEmail,
  startBrowserWorld,
  type BrowserWorld,
} from './browser.js';

// A post's lifecycle in Chromium (issue 14): its owner is reminded that it is about to expire, opens the
// emailed renew link, clicks once and sees the new expiry; and edits, closes, reopens, renews and deletes
// posts from their pages. axe checks the post page, the renew page and the delete confirmation.

let bw: BrowserWorld;
let owner: Awaited<ReturnType<typeof signup>>;
let page: Page;

beforeAll(async () => {
  bw = await startBrowserWorld();
  owner = await signup(bw.w.t.app, 'biomanufacturer', 'Walkway Biologics');
  page = await (await bw.browser.newContext()).newPage();
  await page.goto(`${bw.base}/signin`);
  await page.getByLabel('Work email').fill(owner.email);
  await page.getByRole('button', { name: /sign-in link/i }).click();
  await signInFromEmail(bw, page, owner.email);
}, 60_000);
afterAll(async () => bw?.close());

const longDate = (d: Date) => new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(d);
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

async function postNeed(title: string, expiresAt: string) {
  const res = await request(bw.w.t.app)
    .post('/v1/needs')
    .set(owner.auth)
    .send(sampleNeed({ title, expiresAt }))
    .expect(201);
  return res.body.id as string;
}

/**
 * The value of the post page's fact `label` ("Status", "Expires"), polled: a button answers with the same
 * address, so the page may still be the one before.
 */
const fact = (label: string) => page.locator(`dt:text-is("${label}") + dd`).textContent();

describe('a post’s lifecycle in the browser', () => {
  it('reminds the owner, whose one click on the emailed link renews the post', async () => {
    const title = 'Closed-loop glucose control expiring soon';
    const id = await postNeed(title, inDays(12));
    await lifecycleTick(bw.w.t.db.db, bw.w.t.deps.notificationsQueue);
    const link = await emailedLink(bw, owner.email, 'Renew for 12 months');

    // The link shows what will happen; nothing changes until the button is pressed.
    await page.goto(link);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Renew your need?');
    await expect(page.getByText(`“${title}” expires on ${longDate(new Date(inDays(12)))}`).isVisible()).resolves.toBe(
      true,
    );
    await expectNoAxeViolations(page);
    await page.getByRole('button', { name: 'Renew the need' }).click();

    const until = longDate(addMonths(new Date(), 12));
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Your need is renewed');
    await expect(page.getByText(`“${title}” is open until ${until}.`).isVisible()).resolves.toBe(true);
    await page.getByRole('link', { name: 'Your need’s page' }).click();
    await page.waitForURL(`${bw.base}/needs/${id}`);
    await expect.poll(() => fact('Expires')).toBe(until);
    await expect.poll(() => fact('Status')).toBe('Open');
    await expectNoAxeViolations(page);
  });

  it('shows an expired post as expired to its owner, and renews it from its page', async () => {
    const id = await postNeed('Raman calibration transfer that has expired', inDays(30));
    await bw.w.t.db.sql`update needs set expires_at = now() - interval '2 days' where id = ${id}`;
    await page.goto(`${bw.base}/needs/${id}`);
    await expect.poll(() => fact('Status')).toBe('Expired');
    await expect(page.getByRole('status').first().textContent()).resolves.toMatch(
      /^This need expired on .+: it is no longer matched or shown to other organisations\. Renew it/,
    );
    await expectNoAxeViolations(page);
    await page.getByRole('button', { name: 'Renew for 12 months' }).click();
    expect(new URL(page.url()).pathname).toBe(`/needs/${id}`);
    await expect.poll(() => fact('Status')).toBe('Open');
    await expect.poll(() => fact('Expires')).toBe(longDate(addMonths(new Date(), 12)));
  });

  it('marks expired and expiring posts on the dashboard, and renews one from there', async () => {
    const expired = 'Viral clearance data package that has expired';
    const soon = 'Inline viscosity sensor expiring within days';
    const later = 'Perfusion media optimisation open for months';
    const expiredId = await postNeed(expired, inDays(30));
    await bw.w.t.db.sql`update needs set expires_at = now() - interval '3 days' where id = ${expiredId}`;
    await postNeed(soon, inDays(5));
    await postNeed(later, inDays(200));
    await page.goto(`${bw.base}/`);
    const statusCell = (title: string) =>
      page
        .getByRole('row', { name: new RegExp(title) })
        .getByRole('cell')
        .nth(1);
    const [expiredOn] = await bw.w.t.db.sql<{ at: Date }[]>`select expires_at as at from needs where id = ${expiredId}`;
    await expect
      .poll(() => statusCell(expired).textContent())
      .toMatch(new RegExp(`^Expired on ${longDate(new Date(expiredOn!.at))}`));
    await expect(statusCell(soon).textContent()).resolves.toMatch(
      new RegExp(`^Open, expires ${longDate(new Date(inDays(5)))}`),
    );
    await expect(statusCell(later).textContent()).resolves.toBe(`Open until ${longDate(new Date(inDays(200)))}`);
    // Only the expired and the expiring have a renew button.
    await expect(statusCell(later).getByRole('button').count()).resolves.toBe(0);
    await expectNoAxeViolations(page);

    await page.getByRole('button', { name: `Renew “${expired}” for 12 months` }).click();
    await page.waitForURL(`${bw.base}/needs/${expiredId}`);
    await expect.poll(() => fact('Status')).toBe('Open');
    await expect.poll(() => fact('Expires')).toBe(longDate(addMonths(new Date(), 12)));
  });

  it('edits, closes, reopens and deletes a post from its page', async () => {
    const id = await postNeed('Single-use sensor qualification for walking', inDays(200));
    await page.goto(`${bw.base}/needs/${id}`);

    // Edit: an upside-down TRL range is said in plain words beside its field, what was typed kept.
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('Title').fill('Single-use sensor qualification (pH, DO)');
    await page.getByLabel('Lowest technology readiness (TRL) you can take').selectOption('8');
    await page.getByLabel('Highest TRL').selectOption('3');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const error = await page.locator('#trlMax-error').textContent();
    expect(error).toMatch(/highest TRL/i);
    expect(error).toMatch(/lowest/);
    expect(error).not.toMatch(/trlMin|must be at least/);
    await expect(page.getByLabel('Title').inputValue()).resolves.toBe('Single-use sensor qualification (pH, DO)');
    await expect(page.getByLabel('Highest TRL').getAttribute('aria-invalid')).resolves.toBe('true');
    await page.getByLabel('Highest TRL').selectOption('9');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`${bw.base}/needs/${id}`);
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Single-use sensor qualification (pH, DO)');
    await expect(fact('Technology readiness (TRL) it can take')).resolves.toBe('TRL 8 to 9');

    // Close, then reopen.
    await page.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => fact('Status')).toBe('Closed');
    // Not expired: reopening alone puts it back, until its expiry.
    await expect(
      page
        .getByText(
          /^Closed: it is not matched or shown to other organisations\. Reopen it to put it back on the marketplace until \d+ \w+ \d{4}\.$/,
        )
        .isVisible(),
    ).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Renew for 12 months' }).count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Reopen' }).click();
    await expect.poll(() => fact('Status')).toBe('Open');

    // Delete asks first; "Keep it" goes back, the button deletes.
    await page.getByRole('link', { name: 'Delete' }).click();
    await page.waitForURL(`${bw.base}/needs/${id}/delete`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Delete this need?');
    await expectNoAxeViolations(page);
    await page.getByRole('link', { name: 'Keep it' }).click();
    await page.waitForURL(`${bw.base}/needs/${id}`);
    await page.getByRole('link', { name: 'Delete' }).click();
    await page.waitForURL(`${bw.base}/needs/${id}/delete`);
    await page.getByRole('button', { name: 'Delete the need' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Your need is deleted');
    const [row] = await bw.w.t.db.sql<{ n: number }[]>`select count(*)::int as n from needs where id = ${id}`;
    expect(row!.n).toBe(0);
    const gone = await page.goto(`${bw.base}/needs/${id}`);
    expect(gone?.status()).toBe(404);
  });
});
