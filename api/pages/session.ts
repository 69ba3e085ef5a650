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

/** Pages for signed-in people: anyone else is sent to sign in. */
export function requireViewer(req: Request, res: Response, next: NextFunction) {
  if (res.locals.viewer) return next();
  res.redirect(303, '/signin');
}
