import { fileURLToPath } from 'node:url';
import cookieParser from 'cookie-parser';
import { doubleCsrf } from 'csrf-csrf';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { AppDeps } from '../deps.js';
import { limitsFor } from '../limits.js';
import { answersWithPage, HttpProblem, toProblem, type ProblemPage } from '../problem.js';
import { registerBrowsePages } from './browse.js';
import { registerCommunityPages } from './community.js';
import { registerCoveragePages } from './coverage.js';
import { registerDashboardPage } from './dashboard.js';
import { registerIntroductionPages } from './introductions.js';
import { registerMatchPages } from './matches.js';
import { registerOrganisationPages } from './organisations.js';
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
  const assets = fileURLToPath(new URL('./assets', import.meta.url));
  router.use('/assets', express.static(assets, { maxAge: '1h' }));
  // Browsers ask for /favicon.ico whatever the layout links: the same SVG icon.
  router.get('/favicon.ico', (_req, res, next) => {
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.type('image/svg+xml').sendFile('favicon.svg', { root: assets }, next);
  });
  router.use(cookieParser());
  router.use(express.urlencoded({ extended: false, limit: FORM_LIMIT }));
  router.use(loadViewer(deps.db));

  const csrf = csrfFor(deps);
  router.use(csrf.doubleCsrfProtection);

  // Changes made in a session count against the writes limit, as those made with an API token do.
  router.use((req, res, next) => {
    const viewer = res.locals.viewer as WebViewer | null;
    if (req.method !== 'POST' || !viewer) return next();
    limitsFor(deps)
      .consume(['writes', viewer.credentialId])
      .then(() => next(), next);
  });

  const ctx = webContext(deps, csrf);

  // Every :id of the pages is a UUID: anything else is a page that does not exist (not a database error).
  router.param('id', (_req, _res, next, id: string) =>
    next(UUID.test(id) ? undefined : new HttpProblem(404, 'not_found', 'Not found', 'There is no such page.')),
  );

  // One module per screen; each imports the shared helpers (./shared.ts), never the module that assembles them.
  registerSignInPages(router, ctx);
  registerDashboardPage(router, ctx);
  registerPostPages(router, ctx);
  registerBrowsePages(router, ctx);
  registerMatchPages(router, ctx);
  registerIntroductionPages(router, ctx);
  registerSettingsPages(router, ctx);
  registerCoveragePages(router, ctx);
  registerCommunityPages(router, ctx);
  registerOrganisationPages(router, ctx);

  // Errors of the pages are pages, unless the client asks for JSON (the pages' scripts do); under /v1 they
  // are the API's, answered by the app's problemHandler.
  const errorPage = problemPageOf(ctx);
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent || !answersWithPage(req, 'html')) return next(err);
    errorPage(req, res, toProblem(err, req));
  });
  return router;
}

/**
 * Double-submit CSRF tokens bound to the session. Stateless (an HMAC under the app secret), so that the
 * pages and the error pages of the app (`problemPages`) may each hold an instance and agree.
 */
function csrfFor(deps: AppDeps) {
  const https = deps.config.publicUrl.startsWith('https:');
  return doubleCsrf({
    getSecret: () => deps.config.appSecret,
    getSessionIdentifier: (req) => (req.cookies?.rm_session as string | undefined) ?? '',
    cookieName: 'rm_csrf',
    cookieOptions: { sameSite: 'lax', secure: https, httpOnly: true, path: '/' },
    getCsrfTokenFromRequest: (req) => (req.body as { _csrf?: string } | undefined)?._csrf,
    // The API authenticates by bearer token, not cookie, and the link pages by the signed token in their
    // address: neither is open to cross-site forms. Requests for them that reach here are 404s.
    skipCsrfProtection: (req) => /^\/(v1|u|a)\//.test(req.path),
  });
}

function webContext(deps: AppDeps, csrf: ReturnType<typeof csrfFor>): WebContext {
  return {
    deps,
    page(req, res, name, data, status = 200) {
      const viewer = (res.locals.viewer as WebViewer | null | undefined) ?? null;
      // A request that failed before the pages' cookie parser ran (a JSON body over the API's limit) gets
      // the layout of a visitor: it has no session to show, nor a form to protect.
      const csrfToken = req.cookies
        ? csrf.generateCsrfToken(req, res, { overwrite: false, validateOnReuse: false })
        : '';
      res
        .status(status)
        .type('html')
        .send(renderPage(name, { viewer: req.cookies ? viewer : null, csrf: csrfToken, ...data }));
    },
  };
}

/** A problem as a page in the site's layout: its plain words (or its title and detail), and a way home. */
function problemPageOf(ctx: WebContext): ProblemPage {
  return (req, res, problem) => {
    for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
    const words = problem.page ?? { title: problem.title, message: problem.detail ?? problem.title };
    const signedIn = Boolean(res.locals.viewer);
    ctx.page(
      req,
      res,
      'result',
      {
        title: words.title,
        message: words.message,
        isError: true,
        next: { href: '/', label: signedIn ? 'Go to your dashboard' : 'Go to the home page' },
      },
      problem.status,
    );
  };
}

/** The app's error pages, for its last handler (`problemHandler`): an address nothing answers, a 5xx, a 413. */
export function problemPages(deps: AppDeps): ProblemPage {
  return problemPageOf(webContext(deps, csrfFor(deps)));
}
