import { fileURLToPath } from 'node:url';
import cookieParser from 'cookie-parser';
import { doubleCsrf } from 'csrf-csrf';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import { coverageLayout } from '../../core/coverage.js';
import { suggestCapabilities } from '../../core/suggest.js';
import { CAPABILITIES } from '../../core/taxonomy.js';
import { commonNeedCountsByCapability } from '../../db/queries/common-needs.js';
import { capabilityCoverage } from '../../db/queries/posts.js';
import type { AppDeps } from '../deps.js';
import { limitsFor } from '../limits.js';
import { HttpProblem } from '../problem.js';
import { registerAccountPages } from './account.js';
import { registerCommunityPages } from './community.js';
import { registerIntroductionPages } from './introductions.js';
import { registerPostPages } from './posts.js';
import { renderPage, type PageBase, type WebViewer } from './render.js';
import { loadViewer } from './session.js';

/** What a page handler has: the app's dependencies and a way to answer with a page. */
export interface WebContext {
  deps: AppDeps;
  /** Renders a page with the layout's viewer and CSRF token filled in. */
  page(req: Request, res: Response, name: string, data: PageBase & Record<string, unknown>, status?: number): void;
}

export const viewerOf = (res: Response) => res.locals.viewer as WebViewer;

/** Async handlers whose errors reach the web error handler. */
export const handle =
  (fn: (req: Request, res: Response) => Promise<void>): RequestHandler =>
  (req, res, next) => {
    fn(req, res).catch(next);
  };

/** A form field as text; anything else (a JSON body's object) as empty. */
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A form field that may hold one value or several (checkboxes), as a list of texts. */
export const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A zod error as messages per form field; `rename` maps a schema path to the field's name. */
export function fieldErrors(error: z.ZodError, rename: (path: string) => string = (p) => p.split('.')[0]!) {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = rename(issue.path.map(String).join('.'));
    errors[field] ??= issue.message;
  }
  return errors;
}

export const TIMEZONES = Intl.supportedValuesOf('timeZone');

/**
 * The largest form the pages take: a post's description holds up to 10,000 characters, each up to 4 bytes
 * of UTF-8 and 3 characters of percent-encoding each. (The pages behind emailed links take far less.)
 */
export const FORM_LIMIT = '256kb';

/**
 * The web pages, served by the API process: server-rendered, forms that work without JavaScript, CSRF
 * protection on every form (double-submit tokens bound to the session), sessions in an HttpOnly cookie.
 */
export function webPages(deps: AppDeps): express.Router {
  const router = express.Router();
  router.use('/assets', express.static(fileURLToPath(new URL('./assets', import.meta.url)), { maxAge: '1h' }));
  router.use(cookieParser());
  router.use(express.urlencoded({ extended: false, limit: FORM_LIMIT }));
  router.use(loadViewer(deps.db));

  const https = deps.config.publicUrl.startsWith('https:');
  const csrf = doubleCsrf({
    getSecret: () => deps.config.appSecret,
    getSessionIdentifier: (req) => (req.cookies?.rm_session as string | undefined) ?? '',
    cookieName: 'rm_csrf',
    cookieOptions: { sameSite: 'lax', secure: https, httpOnly: true, path: '/' },
    getCsrfTokenFromRequest: (req) => (req.body as { _csrf?: string } | undefined)?._csrf,
    // The API authenticates by bearer token, not cookie, and the link pages by the signed token in their
    // address: neither is open to cross-site forms. Requests for them that reach here are 404s.
    skipCsrfProtection: (req) => /^\/(v1|u|a)\//.test(req.path),
  });
  router.use(csrf.doubleCsrfProtection);

  // Changes made in a session count against the writes limit, as those made with an API token do.
  router.use((req, res, next) => {
    const viewer = res.locals.viewer as WebViewer | null;
    if (req.method !== 'POST' || !viewer) return next();
    limitsFor(deps)
      .consume(['writes', viewer.tokenId])
      .then(() => next(), next);
  });

  const ctx: WebContext = {
    deps,
    page(req, res, name, data, status = 200) {
      const csrfToken = csrf.generateCsrfToken(req, res, { overwrite: false, validateOnReuse: false });
      res
        .status(status)
        .type('html')
        .send(renderPage(name, { viewer: res.locals.viewer as WebViewer | null, csrf: csrfToken, ...data }));
    },
  };

  // Every :id of the pages is a UUID: anything else is a page that does not exist (not a database error).
  router.param('id', (_req, _res, next, id: string) =>
    next(UUID.test(id) ? undefined : new HttpProblem(404, 'not_found', 'Not found', 'There is no such page.')),
  );

  registerAccountPages(router, ctx);
  registerPostPages(router, ctx);
  registerIntroductionPages(router, ctx);
  registerCommunityPages(router, ctx);

  router.get(
    '/coverage',
    handle(async (req, res) => {
      const [counts, common] = await Promise.all([capabilityCoverage(deps.db), commonNeedCountsByCapability(deps.db)]);
      ctx.page(req, res, 'coverage', {
        title: 'Roadmap coverage',
        layout: coverageLayout(counts),
        common: Object.fromEntries(common),
      });
    }),
  );

  // Capabilities suggested from a post's text, for the post form's script.
  router.get('/suggest', (req, res) => {
    const text = typeof req.query.text === 'string' ? req.query.text.slice(0, 4000) : '';
    const names = new Map(CAPABILITIES.map((c) => [c.slug as string, c.name as string]));
    res.json({ suggestions: suggestCapabilities(text).map((slug) => ({ slug, name: names.get(slug) })) });
  });

  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    // Error pages keep the layout working (its sign-out form needs a fresh CSRF token).
    const show = (status: number, title: string, message: string) =>
      ctx.page(req, res, 'result', { title, message, isError: true }, status);
    if (err instanceof HttpProblem) {
      for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
      return show(err.status, err.title, err.detail ?? err.title);
    }
    if ((err as { code?: string }).code === 'EBADCSRFTOKEN')
      return show(
        403,
        'This form has expired',
        'For your safety the form could not be accepted. Go back, reload the page and try again.',
      );
    const status = (err as { status?: number }).status;
    if (status === 413) return show(413, 'Too long', 'What you sent is too long. Go back and shorten it.');
    next(err);
  });
  return router;
}
