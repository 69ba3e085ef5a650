import type { Router } from 'express';
import { z } from 'zod';
import { verifyLink } from '../../core/links.js';
import { createOrganisationWithUser, findUserByEmail, findUserById } from '../../db/queries/accounts.js';
import { consumeSigninLink, createSigninLink } from '../../db/queries/sessions.js';
import { enqueueSigninEmail } from '../../worker/queues.js';
import type { AppDeps } from '../deps.js';
import { HttpProblem, linkProblem } from '../problem.js';
import { SignupBody } from '../schemas.js';
import { endSession, forgetSession, startSession } from './session.js';
import { fieldErrors, handle, TIMEZONES, type WebContext } from './web.js';

/** How long an emailed sign-in link works. */
export const SIGNIN_MINUTES = 15;

const KINDS = [
  { value: 'biomanufacturer', label: 'a biomanufacturer (we post technology needs)' },
  { value: 'supplier', label: 'a supplier (we offer technology or services)' },
  { value: 'academic', label: 'an academic group (we offer research and know-how)' },
  { value: 'hub', label: 'a regional innovation hub (we offer test beds and pilot plants, and convene)' },
  { value: 'regulator', label: 'a regulator (we follow common needs and consortia)' },
  { value: 'agency', label: 'a government agency or funder (we follow, and may convene consortia)' },
];

/** Emails a one-time sign-in link, through the worker. */
async function sendSigninLink(deps: AppDeps, userId: string, welcome: boolean) {
  const link = await createSigninLink(deps.db, userId, SIGNIN_MINUTES);
  await enqueueSigninEmail(deps.notificationsQueue, { signinId: link.id, welcome });
}

const EmailForm = z.object({ email: z.email('Enter your work email address, such as dana@example.com.') });

export function registerAccountPages(router: Router, ctx: WebContext): void {
  const { deps } = ctx;

  const checkEmail = (email: string) => ({
    title: 'Check your email',
    message: `If ${email} belongs to a Roadmatch account, a sign-in link is on its way to it. It works once, within ${SIGNIN_MINUTES} minutes.`,
  });

  router.get('/signup', (req, res) => {
    ctx.page(req, res, 'signup', {
      title: 'Sign up',
      values: {},
      errors: {},
      errorList: [],
      kinds: KINDS,
      timezones: TIMEZONES,
    });
  });

  router.post(
    '/signup',
    handle(async (req, res) => {
      const f = req.body as Record<string, string | undefined>;
      const values = {
        organisationName: f.organisationName ?? '',
        kind: f.kind ?? '',
        country: f.country ?? '',
        name: f.name ?? '',
        email: f.email ?? '',
        timezone: f.timezone || 'UTC',
      };
      const parsed = SignupBody.safeParse({
        organisation: { name: values.organisationName, kind: values.kind, country: values.country },
        user: { name: values.name, email: values.email, timezone: values.timezone },
      });
      if (!parsed.success) {
        const errors = fieldErrors(parsed.error, (path) =>
          path === 'organisation.name' ? 'organisationName' : path.split('.').at(-1)!,
        );
        return ctx.page(
          req,
          res,
          'signup',
          { title: 'Sign up', values, errors, errorList: Object.keys(errors), kinds: KINDS, timezones: TIMEZONES },
          400,
        );
      }
      const existing = await findUserByEmail(deps.db, parsed.data.user.email);
      if (existing) {
        // The same answer as a new signup, so the page does not tell who is registered; the owner of the
        // address gets a sign-in link instead.
        await sendSigninLink(deps, existing.id, false);
      } else {
        const created = await deps.db
          .transaction((tx) => createOrganisationWithUser(tx, parsed.data))
          .catch((err: { code?: string }) => {
            if (err.code === '23505') return undefined; // the same email signed up a moment ago
            throw err;
          });
        if (created) await sendSigninLink(deps, created.user.id, true);
      }
      ctx.page(req, res, 'result', checkEmail(parsed.data.user.email));
    }),
  );

  router.get('/signin', (req, res) => {
    if (res.locals.viewer) return res.redirect(303, '/');
    ctx.page(req, res, 'signin', { title: 'Sign in', values: {}, errors: {} });
  });

  router.post(
    '/signin',
    handle(async (req, res) => {
      const email = String((req.body as { email?: string }).email ?? '').trim();
      const parsed = EmailForm.safeParse({ email });
      if (!parsed.success) {
        return ctx.page(
          req,
          res,
          'signin',
          { title: 'Sign in', values: { email }, errors: fieldErrors(parsed.error) },
          400,
        );
      }
      const user = await findUserByEmail(deps.db, email);
      if (user) await sendSigninLink(deps, user.id, false);
      ctx.page(req, res, 'result', checkEmail(email));
    }),
  );

  async function signinClaims(token: string) {
    const check = verifyLink(deps.config.appSecret, token);
    if (!check.ok || check.claims.action !== 'signin' || !check.claims.targetId) {
      throw linkProblem(
        !check.ok && check.reason === 'expired',
        'This sign-in link',
        `Sign-in links work for ${SIGNIN_MINUTES} minutes. Ask for a new one on the sign-in page.`,
        'The link is incomplete or has been changed. Open it again from the email, or ask for a new one.',
      );
    }
    return check.claims;
  }

  // GET only asks (mail scanners open links); the button's POST signs in.
  router.get(
    '/signin/:token',
    handle(async (req, res) => {
      const claims = await signinClaims(String(req.params.token));
      const user = await findUserById(deps.db, claims.userId);
      ctx.page(req, res, 'confirm', {
        title: 'Sign in to Roadmatch',
        intro: `Sign in as ${user?.name ?? 'you'} (${user?.email ?? ''}).`,
        action: req.originalUrl,
        button: 'Sign in',
      });
    }),
  );

  router.post(
    '/signin/:token',
    handle(async (req, res) => {
      const claims = await signinClaims(String(req.params.token));
      const userId = await consumeSigninLink(deps.db, claims.targetId!, claims.userId);
      if (!userId)
        throw new HttpProblem(
          410,
          'link_used',
          'This sign-in link has been used',
          'Each link signs in once. Ask for a new one on the sign-in page.',
        );
      // A session already in this browser ends: a fresh token for the new sign-in, never a reused one.
      await forgetSession(deps.db, req);
      await startSession(deps.db, deps.config, res, userId);
      res.redirect(303, '/');
    }),
  );

  router.post(
    '/signout',
    handle(async (req, res) => {
      await endSession(deps.db, req, res);
      res.redirect(303, '/');
    }),
  );
}
