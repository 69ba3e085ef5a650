import { randomUUID } from 'node:crypto';
import type { Executor } from '../../db/client.js';
import { createOrganisationWithUser, createToken, findUserByEmail } from '../../db/queries/accounts.js';
import type { SignupRequestBody } from '../../db/queries/signups.js';
import { closeSignupRequests, lockSignupRequest } from '../../db/queries/signups.js';
import { linkState, type LinkState } from '../../db/queries/sessions.js';
import { enqueueAccountEmail, type AccountEmailJob } from '../../worker/queues.js';
import { newToken } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { limitsFor } from '../limits.js';
import { queueUnavailable } from '../problem.js';

/**
 * Signups and sign-in requests, for the API and the pages alike. Both answer the same whatever the address:
 * they count against the limits (per client IP and per address) and queue the job that looks the address
 * up and emails it, and nothing else. Nothing exists for an address until its owner uses the link.
 */
export async function requestSignup(deps: AppDeps, ip: string, signup: SignupRequestBody): Promise<void> {
  await limitsFor(deps).consume(['ip', ip], ['address', signup.user.email.trim()]);
  await queueAccountEmail(deps, { kind: 'signup', requestId: randomUUID(), signup });
}

export async function requestSignin(deps: AppDeps, ip: string, email: string): Promise<void> {
  await limitsFor(deps).consume(['ip', ip], ['address', email.trim()]);
  await queueAccountEmail(deps, { kind: 'signin', requestId: randomUUID(), email });
}

async function queueAccountEmail(deps: AppDeps, job: AccountEmailJob) {
  await enqueueAccountEmail(deps.notificationsQueue, job).catch((err: Error) => {
    deps.logger.warn({ err: err.message }, 'could not queue an account email');
    throw queueUnavailable('The email could not be queued just now. Nothing was sent; try again in a moment.');
  });
}

export type SignupOutcome =
  { ok: true; userId: string; organisationName: string } | { ok: false; state: LinkState | 'registered' };

/**
 * Uses the link that confirms a signup: makes the organisation and its first (verified) person, once, and
 * cancels the other pending signups of the address. A used, cancelled or expired link makes nothing; so
 * does one for an address that got an account meanwhile.
 */
export async function confirmSignup(tx: Executor, requestId: string): Promise<SignupOutcome> {
  const request = await lockSignupRequest(tx, requestId);
  const state = linkState(request);
  if (!request || state !== 'usable') return { ok: false, state };
  const body = request.request as SignupRequestBody;
  if (await findUserByEmail(tx, body.user.email)) {
    await closeSignupRequests(tx, request.id, request.email, 'cancelled');
    return { ok: false, state: 'registered' };
  }
  const created = await createOrganisationWithUser(tx, body);
  await closeSignupRequests(tx, request.id, request.email, 'used');
  return { ok: true, userId: created.user.id, organisationName: created.organisation.name };
}

/** A new API token for a person (limited per person and per client IP); the secret is answered once. */
export async function makeApiToken(deps: AppDeps, db: Executor, ip: string, userId: string, name: string) {
  await limitsFor(deps).consume(['ip', ip], ['tokens', userId]);
  const { token, hash } = newToken();
  const row = await createToken(db, userId, name, hash);
  return { row, token };
}
