import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signup } from '../helpers.js';
import { until } from '../mail-world.js';
import {
  emailedLink,
  expectLabelled,
  expectNoAxeViolations,
  signInFromEmail,
  startBrowserWorld,
  type BrowserWorld,
} from './browser.js';

// A member edits the organisation's profile, invites a colleague, and the colleague joins from the email
// and lands signed in as a member; then the member removes them (issue 14), in Chromium; axe checks each
// new page.

let bw: BrowserWorld;
beforeAll(async () => {
  bw = await startBrowserWorld();
}, 60_000);
afterAll(async () => bw?.close());

describe('an organisation in the browser', () => {
  it('a member edits the profile and invites a colleague, who joins from the email; then removes them', async () => {
    const org = await signup(bw.w.t.app, 'supplier', 'Lumen Probes');
    const colleague = 'ravi.colleague@lumen.example';

    const context = await bw.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${bw.base}/signin`);
    await page.getByLabel('Email').fill(org.email);
    await page.getByRole('button', { name: /sign-in link/i }).click();
    await signInFromEmail(bw, page, org.email);

    // "Your organisation" in the navigation opens its profile, with the member's own tools.
    await page.getByRole('navigation').getByRole('link', { name: 'Your organisation' }).click();
    expect(new URL(page.url()).pathname).toBe(`/organisations/${org.organisationId}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Lumen Probes');
    await expect(page.getByRole('cell', { name: org.email, exact: true }).isVisible()).resolves.toBe(true);
    await expectNoAxeViolations(page);
    await expectLabelled(page);

    // A web address without its scheme is refused beside its field, in plain words, the typed text kept.
    await page.getByLabel('Web site').fill('lumen.example');
    await page.getByLabel('What your organisation does').fill('Raman probes for bioreactors.');
    await page.getByRole('button', { name: 'Save the profile' }).click();
    await expect(page.locator('#website-error').textContent()).resolves.toBe(
      'Enter a web address starting with http:// or https://, such as https://example.com.',
    );
    await expect(page.getByLabel('Web site').inputValue()).resolves.toBe('lumen.example');
    await expect(page.getByLabel('What your organisation does').inputValue()).resolves.toBe(
      'Raman probes for bioreactors.',
    );
    await expect(page.getByLabel('Web site').getAttribute('aria-invalid')).resolves.toBe('true');
    await expectNoAxeViolations(page);

    await page.getByLabel('Web site').fill('https://lumen.example');
    await page.getByLabel('Name', { exact: true }).fill('Lumen Probes GmbH');
    await page.getByRole('button', { name: 'Save the profile' }).click();
    await expect(page.getByRole('status').first().textContent()).resolves.toBe('Saved.');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Lumen Probes GmbH');
    await expect(page.getByRole('link', { name: 'https://lumen.example' }).isVisible()).resolves.toBe(true);
    await expect(page.getByText('Raman probes for bioreactors.').first().isVisible()).resolves.toBe(true);

    // The invitation: sent, then listed as pending, on a page of its own (post/redirect/get): reloading it
    // sends nothing again.
    await page.getByLabel('Their work email').fill(colleague);
    await page.getByRole('button', { name: 'Send the invitation' }).click();
    await expect(page.getByText(`An invitation is on its way to ${colleague}.`).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('cell', { name: colleague, exact: true }).isVisible()).resolves.toBe(true);
    expect(new URL(page.url()).search).toMatch(/^\?invited=/);
    await expectNoAxeViolations(page);
    await page.reload();
    await expect(page.getByText(`An invitation is on its way to ${colleague}.`).isVisible()).resolves.toBe(true);
    const [sends] = await bw.w.t.db.sql<{ n: number }[]>`
      select send_count as n from organisation_invitations where email = ${colleague}`;
    expect(sends!.n).toBe(1);

    // The colleague, in a browser of their own, opens the email and joins.
    const theirs = await bw.browser.newContext();
    const them = await theirs.newPage();
    await them.goto(await emailedLink(bw, colleague, 'Join'));
    expect(await them.getByRole('heading', { level: 1 }).textContent()).toBe('Join Lumen Probes GmbH');
    await expectNoAxeViolations(them);
    await expectLabelled(them);
    await them.getByLabel('Your name').fill('Ravi Colleague');
    await them.getByRole('button', { name: 'Join Lumen Probes GmbH' }).click();
    await them.waitForURL(`${bw.base}/organisations/${org.organisationId}`);
    await expect(them.getByRole('cell', { name: 'Ravi Colleague (you)', exact: true }).isVisible()).resolves.toBe(true);
    await expect(them.getByRole('button', { name: 'Sign out' }).isVisible()).resolves.toBe(true);
    await expect(them.getByRole('heading', { name: 'Invite a colleague' }).isVisible()).resolves.toBe(true);
    // Signed in as a member: the dashboard is theirs.
    await them.getByRole('link', { name: 'Dashboard' }).click();
    expect(await them.getByRole('heading', { level: 1 }).textContent()).toBe('Lumen Probes GmbH');

    // The first member sees the colleague among the members, and no pending invitation.
    await page.reload();
    await expect(page.getByRole('cell', { name: 'Ravi Colleague', exact: true }).isVisible()).resolves.toBe(true);
    await expect(page.getByText('No pending invitations.').isVisible()).resolves.toBe(true);

    // The link worked once: opened again, it says so.
    await them.goto(await emailedLink(bw, colleague, 'Join'));
    expect(await them.getByRole('heading', { level: 1 }).textContent()).toBe('This invitation has been used');

    // Removing the colleague asks first, says what it does, and signs them out at once.
    await page.getByRole('link', { name: 'Remove Ravi Colleague' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Remove Ravi Colleague from Lumen Probes GmbH?',
    );
    await expectNoAxeViolations(page);
    await page.getByRole('button', { name: 'Remove Ravi Colleague' }).click();
    await expect(page.getByRole('cell', { name: 'Ravi Colleague', exact: true }).count()).resolves.toBe(0);
    await them.goto(`${bw.base}/organisations/${org.organisationId}`);
    expect(new URL(them.url()).pathname).toBe('/signin');
    // They are told by email who removed them, and that their account is deleted.
    const removedYou = async () =>
      (await bw.w.smtp.to(colleague)).filter((m) => /removed you/.test(m.parsed.subject ?? ''));
    await until(async () => (await removedYou()).length > 0);
    expect((await removedYou())[0]!.parsed.subject).toBe(`${org.name} removed you from Lumen Probes GmbH on Roadmatch`);
    await theirs.close();
    await context.close();
  });
});
