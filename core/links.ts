// Signed tokens for the links in emails: whoever holds one may do that one thing as that person, without
// signing in. HMAC-SHA-256 under the app secret; the payload is readable but cannot be changed or forged.

import { createHmac, timingSafeEqual } from 'node:crypto';

export type LinkAction =
  | 'unsubscribe'
  | 'request-introduction'
  | 'not-relevant'
  | 'accept'
  | 'decline'
  | 'signin'
  | 'signup'
  | 'join-consortium'
  | 'decline-consortium'
  | 'join-organisation'
  | 'renew-post';

const ACTIONS: readonly LinkAction[] = [
  'unsubscribe',
  'request-introduction',
  'not-relevant',
  'accept',
  'decline',
  'signin',
  'signup',
  'join-consortium',
  'decline-consortium',
  'join-organisation',
  'renew-post',
];

export interface LinkClaims {
  action: LinkAction;
  /**
   * The user the link was sent to; the action is done as them. Empty for `signup` and `join-organisation`:
   * no user exists yet.
   */
  userId: string;
  /** What the action is about: a match, an introduction or a consortium invitation; absent for unsubscribe. */
  targetId?: string;
  /** Unix seconds after which the link no longer works; absent for links that must keep working. */
  expiresAt?: number;
}

/** How long a digest's one-click links work. Unsubscribe links never expire (RFC 8058 expects that). */
export const ACTION_LINK_DAYS = 30;

/** How long an emailed sign-in link works. */
export const SIGNIN_LINK_MINUTES = 15;

/** How long the link that confirms a signup's address works. */
export const SIGNUP_LINK_HOURS = 24;

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function mac(secret: string, payload: string): Buffer {
  // The prefix keeps these signatures apart from anything else signed with the same secret.
  return createHmac('sha256', secret).update(`roadmatch-link.${payload}`).digest();
}

export function signLink(secret: string, claims: LinkClaims): string {
  const payload = b64(JSON.stringify({ a: claims.action, u: claims.userId, t: claims.targetId, x: claims.expiresAt }));
  return `${payload}.${b64(mac(secret, payload))}`;
}

/** An expired link names its action (its signature is good): the page can say where to do it instead. */
export type LinkCheck =
  | { ok: true; claims: LinkClaims }
  | { ok: false; reason: 'malformed' | 'bad_signature' }
  | { ok: false; reason: 'expired'; action: LinkAction };

/** Checks a token's signature and expiry; the caller still checks that the action is still possible. */
export function verifyLink(secret: string, token: string, now: Date = new Date()): LinkCheck {
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length > 0 || !/^[\w-]+$/.test(payload) || !/^[\w-]+$/.test(signature))
    return { ok: false, reason: 'malformed' };
  // Compared as the exact text that was signed out: base64url decoding forgives changed padding bits and
  // stray characters, and a link whose text differs from the one sent is not that link.
  const given = Buffer.from(signature, 'utf8');
  const expected = Buffer.from(b64(mac(secret, payload)), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad_signature' };
  let raw: { a?: unknown; u?: unknown; t?: unknown; x?: unknown };
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!ACTIONS.includes(raw.a as LinkAction) || typeof raw.u !== 'string') return { ok: false, reason: 'malformed' };
  const claims: LinkClaims = {
    action: raw.a as LinkAction,
    userId: raw.u,
    targetId: typeof raw.t === 'string' ? raw.t : undefined,
    expiresAt: typeof raw.x === 'number' ? raw.x : undefined,
  };
  if (claims.expiresAt !== undefined && claims.expiresAt * 1000 < now.getTime())
    return { ok: false, reason: 'expired', action: claims.action };
  return { ok: true, claims };
}

/** Unix seconds `days` after `from`. */
export const expiryAfterDays = (from: Date, days: number) => Math.floor(from.getTime() / 1000) + days * 86_400;
