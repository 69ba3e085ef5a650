import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoAxeViolations, startBrowserWorld, type BrowserWorld } from './browser.js';

let bw: BrowserWorld;
beforeAll(async () => {
  bw = await startBrowserWorld();
}, 60_000);
afterAll(async () => bw?.close());

describe('the pages a visitor sees, checked by axe', () => {
  it.each(['/', '/signup', '/signin', '/charter', '/no-such-page'])(
    '%s has no accessibility violation',
    async (path) => {
      const page = await bw.browser.newPage();
      await page.goto(bw.base + path);
      await expectNoAxeViolations(page);
      await page.close();
    },
  );

  it('the check itself fails on a page with a violation', async () => {
    const page = await bw.browser.newPage();
    await page.setContent('<html lang="en"><title>x</title><main><img src="x.png"></main></html>');
    await expect(expectNoAxeViolations(page)).rejects.toThrow(/image-alt/);
    await page.close();
  });
});
