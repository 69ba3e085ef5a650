import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Config } from '../../config.js';
import { hashToken } from '../../core/policy.js';
import type { Executor } from '../../db/client.js';
import { createSession, deleteSession, findSessionViewer } from '../../db/queries/sessions.js';
import type { WebViewer } from './render.js';

export const SESSION_COOKIE = 'rm_session';
const SESSION_DAYS = 30;

const secure = (config: Pick<Config, 'publicUrl'>) => config.publicUrl.startsWith('https:');

/** Signs a person in: a new session, its random token in an HttpOnly cookie, only its hash stored. */
export async function startSession(db: Executor, config: Pick<Config, 'publicUrl'>, res: Response, userId: string) {
  const token = randomBytes(32).toString('base64url');
  await createSession(db, userId, hashToken(token), SESSION_DAYS);
  res.cookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: secure(config),
    path: '/',
    maxAge: SESSION_DAYS * 86_400_000,
  });
}

/** Ends the session this browser holds, if any, in the database (its cookie is replaced or cleared after). */
export async function forgetSession(db: Executor, req: Request) {
  const token = req.cookies?.[SESSION_COOKIE] as string | undefined;
  if (token) await deleteSession(db, hashToken(token));
}

export async function endSession(db: Executor, req: Request, res: Response) {
  await forgetSession(db, req);
  res.clearCookie(SESSION_COOKIE, { path: '/' });
}

/** Puts the signed-in person, if any, in `res.locals.viewer`. */
export function loadViewer(db: Executor) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = req.cookies?.[SESSION_COOKIE] as string | undefined;
    const row = token ? await findSessionViewer(db, hashToken(token)) : undefined;
    res.locals.viewer = row ? ({ ...row, credentialId: row.sessionId } satisfies WebViewer) : null;
    next();
  };
}

/** A backslash (browsers read `/\` as `//`), a space or a control character. */
const unsafeInPath = (c: string) => c === '\\' || c.charCodeAt(0) <= 0x20 || c.charCodeAt(0) === 0x7f;

/**
 * `next` if it is a path of this site to return to after signing in, else undefined. Only a relative path
 * from the root: never another site (`//evil.example`, `https://…`, `/\evil.example`, which browsers read
 * as `//`), nor control characters, nor anything longer than an address of the pages.
 */
export function safeNext(next: unknown): string | undefined {
  if (typeof next !== 'string' || next.length > 2000) return undefined;
  if (!next.startsWith('/') || next.startsWith('//') || [...next].some(unsafeInPath)) return undefined;
  // Whatever the path holds, it must resolve to this origin.
  const base = 'http://roadmatch.invalid';
  const url = new URL(next, base);
  if (url.origin !== base) return undefined;
  return url.pathname + url.search + url.hash;
}

/** Where a visitor is sent to sign in, to come back to `path` after. */
export function signinPath(path: string | undefined): string {
  const next = safeNext(path);
  if (!next || next === '/') return '/signin';
  // Slashes need no escaping in a query, and `?next=/settings` reads better.
  return `/signin?next=${encodeURIComponent(next).replace(/%2F/g, '/')}`;
}

/** The cookie that holds `next` between asking for a sign-in link and opening it (in the same browser). */
export const NEXT_COOKIE = 'rm_next';

/**
 * Pages for signed-in people: anyone else is sent to sign in, and back to the page after (a page one reads:
 * a form's POST is not asked again).
 */
export function requireViewer(req: Request, res: Response, next: NextFunction) {
  if (res.locals.viewer) return next();
  res.redirect(303, req.method === 'GET' || req.method === 'HEAD' ? signinPath(req.originalUrl) : '/signin');
}
