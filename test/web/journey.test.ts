/// <reference lib="dom" />
// The page.evaluate callbacks below run in the browser.
import { type Page } from 'playwright-core';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMonths } from '../../core/policy.js';
import { sterilityNeeds } from '../community-fixtures.js';
import { signup } from '../helpers.js';
import { type MailWorld } from '../mail-world.js';
import { emailedLink, expectLabelled, startBrowserWorld, type BrowserWorld } from './browser.js';

let bw: BrowserWorld;
let w: MailWorld;
let base: string;
let browser: BrowserWorld['browser'];

beforeAll(async () => {
  bw = await startBrowserWorld();
  ({ w, base, browser } = bw);
}, 60_000);

afterAll(async () => {
  await bw?.close();
});

/** The link of the `nth` sign-in email to `email` (waiting for it), on this test's server. */
const signinLinkFor = (email: string, nth = 1) => emailedLink(bw, email, 'Sign in', nth);

async function signUp(page: Page, o: { organisation: string; kind: RegExp; name: string; email: string }) {
  await page.goto(`${base}/signup`);
  await expectLabelled(page);
  await page.getByLabel('Organisation name').fill(o.organisation);
  await page.getByLabel(o.kind).check();
  await page.getByLabel('Country').fill('GB');
  await page.getByLabel('Your name').fill(o.name);
  await page.getByLabel('Work email').fill(o.email);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByRole('heading', { name: 'Check your email' }).isVisible()).resolves.toBe(true);
  await page.goto(await signinLinkFor(o.email));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/`);
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(o.organisation);
}

describe('the web pages, in a real browser', () => {
  it('takes a biomanufacturer and a supplier from signup to an accepted introduction', async () => {
    const visitor = await browser.newPage();
    await visitor.goto(base);
    expect(await visitor.getByRole('link', { name: 'Sign up your organisation' }).isVisible()).toBe(true);
    await visitor.close();

    // A biomanufacturer signs up, signs in from the emailed link and posts a need.
    const bio = await (await browser.newContext()).newPage();
    await signUp(bio, {
      organisation: 'Northwind Biologics',
      kind: /biomanufacturer/,
      name: 'Dana Lee',
      email: 'dana@northwind.example',
    });
    await bio.getByRole('link', { name: 'Post a need' }).click();
    await expectLabelled(bio);
    await bio.getByLabel('Title').fill('In-line Raman for glucose control in 2,000 L fed-batch');
    await bio
      .getByLabel('Description')
      .fill(
        'We want in-line Raman spectroscopy predicting glucose and lactate every few minutes, feeding a closed-loop controller.',
      );
    // Capabilities are suggested from the text as it is typed.
    await expect
      .poll(() => bio.locator('#suggestions').textContent(), { timeout: 5000 })
      .toContain('Spectroscopic process analytical technology');
    await bio.getByLabel('Keywords, separated by commas').fill('Raman, glucose control');
    await bio.getByLabel('Spectroscopic process analytical technology').check();
    await bio.getByLabel('Lowest technology readiness (TRL) you can take').selectOption('5');
    await bio.getByLabel('Highest TRL').selectOption('8');
    await bio.getByLabel('pilot').check();
    await bio.getByRole('button', { name: 'Post the need' }).click();
    await bio.waitForURL(/\/needs\/[0-9a-f-]{36}$/);
    const needUrl = bio.url();

    // A supplier signs up and registers an offering, with an error on the way (input kept, error beside it).
    const supplier = await (await browser.newContext()).newPage();
    await signUp(supplier, {
      organisation: 'Ramanix Instruments',
      kind: /supplier/,
      name: 'Anna Vogel',
      email: 'anna@ramanix.example',
    });
    await supplier.getByRole('link', { name: 'Register an offering' }).click();
    await supplier.getByLabel('Title').fill('Raman probes and chemometric models for bioreactor monitoring');
    await supplier.getByRole('button', { name: 'Register the offering' }).click();
    expect(await supplier.locator('#description-error').textContent()).toBe(
      'Write a description: a few sentences on what it is for.',
    );
    expect(await supplier.getByLabel('Title').inputValue()).toBe(
      'Raman probes and chemometric models for bioreactor monitoring',
    );
    await supplier
      .getByLabel('Description')
      .fill(
        'Steam-sterilisable Raman probes with calibration models for glucose and lactate in mammalian cell culture.',
      );
    await supplier.getByLabel('Spectroscopic process analytical technology').check();
    await supplier.getByLabel('Technology readiness (TRL) of what you offer').selectOption('7');
    await supplier.getByLabel('pilot').check();
    // Matching held back for a moment: the offering's page says it is running, then reloads itself with the
    // match once it is done, with no click.
    await w.t.deps.matchingQueue.pause();
    await supplier.getByRole('button', { name: 'Register the offering' }).click();
    await supplier.waitForURL(/\/offerings\/[0-9a-f-]{36}$/);
    expect(await supplier.getByRole('status').textContent()).toBe(
      'Matching is running for this version; this page updates itself when it is done.',
    );
    await w.t.deps.matchingQueue.resume();
    await supplier
      .getByRole('article')
      .filter({ hasText: 'In-line Raman for glucose control' })
      .waitFor({ timeout: 20_000 });
    expect(await supplier.getByRole('status').count()).toBe(0);
    await w.matched();

    // The need's page shows the match, its reason in one line, and the buttons.
    await bio.goto(needUrl);
    const match = bio.getByRole('article').filter({ hasText: 'Raman probes and chemometric models' });
    expect(await match.textContent()).toMatch(/Ramanix Instruments · match \d+%/);
    expect(await match.textContent()).toMatch(/Why: Matched on .*Raman/);
    await bio.goto(base);
    const cells = await bio
      .getByRole('row', { name: /In-line Raman for glucose control/ })
      .getByRole('cell')
      .allTextContents();
    // Posted today without a date: open for 12 months.
    const until = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(
      addMonths(new Date(), 12),
    );
    expect(cells.map((c) => c.trim())).toEqual([
      'In-line Raman for glucose control in 2,000 L fed-batch',
      `Open until ${until}`,
      '1',
    ]);
    await bio.goto(needUrl);
    await match
      .getByLabel('Message for an introduction')
      .fill('We would like to pilot your probes on our 2,000 L line.');
    await match.getByRole('button', { name: 'Request an introduction' }).click();
    await bio.waitForURL(needUrl);
    expect(await bio.getByText('Introduction pending').isVisible()).toBe(true);

    // The supplier sees the request and accepts it.
    await supplier.goto(`${base}/introductions`);
    const request = supplier.getByRole('article').filter({ hasText: 'We would like to pilot your probes' });
    expect(await request.textContent()).toContain('Asked by: Dana Lee');
    await request.getByRole('button', { name: 'Accept' }).click();
    await supplier.waitForURL(`${base}/introductions`);
    expect(await supplier.getByText('anna@ramanix.example').first().isVisible()).toBe(true);

    // Both introduction emails arrive.
    await w.introductionEmailsSent();
    const intro = async (email: string) =>
      (await w.smtp.to(email)).filter((m) => m.parsed.subject?.startsWith('Introduction:'));
    expect((await intro('dana@northwind.example')).map((m) => m.parsed.subject)).toEqual([
      'Introduction: Northwind Biologics meets Ramanix Instruments',
    ]);
    expect((await intro('anna@ramanix.example'))[0]!.parsed.text).toContain(
      'Meet Dana Lee of Northwind Biologics: dana@northwind.example',
    );

    // Settings and the public coverage map.
    await bio.goto(`${base}/settings`);
    await bio.getByLabel('How often').selectOption('daily');
    await bio.getByRole('button', { name: 'Save' }).click();
    expect(await bio.getByRole('status').textContent()).toContain('Saved');
    await bio.goto(`${base}/coverage`);
    expect(await bio.getByRole('row', { name: /Spectroscopic process analytical technology/ }).textContent()).toMatch(
      /Spectroscopic process analytical technology\s*1\s*1\s*1/,
    );

    // Two other biomanufacturers have posted the same need (through the API, one anonymously); Northwind
    // posts it too, finds the common need, and starts a consortium on it under the charter.
    for (const [name, body] of [
      ['Beta Vectors', sterilityNeeds.beta],
      ['Gamma Therapeutics', sterilityNeeds.gamma],
    ] as const) {
      const other = await signup(w.t.app, 'biomanufacturer', name);
      await supertest(w.t.app).post('/v1/needs').set(other.auth).send(body).expect(201);
    }
    await bio.goto(`${base}/needs/new`);
    await bio.getByLabel('Title').fill(sterilityNeeds.alpha.title);
    await bio.getByLabel('Description').fill(sterilityNeeds.alpha.description);
    await bio.getByLabel('Rapid microbiological methods').check();
    await bio.getByRole('button', { name: 'Post the need' }).click();
    await bio.waitForURL(/\/needs\/[0-9a-f-]{36}$/);
    await w.matched();
    await bio.getByRole('link', { name: 'Common needs', exact: true }).click();
    await expectLabelled(bio);
    const group = bio.getByRole('article').filter({ hasText: sterilityNeeds.alpha.title });
    expect(await group.textContent()).toContain('an anonymous biomanufacturer');
    expect(await group.textContent()).not.toContain('Gamma Therapeutics');
    await group.getByRole('link', { name: 'Start a consortium' }).click();
    await expectLabelled(bio);
    await bio.getByLabel('Title').fill('Rapid sterility release for short shelf-life products');
    await bio
      .getByLabel('Pre-competitive scope')
      .fill(
        'A shared validation package for rapid sterility methods: requirements, test panels and acceptance criteria.',
      );
    await bio.getByRole('button', { name: 'Start the consortium' }).click();
    expect(await bio.locator('#acceptCharter-error').textContent()).toContain('Tick the box to accept the charter');
    await bio.getByLabel(/I accept the charter \(version/).check();
    await bio.getByRole('button', { name: 'Start the consortium' }).click();
    await bio.waitForURL(/\/consortia\/[0-9a-f-]{36}$/);
    expect(await bio.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Rapid sterility release for short shelf-life products',
    );
    expect(await bio.getByRole('cell', { name: /Northwind Biologics/ }).isVisible()).toBe(true);
    expect(await bio.getByRole('heading', { name: 'Whom to invite' }).isVisible()).toBe(true);
    await expectLabelled(bio);
  }, 120_000);

  it('signs in with the keyboard alone, by a link that works once', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${base}/signin`);
    await page.getByLabel('Work email').focus();
    await page.keyboard.type('dana@northwind.example');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    const link = await signinLinkFor('dana@northwind.example', 2); // the first came with the signup
    await page.goto(link);
    await page.getByRole('button', { name: 'Sign in' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Northwind Biologics');
    // The same link a second time signs no one in: its page says it has been used, with no button.
    const again = await (await browser.newContext()).newPage();
    await again.goto(link);
    expect(await again.getByRole('heading', { level: 1 }).textContent()).toBe('This sign-in link has been used');
    expect(await again.getByRole('button', { name: 'Sign in' }).count()).toBe(0);
  }, 60_000);
});
