/**
 * `npm run screenshots`: retakes the README's screenshots (docs/screenshots/*.png) on the demo marketplace.
 * On a throwaway database of its own (dropped at the end) it starts the API and a worker (scripts/harness.ts),
 * loads the demo marketplace through the API as `npm run demo` does, waits for matching, forms the demo's
 * consortium, has a supplier and the biomanufacturer ask each other for introductions, signs in as the
 * demo biomanufacturer Helvetia Biopharma and takes full-page screenshots of its pages with playwright-core
 * and Debian's Chromium (CHROMIUM_PATH to use another). Nothing else retakes them: the tests do not.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Response } from 'express';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { startSession } from '../api/pages/session.js';
import { findUserByEmail } from '../db/queries/accounts.js';
import { cliProgram, exitOnError, isMainModule } from './cli.js';
import { DEMO } from './demo-data.js';
import { formConsortium, loadDemo } from './demo.js';
import { apiClient, startHarness, waitForMatching, type Harness } from './harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where the README links them, from the repository's root (where `npm run` runs). */
const DEFAULT_OUT = 'docs/screenshots';
/** The demo biomanufacturer whose pages are shown: it has matches, a common need and convenes the consortium. */
const BIOMANUFACTURER = 'Helvetia Biopharma';
/** Its need whose page is shown. */
const SHOWN_NEED = 'Rapid sterility testing to release cell therapies sooner';
/** Wide enough for the pages' two-column layouts, narrow enough to keep the files small. */
const VIEWPORT = { width: 1280, height: 800 };
/** A full page taller than this is cut here (the coverage map's rows), to keep each PNG small. */
const MAX_HEIGHT = 2400;

interface Shot {
  name: string;
  path: string;
  /** The visitor's view (no session) rather than the biomanufacturer's. */
  visitor?: boolean;
}

async function main() {
  const program = cliProgram(
    'npm run screenshots --',
    "Retakes the README's screenshots on the demo marketplace, in a throwaway database of its own (dropped at " +
      `the end), signed in as the demo's ${BIOMANUFACTURER}; writes one PNG per page.`,
  )
    .option('--out <dir>', 'the folder to write the PNGs to', DEFAULT_OUT)
    .parse();
  const { out } = program.opts<{ out: string }>();
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  await mkdir(out, { recursive: true });

  // The run's emails (introductions) go to a folder of its own, never to a configured SMTP server.
  const outbox = mkdtempSync(join(tmpdir(), 'rm_screenshots_outbox_'));
  process.env.OUTBOX_DIR = outbox;
  delete process.env.SMTP_URL;
  const harness = await startHarness();
  let browser: Browser | undefined;
  try {
    console.log(`loading the ${DEMO.length} demo organisations…`);
    const tokens = await loadDemo(harness.url, harness.adminToken);
    await waitForMatching(harness.db, 120_000);
    const consortiumId = await formConsortium(harness.url, tokens);
    if (!consortiumId) throw new Error('the demo marketplace has no common need to form its consortium on');
    const needId = await askForIntroductions(harness, tokens);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    const visitor = await browser.newContext({ viewport: VIEWPORT });
    const signedIn = await signedInContext(browser, harness);
    const shots: Shot[] = [
      { name: 'home', path: '/', visitor: true },
      { name: 'signup', path: '/signup', visitor: true },
      { name: 'dashboard', path: '/' },
      { name: 'need-matches', path: `/needs/${needId}` },
      { name: 'need-form', path: '/needs/new' },
      { name: 'browse', path: '/needs' },
      { name: 'coverage', path: '/coverage' },
      { name: 'common-needs', path: '/common-needs' },
      { name: 'consortium', path: `/consortia/${consortiumId}` },
      { name: 'settings', path: '/settings' },
      { name: 'introductions', path: '/introductions' },
    ];
    for (const shot of shots) {
      const page = await (shot.visitor ? visitor : signedIn).newPage();
      const res = await page.goto(harness.url + shot.path);
      if (!res?.ok()) throw new Error(`${shot.path} answered ${res?.status()}`);
      // Signed in, no page may have sent the browser to the sign-in page.
      if (!shot.visitor && new URL(page.url()).pathname !== shot.path)
        throw new Error(`${shot.path} led to ${page.url()}`);
      const height = Number(await page.evaluate('document.documentElement.scrollHeight'));
      const file = resolve(out, `${shot.name}.png`);
      await page.screenshot({
        path: file,
        fullPage: true,
        clip: height > MAX_HEIGHT ? { x: 0, y: 0, width: VIEWPORT.width, height: MAX_HEIGHT } : undefined,
      });
      console.log(`${file}: ${shot.path}`);
      await page.close();
    }
  } finally {
    await browser?.close();
    await harness.stop();
    rmSync(outbox, { recursive: true, force: true });
  }
}

