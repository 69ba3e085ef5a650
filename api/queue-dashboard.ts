import { createHmac, timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import cookieParser from 'cookie-parser';
import express from 'express';
import { bearerMatches } from '../core/bearer.js';
import type { AppDeps } from './deps.js';
import { HttpProblem, sendProblem, unauthorized } from './problem.js';

/** Where operators see the queues: bull-board, behind ADMIN_TOKEN. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';
const COOKIE = 'rm_admin_queues';

/**
 * The queue dashboard (bull-board: every queue, failed jobs with their errors, retry). An operator comes in
 * with `Authorization: Bearer $ADMIN_TOKEN`, or types the token once into a prompt that sets a cookie for
 * this path alone. The cookie holds an HMAC of the token, never the token; unset ADMIN_TOKEN, no dashboard.
 */
export function queueDashboard(deps: AppDeps): express.Router {
  const { adminToken, appSecret, publicUrl } = deps.config;
  const router = express.Router();
  const board = new ExpressAdapter();
  board.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(deps.matchingQueue), new BullMQAdapter(deps.notificationsQueue)],
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'Roadmatch queues' } },
  });
  const cookieValue = adminToken
    ? createHmac('sha256', appSecret).update(`queue-dashboard:${adminToken}`).digest('base64url')
    : '';
  const hasCookie = (req: express.Request) => {
    const sent = Buffer.from(String((req.cookies as Record<string, unknown>)[COOKIE] ?? ''));
    const expected = Buffer.from(cookieValue);
    return sent.length === expected.length && timingSafeEqual(sent, expected);
  };

  router.use(QUEUE_DASHBOARD_PATH, cookieParser(), express.urlencoded({ extended: false, limit: '2kb' }));
  router.use(QUEUE_DASHBOARD_PATH, (req, res, next) => {
    if (!adminToken) {
      return sendProblem(
        res,
        new HttpProblem(404, 'not_found', 'Not found', 'The queue dashboard is disabled: set ADMIN_TOKEN.'),
      );
    }
    if (req.method === 'POST' && req.path === '/sign-in') {
      const token = String((req.body as { token?: unknown } | undefined)?.token ?? '');
      if (!bearerMatches(`Bearer ${token}`, adminToken)) return prompt(res, 401, 'That is not the operator token.');
      res.cookie(COOKIE, cookieValue, {
        httpOnly: true,
        sameSite: 'strict',
        secure: publicUrl.startsWith('https:'),
        path: QUEUE_DASHBOARD_PATH,
        maxAge: 12 * 3_600_000,
      });
      return res.redirect(303, QUEUE_DASHBOARD_PATH);
    }
    if (bearerMatches(req.headers.authorization, adminToken) || hasCookie(req)) return next();
    if (req.accepts(['json', 'html']) === 'html') return prompt(res, 401);
    sendProblem(res, unauthorized('The queue dashboard takes "Authorization: Bearer <ADMIN_TOKEN>".'));
  });
  router.use(QUEUE_DASHBOARD_PATH, board.getRouter() as express.Router);
  return router;
}

/** The operator's prompt for the token (no JavaScript; the form posts to /admin/queues/sign-in). */
function prompt(res: express.Response, status: number, error?: string): void {
  res
    .status(status)
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<title>Queues: operator sign-in · Roadmatch</title>` +
        `<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}` +
        `label,input,button{display:block;font:inherit}input{width:100%;margin:.25rem 0 1rem;padding:.5rem}` +
        `button{padding:.5rem 1rem}.error{color:#a00}</style></head><body>` +
        `<h1>Queues</h1><p>The queue dashboard is for operators. Enter the operator token (ADMIN_TOKEN).</p>` +
        (error ? `<p class="error" role="alert">${error}</p>` : '') +
        `<form method="post" action="${QUEUE_DASHBOARD_PATH}/sign-in">` +
        `<label for="token">Operator token</label>` +
        `<input id="token" name="token" type="password" autocomplete="current-password" required>` +
        `<button type="submit">Open the dashboard</button></form></body></html>`,
    );
}
