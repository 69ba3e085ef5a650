import type { Router } from 'express';
import { verifyLink, SIGNIN_LINK_MINUTES, SIGNUP_LINK_HOURS } from '../../core/links.js';
import { ORG_KIND_NAMES } from '../../core/taxonomy.js';
import { getUser } from '../../db/queries/accounts.js';
import { consumeSigninLink, getSigninLink, linkState, type LinkState } from '../../db/queries/sessions.js';
import { getSignupRequest, type SignupRequestBody } from '../../db/queries/signups.js';
import { HttpProblem } from '../problem.js';
import { SignupBody } from '../schemas.js';
import { confirmSignup, requestSignin, requestSignup } from '../usecases/accounts.js';
import { endSession, forgetSession, NEXT_COOKIE, safeNext, startSession } from './session.js';
import { fieldErrors, pageHandler, str, TIMEZONES, type WebContext } from './shared.js';

/** How long an emailed sign-in link works. */
export const SIGNIN_MINUTES = SIGNIN_LINK_MINUTES;

const KINDS = [
  { value: 'biomanufacturer', label: 'a biomanufacturer (we post technology needs)' },
  { value: 'supplier', label: 'a supplier (we offer technology or services)' },
  { value: 'academic', label: 'an academic group (we offer research and know-how)' },
  { value: 'hub', label: 'a regional innovation hub (we offer test beds and pilot plants, and convene)' },
  { value: 'regulator', label: 'a regulator (we follow common needs and consortia)' },
  { value: 'agency', label: 'a government agency or funder (we follow, and may convene consortia)' },
];

/** The sign-in form's one field, checked as the signup's email is. */
const EmailForm = SignupBody.shape.user.pick({ email: true });

/** A link that no longer works, as a page that says why (never "Sign in as …"). */
function spentLink(what: 'sign-in' | 'signup', state: LinkState | 'registered'): HttpProblem {
  const again =
    what === 'sign-in' ? 'Ask for a new one on the sign-in page.' : 'Sign up again, or sign in if you have an account.';
  switch (state) {
    case 'used':
      return new HttpProblem(410, 'link_used', `This ${what} link has been used`, `Each link works once. ${again}`);
    case 'cancelled':
      return new HttpProblem(
        410,
        'link_cancelled',
        `This ${what} link no longer works`,
        `A newer link was sent to the same address, or another one was used; only the newest works. ${again}`,
      );
    case 'registered':
      return new HttpProblem(
        410,
        'link_cancelled',
        'This address already has an account',
        'Nothing new was made. Sign in on the sign-in page.',
      );
    case 'expired':
      return new HttpProblem(
        410,
        'link_expired',
        `This ${what} link has expired`,
        what === 'sign-in'
          ? `Sign-in links work for ${SIGNIN_MINUTES} minutes. ${again}`
          : `Signup links work for ${SIGNUP_LINK_HOURS} hours. ${again}`,
      );
    default:
      return new HttpProblem(400, 'invalid_link', `This ${what} link is not valid`, `The link is not known. ${again}`);
  }
}

