import type { Config } from '../../config.js';
import { renderSignin, renderSignup } from '../../core/email/render.js';
import { signLink, SIGNIN_LINK_MINUTES, SIGNUP_LINK_HOURS } from '../../core/links.js';
import { ORG_KIND_NAMES } from '../../core/taxonomy.js';
import type { Database } from '../../db/client.js';
import { findUserByEmail, getUser } from '../../db/queries/accounts.js';
import { getSigninLink, issueSigninLink, linkState } from '../../db/queries/sessions.js';
import { issueSignupRequest } from '../../db/queries/signups.js';
import { messageIdFor, type Mailer } from '../mailer.js';
import { AccountEmailJobSchema, parseJob, SigninEmailJobSchema } from '../queues.js';

type Deps = { db: Database; mailer: Mailer; config: Pick<Config, 'publicUrl' | 'appSecret'> };

const article = (noun: string) => (/^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`);

/**
 * A signup or a sign-in request, as the API took it: the API answers the same whatever the address, and the
 * lookup happens here. A sign-in for an unknown address sends nothing. A signup for a new address records
 * the request and emails the link that confirms it (nothing else exists until it is used); for a registered
 * address it emails a sign-in link instead. Issuing a link cancels the older ones of the same address.
 * Safe to retry: the link is issued under the request's id, once.
 */
export async function sendAccountEmail(deps: Deps, data: unknown): Promise<string> {
  const job = parseJob(AccountEmailJobSchema, 'account-email', data);
  const email = job.kind === 'signin' ? job.email : job.signup.user.email;
  const user = await findUserByEmail(deps.db, email);
  if (user) {
    const link = await deps.db.transaction((tx) => issueSigninLink(tx, job.requestId, user.id, SIGNIN_LINK_MINUTES));
    if (!link) return 'moot';
    return mailSigninLink(deps, link, { welcome: false, registered: job.kind === 'signup' });
  }
  if (job.kind === 'signin') return 'unknown address';
  const request = await deps.db.transaction((tx) =>
    issueSignupRequest(tx, job.requestId, job.signup, SIGNUP_LINK_HOURS),
  );
  if (!request) return 'moot';
  const token = signLink(deps.config.appSecret, {
    action: 'signup',
    userId: '',
    targetId: request.id,
    expiresAt: Math.floor(request.expiresAt.getTime() / 1000),
  });
  const { organisation, user: person } = job.signup;
  const rendered = renderSignup({
    name: person.name,
    organisationName: organisation.name,
    organisationKind: article(ORG_KIND_NAMES[organisation.kind]),
    country: organisation.country,
    url: `${deps.config.publicUrl}/signup/${token}`,
    hours: SIGNUP_LINK_HOURS,
  });
  await deps.mailer.send({
    ...rendered,
    to: { name: person.name, address: person.email },
    messageId: messageIdFor('signup', request.id, deps.config.publicUrl),
  });
  return 'sent';
}

/**
 * Emails a sign-in link already issued (jobs queued before signups and sign-ins were looked up in the
 * worker); a link already used, cancelled or expired is not sent (a late retry is moot).
 */
export async function sendSigninEmail(deps: Deps, data: unknown): Promise<string> {
  const job = parseJob(SigninEmailJobSchema, 'signin-email', data);
  const link = await getSigninLink(deps.db, job.signinId);
  if (!link) return 'moot';
  return mailSigninLink(deps, link, { welcome: job.welcome, registered: false });
}

async function mailSigninLink(
  deps: Deps,
  link: { id: string; userId: string; expiresAt: Date; createdAt: Date; usedAt: Date | null; cancelledAt: Date | null },
  wording: { welcome: boolean; registered: boolean },
): Promise<string> {
  if (linkState(link) !== 'usable') return 'moot';
  const user = await getUser(deps.db, link.userId);
  if (!user) return 'moot';
  const token = signLink(deps.config.appSecret, {
    action: 'signin',
    userId: user.id,
    targetId: link.id,
    expiresAt: Math.floor(link.expiresAt.getTime() / 1000),
  });
  const minutes = Math.round((link.expiresAt.getTime() - link.createdAt.getTime()) / 60_000);
  const email = renderSignin({
    name: user.name,
    url: `${deps.config.publicUrl}/signin/${token}`,
    minutes,
    ...wording,
  });
  await deps.mailer.send({
    ...email,
    to: { name: user.name, address: user.email },
    messageId: messageIdFor('signin', link.id, deps.config.publicUrl),
  });
  return 'sent';
}
