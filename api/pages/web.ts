import { fileURLToPath } from 'node:url';
import cookieParser from 'cookie-parser';
import { doubleCsrf } from 'csrf-csrf';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { AppDeps } from '../deps.js';
import { limitsFor } from '../limits.js';
import { HttpProblem } from '../problem.js';
import { registerCommunityPages } from './community.js';
import { registerCoveragePages } from './coverage.js';
import { registerDashboardPage } from './dashboard.js';
import { registerIntroductionPages } from './introductions.js';
import { registerMatchPages } from './matches.js';
import { registerPostPages } from './posts.js';
import { renderPage, type WebViewer } from './render.js';
import { loadViewer } from './session.js';
import { registerSettingsPages } from './settings.js';
import { UUID, type WebContext } from './shared.js';
import { registerSignInPages } from './sign-in.js';

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
      .consume(['writes', viewer.credentialId])
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

  // One module per screen; each imports the shared helpers (./shared.ts), never the module that assembles them.
  registerSignInPages(router, ctx);
  registerDashboardPage(router, ctx);
  registerPostPages(router, ctx);
  registerMatchPages(router, ctx);
  registerIntroductionPages(router, ctx);
  registerSettingsPages(router, ctx);
  registerCoveragePages(router, ctx);
  registerCommunityPages(router, ctx);

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