export function registerSignInPages(router: Router, ctx: WebContext): void {
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
    pageHandler(async (req, res) => {
      const f = req.body as Record<string, unknown>;
      const values = {
        organisationName: str(f.organisationName),
        kind: str(f.kind),
        country: str(f.country),
        name: str(f.name),
        email: str(f.email),
        timezone: str(f.timezone) || 'UTC',
      };
      const parsed = SignupBody.safeParse({
        organisation: { name: values.organisationName, kind: values.kind, country: values.country },
        user: { name: values.name, email: values.email, timezone: values.timezone },
      });
      if (!parsed.success) {
        const errors = fieldErrors(parsed.error, {
          rename: (path) => (path === 'organisation.name' ? 'organisationName' : path.split('.').at(-1)!),
          values,
        });
        return ctx.page(
          req,
          res,
          'signup',
          { title: 'Sign up', values, errors, errorList: Object.keys(errors), kinds: KINDS, timezones: TIMEZONES },
          400,
        );
      }
      // The same work and the same page for a new address and a registered one: the worker looks it up and
      // emails a link that confirms the signup, or a sign-in link.
      await requestSignup(deps, req.ip ?? '', parsed.data);
      const { email } = parsed.data.user;
      ctx.page(req, res, 'result', {
        title: 'Check your email',
        message: `A link is on its way to ${email}. Nothing is made until you open it: it confirms the address, creates your organisation and signs you in (if ${email} belongs to a Roadmatch account already, it signs you in to that). It works once, within ${SIGNUP_LINK_HOURS} hours.`,
      });
    }),
  );

  // `next`: the page to return to after signing in (see requireViewer), a path of this site only. The form
  // carries it; asking for a link keeps it in a cookie of this browser until the emailed link is opened
  // here (the link itself names no page).
  const nextCookie = {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: deps.config.publicUrl.startsWith('https:'),
    path: '/signin',
  };

  router.get('/signin', (req, res) => {
    const next = safeNext(req.query.next);
    if (res.locals.viewer) return res.redirect(303, next ?? '/');
    ctx.page(req, res, 'signin', { title: 'Sign in', values: {}, errors: {}, next: next ?? '' });
  });

  router.post(
    '/signin',
    pageHandler(async (req, res) => {
      const form = req.body as { email?: unknown; next?: unknown };
      const email = str(form.email).trim();
      const next = safeNext(form.next);
      const parsed = EmailForm.safeParse({ email });
      if (!parsed.success) {
        return ctx.page(
          req,
          res,
          'signin',
          {
            title: 'Sign in',
            values: { email },
            errors: fieldErrors(parsed.error, { values: { email } }),
            next: next ?? '',
          },
          400,
        );
      }
      await requestSignin(deps, req.ip ?? '', parsed.data.email);
      if (next) res.cookie(NEXT_COOKIE, next, { ...nextCookie, maxAge: SIGNIN_MINUTES * 60_000 });
      else res.clearCookie(NEXT_COOKIE, nextCookie);
      ctx.page(req, res, 'result', checkEmail(parsed.data.email));
    }),
  );

  /** The claims of a link's token for `action`; a 4xx page when it is broken, changed or expired. */
  function claimsOf(token: string, action: 'signin' | 'signup') {
    const what = action === 'signin' ? 'sign-in' : 'signup';
    const check = verifyLink(deps.config.appSecret, token);
    if (check.ok && check.claims.action === action && check.claims.targetId) return check.claims;
    if (!check.ok && check.reason === 'expired') throw spentLink(what, 'expired');
    throw new HttpProblem(
      400,
      'invalid_link',
      `This ${what} link is not valid`,
      'The link is incomplete or has been changed. Open it again from the email, or ask for a new one.',
    );
  }

  /** The state of the sign-in link a token names: 'unknown' unless it exists and is the token's person's. */
  async function signinLinkState(claims: { targetId?: string; userId: string }) {
    const link = await getSigninLink(deps.db, claims.targetId!);
    return link && link.userId === claims.userId ? linkState(link) : 'unknown';
  }

  // GET only asks (mail scanners open links); the button's POST signs in. A link that no longer works says
  // so at once.
  router.get(
    '/signin/:token',
    pageHandler(async (req, res) => {
      const claims = claimsOf(String(req.params.token), 'signin');
      const state = await signinLinkState(claims);
      if (state !== 'usable') throw spentLink('sign-in', state);
      const user = await getUser(deps.db, claims.userId);
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
    pageHandler(async (req, res) => {
      const claims = claimsOf(String(req.params.token), 'signin');
      const userId = await deps.db.transaction((tx) => consumeSigninLink(tx, claims.targetId!, claims.userId));
      if (!userId) throw spentLink('sign-in', await signinLinkState(claims));
      // A session already in this browser ends: a fresh token for the new sign-in, never a reused one.
      await forgetSession(deps.db, req);
      await startSession(deps.db, deps.config, res, userId);
      const next = safeNext(req.cookies?.[NEXT_COOKIE]);
      if (next) res.clearCookie(NEXT_COOKIE, nextCookie);
      res.redirect(303, next ?? '/');
    }),
  );

  // The link that confirms a signup: GET shows what it will make, POST makes it and signs in.
  router.get(
    '/signup/:token',
    pageHandler(async (req, res) => {
      const claims = claimsOf(String(req.params.token), 'signup');
      const request = await getSignupRequest(deps.db, claims.targetId!);
      const state = linkState(request);
      if (!request || state !== 'usable') throw spentLink('signup', state);
      const { organisation, user } = request.request as SignupRequestBody;
      ctx.page(req, res, 'confirm', {
        title: `Create ${organisation.name} on Roadmatch`,
        intro: `This makes the organisation ${organisation.name} (${ORG_KIND_NAMES[organisation.kind]}, ${organisation.country}) with you, ${user.name} (${user.email}), as its first member, and signs you in.`,
        action: req.originalUrl,
        button: 'Confirm and sign in',
      });
    }),
  );

  router.post(
    '/signup/:token',
    pageHandler(async (req, res) => {
      const claims = claimsOf(String(req.params.token), 'signup');
      const outcome = await deps.db
        .transaction((tx) => confirmSignup(tx, claims.targetId!))
        .catch((err: { code?: string }) => {
          // Another signup of the same address was confirmed at the same moment.
          if (err.code === '23505') return { ok: false as const, state: 'registered' as const };
          throw err;
        });
      if (!outcome.ok) throw spentLink('signup', outcome.state);
      await forgetSession(deps.db, req);
      await startSession(deps.db, deps.config, res, outcome.userId);
      res.redirect(303, '/');
    }),
  );

  router.post(
    '/signout',
    pageHandler(async (req, res) => {
      await endSession(deps.db, req, res);
      res.redirect(303, '/');
    }),
  );
}