/**
 * Introductions, so that the pages show them: the biomanufacturer asks the supplier of its sterility need's
 * best match for one, which accepts (both see each other's contacts), and the supplier of its other need's
 * best match asks it (pending, for it to answer). Answers the sterility need, the one whose page is shown:
 * it has a match, a common need and the consortium.
 */
async function askForIntroductions(harness: Harness, tokens: { organisation: string; token: string }[]) {
  const tokenOf = (name: string) => tokens.find((t) => t.organisation === name)!.token;
  const bio = apiClient(harness.url, tokenOf(BIOMANUFACTURER));
  type Matches = { items: { id: string; offering: { organisation: { name: string } } }[] };
  const needs = await bio<{ items: { id: string; title: string }[] }>('GET', '/v1/needs?mine=true');
  const shown = needs.items.find((n) => n.title === SHOWN_NEED);
  const other = needs.items.find((n) => n.title !== SHOWN_NEED);
  if (!shown || !other) throw new Error(`${BIOMANUFACTURER} has no need "${SHOWN_NEED}" and another`);
  const bestMatch = async (needId: string) => {
    const found = (await bio<Matches>('GET', `/v1/needs/${needId}/matches`)).items[0];
    if (!found) throw new Error(`${BIOMANUFACTURER}'s need ${needId} has no match`);
    return found;
  };
  const asked = await bestMatch(shown.id);
  const intro = await bio<{ id: string }>('POST', `/v1/matches/${asked.id}/introductions`, {
    message:
      'We release autologous CAR-T and would like to compare your 48-hour method with our compendial test on retained samples.',
  });
  await apiClient(harness.url, tokenOf(asked.offering.organisation.name))(
    'POST',
    `/v1/introductions/${intro.id}/accept`,
  );
  const incoming = await bestMatch(other.id);
  await apiClient(harness.url, tokenOf(incoming.offering.organisation.name))(
    'POST',
    `/v1/matches/${incoming.id}/introductions`,
    {
      message:
        'Our counter-current skids run continuous protein A capture on perfusion lines; we would be glad to plan a pilot run with you.',
    },
  );
  return shown.id;
}

/** A browser context signed in as the demo biomanufacturer's person, by a session the sign-in page's own code starts. */
async function signedInContext(browser: Browser, harness: Harness): Promise<BrowserContext> {
  const email = DEMO.find((o) => o.organisation.name === BIOMANUFACTURER)!.user.email;
  const user = await findUserByEmail(harness.db.db, email);
  if (!user) throw new Error(`no user ${email}`);
  let cookie: { name: string; value: string } | undefined;
  const res = { cookie: (name: string, value: string) => (cookie = { name, value }) } as unknown as Response;
  await startSession(harness.db.db, harness.config, res, user.id);
  const context = await browser.newContext({ viewport: VIEWPORT });
  await context.addCookies([{ ...cookie!, url: harness.url, httpOnly: true, sameSite: 'Lax' }]);
  return context;
}

if (isMainModule(import.meta.url)) main().catch(exitOnError);
