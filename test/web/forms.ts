import { expect } from 'vitest';
import request from 'supertest';
import { until, type MailWorld } from '../mail-world.js';
import { linksIn } from '../smtp.js';

// The web pages as a browser uses them, for the supertest suites: forms posted with their CSRF token, and
// signing up and in from the emailed link.

export type Agent = ReturnType<typeof request.agent>;

export const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
export const pathOf = (url: string) => new URL(url).pathname;

/** A form posted as a browser would: the page fetched first for its CSRF token and cookie. */
export async function submit(
  agent: Agent,
  formPage: string,
  action: string,
  fields: Record<string, string | string[]>,
) {
  const page = await agent.get(formPage);
  const body = new URLSearchParams({ _csrf: csrfOf(page.text) });
  for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
  return agent.post(action).type('form').send(body.toString());
}

/** The sign-in links emailed to an address so far, as paths. */
export async function signinLinksOf(w: MailWorld, email: string) {
  return (await w.smtp.to(email)).flatMap((m) => linksIn(m.parsed.text ?? '', 'Sign in')).map(pathOf);
}

/** Signs up through the pages and signs in from the emailed link; answers the signed-in agent. */
export async function signUpThroughPages(w: MailWorld, kind: string, organisation: string, email: string) {
  const agent = request.agent(w.t.app);
  const res = await submit(agent, '/signup', '/signup', {
    organisationName: organisation,
    kind,
    country: 'GB',
    name: `Person at ${organisation}`,
    email,
    timezone: 'Europe/London',
  });
  expect(res.status).toBe(200);
  await until(async () => (await signinLinksOf(w, email)).length > 0);
  const link = (await signinLinksOf(w, email)).at(-1)!;
  const confirm = await agent.get(link).expect(200);
  await agent
    .post(link)
    .type('form')
    .send({ _csrf: csrfOf(confirm.text) })
    .expect(303);
  return agent;
}

/**
 * Asks for a sign-in link on the sign-in page `o.page` (which may carry `?next=`), as its form sends it (or
 * with `o.next` in place of the form's own), and opens the newest emailed link in the same browser: answers
 * the response to its Sign in button.
 */
export async function signInThroughPages(
  w: MailWorld,
  agent: Agent,
  email: string,
  o: { page?: string; next?: string } = {},
) {
  const before = (await signinLinksOf(w, email)).length;
  const page = await agent.get(o.page ?? '/signin').expect(200);
  const body = new URLSearchParams({ _csrf: csrfOf(page.text), email });
  const next = o.next ?? /name="next" value="([^"]*)"/.exec(page.text)?.[1]?.replace(/&amp;/g, '&');
  if (next !== undefined) body.set('next', next);
  const asked = await agent.post('/signin').type('form').send(body.toString());
  expect(asked.status).toBe(200);
  await until(async () => (await signinLinksOf(w, email)).length > before);
  const link = (await signinLinksOf(w, email)).at(-1)!;
  const confirm = await agent.get(link).expect(200);
  return agent
    .post(link)
    .type('form')
    .send({ _csrf: csrfOf(confirm.text) });
}
