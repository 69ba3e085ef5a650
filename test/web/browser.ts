/// <reference lib="dom" />
// Shared by the tests that walk the pages in a real browser: Debian's Chromium driven by playwright-core,
// the app on a port of its own over a mail world (real PostgreSQL, Redis, workers and SMTP), and axe-core.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { startMailWorld, until, type MailWorld } from '../mail-world.js';
import { linksIn } from '../smtp.js';

/** Debian's Chromium, which `.ci/run` installs when it is missing. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface BrowserWorld {
  w: MailWorld;
  base: string;
  browser: Browser;
  close(): Promise<void>;
}

/** A mail world served on a free port, and a browser to walk it. */
export async function startBrowserWorld(...args: Parameters<typeof startMailWorld>): Promise<BrowserWorld> {
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  const w = await startMailWorld(...args);
  const server: Server = w.t.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  return {
    w,
    base,
    browser,
    async close() {
      await browser.close();
      await new Promise((r) => server.close(r));
      await w.close();
    },
  };
}

/** The link labelled `label` in the `nth` email to `email` that has one (waiting for it), on this test's server. */
export async function emailedLink(bw: BrowserWorld, email: string, label: string, nth = 1): Promise<string> {
  const withLink = async () =>
    (await bw.w.smtp.to(email)).filter((m) => linksIn(m.parsed.text ?? '', label).length > 0);
  await until(async () => (await withLink()).length >= nth, 20_000);
  const url = linksIn((await withLink())[nth - 1]!.parsed.text!, label)[0]!;
  const u = new URL(url);
  return bw.base + u.pathname + u.search;
}

/** Signs `page` in through the emailed sign-in link (the sign-in form must already have been sent). */
export async function signInFromEmail(bw: BrowserWorld, page: Page, email: string, nth = 1): Promise<void> {
  await page.goto(await emailedLink(bw, email, 'Sign in', nth));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
}

/** axe-core (WCAG 2.x A and AA rules) finds no violation on the page as it is now. */
export async function expectNoAxeViolations(page: Page): Promise<void> {
  // Evaluated through the driver, not a script tag: the pages' Content-Security-Policy allows no inline script.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<AxeResults> } }).axe;
    const results = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return results.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.html) }));
  });
  expect(violations, `axe on ${page.url()}`).toEqual([]);
}

interface AxeResults {
  violations: { id: string; help: string; nodes: { html: string }[] }[];
}

/** Every visible form control has a label a screen reader announces. */
export async function expectLabelled(page: Page): Promise<void> {
  const unlabelled = await page.evaluate(() =>
    Array.from(document.querySelectorAll('input, select, textarea'))
      .filter((el) => (el as HTMLInputElement).type !== 'hidden')
      .filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute('aria-label'))
      .map((el) => el.outerHTML),
  );
  expect(unlabelled).toEqual([]);
}
