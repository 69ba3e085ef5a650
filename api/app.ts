import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import express from 'express';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import { sql } from 'drizzle-orm';
import type { Queue } from 'bullmq';
import type { AppDeps } from './deps.js';
import { ApiRouter } from './endpoint.js';
import { requestLogger } from './logging.js';
import { createMetrics } from './metrics.js';
import { answerScrape, watchQueue } from '../worker/metrics.js';
import { linkPages } from './pages/links.js';
import { queueDashboard } from './queue-dashboard.js';
import { problemPages, webPages } from './pages/web.js';
import { notFoundHandler, problemHandler, queueUnavailable } from './problem.js';
import { registerAccountRoutes } from './routes/accounts.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerCapabilityRoutes } from './routes/capabilities.js';
import { registerCommonNeedRoutes } from './routes/common-needs.js';
import { registerConsortiumRoutes } from './routes/consortia.js';
import { registerIntroductionRoutes } from './routes/introductions.js';
import { registerMatchRoutes } from './routes/matches.js';
import { registerMeRoutes } from './routes/me.js';
import { registerOrganisationRoutes } from './routes/organisations.js';
import { registerPostRoutes } from './routes/posts.js';

export const BODY_LIMIT = '100kb';

export function createApp(deps: AppDeps) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const metrics = createMetrics();
  app.use(requestLogger(deps.logger));
  app.use(securityHeaders(deps.config.publicUrl.startsWith('https:')));
  app.use(metrics.middleware);
  app.use(express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] }));

  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description:
      'An API token of a verified person: made on the settings page of the web pages, by POST /v1/tokens, or by an operator onboarding an organisation.',
  });
  registry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'The operator token, ADMIN_TOKEN.',
  });
  const api = new ApiRouter(registry, deps);
  registerAccountRoutes(api);
  registerCapabilityRoutes(api);
  registerPostRoutes(api);
  registerMatchRoutes(api);
  registerCommonNeedRoutes(api);
  registerConsortiumRoutes(api);
  registerIntroductionRoutes(api);
  registerMeRoutes(api);
  registerOrganisationRoutes(api);
  registerAdminRoutes(api);
  app.use(writesNeedTheQueue(deps));
  app.use(api.router);
  app.use(queueDashboard(deps));
  app.use(linkPages(deps));
  app.use(webPages(deps));

  const openapi = api.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Roadmatch API',
      version: '1.0.0',
      description:
        'Technology needs of biomanufacturers and offerings of suppliers and academic groups, tagged to the roadmap capability taxonomy, matched both ways.',
    },
    servers: [{ url: deps.config.publicUrl, description: 'This service, at its PUBLIC_URL' }],
    tags: {
      Accounts: 'Signing up an organisation and its first person, and the API tokens of the signed-in person.',
      Capabilities: 'The roadmap capability taxonomy that needs and offerings are tagged to.',
      Needs: 'Technology needs that biomanufacturers post, tagged to roadmap capabilities.',
      Offerings: 'What suppliers, academic groups, hubs and biomanufacturers offer, tagged to roadmap capabilities.',
      Matches: 'Needs and offerings matched both ways, best first, each with why; feedback on a match.',
      'Common needs': 'Needs that several organisations wrote in their own words, and their groups.',
      Consortia:
        'Pre-competitive consortia on common needs: the charter, proposals, invitations, membership and the log.',
      Introductions: 'Double opt-in introductions between the two sides of a match.',
      Me: 'The signed-in person: their organisation, digest settings and preview, and what they follow.',
      Organisations: "Organisations' profiles, their members, and invitations for colleagues to join.",
      Operators: 'Endpoints for whoever runs the service, behind ADMIN_TOKEN: onboarding, rematching, flags.',
    },
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(openapi, { customSiteTitle: 'Roadmatch API reference' }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const [postgres, redis] = await Promise.all([
      withTimeout(deps.db.execute(sql`select 1`), 2000).then(
        () => 'ok',
        () => 'unavailable',
      ),
      withTimeout(deps.redis.ping(), 1000).then(
        () => 'ok',
        () => 'unavailable',
      ),
    ]);
    const ready = postgres === 'ok' && redis === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', postgres, redis });
  });
  watchQueue(deps.matchingQueue as unknown as Queue);
  watchQueue(deps.notificationsQueue as unknown as Queue);
  app.get('/metrics', async (req, res) => {
    await answerScrape(req, res, deps.config.metricsToken, [metrics.registry]);
  });

  // An address nothing answers, and anything thrown: problem+json, or the site's error page for a browser.
  app.use(notFoundHandler);
  app.use(problemHandler(problemPages(deps)));
  return { app, openapi };
}

/**
 * helmet on every answer: a Content-Security-Policy without inline script (the pages load one script of
 * their own; their styles are inline), no framing at all, `nosniff`, and no Referer (the links in emails
 * carry tokens in their path). `Cache-Control: no-store` on everything but the static assets and the API
 * reference: the API's answers and the pages are personal, and pages carry CSRF tokens.
 */
function securityHeaders(https: boolean): express.RequestHandler {
  const headers = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        ...(https ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
  return (req, res, next) => {
    if (!/^\/(assets|docs)(\/|$)/.test(req.path)) res.setHeader('Cache-Control', 'no-store');
    headers(req, res, next);
  };
}

/**
 * While Redis is known to be away, a write answers 503 (a page for browsers) before it changes anything:
 * most writes queue a job or an email, and one that saved and could not queue would be half done. Reads go
 * on. (A write that races Redis going away is saved whole; the worker's sweeps and ticks finish its work.)
 */
function writesNeedTheQueue(deps: AppDeps): express.RequestHandler {
  // Away: not ready after having been (a reconnection goes through connecting and back, and is away
  // throughout); before the first connection the process is starting, and its writes go through.
  let connectedOnce = deps.redis.status === 'ready';
  deps.redis.on('ready', () => (connectedOnce = true));
  return (req, _res, next) => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(req.method) || !connectedOnce || deps.redis.status === 'ready') {
      return next();
    }
    next(
      queueUnavailable('The job queue (Redis) is not reachable just now. Nothing was changed; try again in a moment.'),
    );
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref()),
  ]);
}
