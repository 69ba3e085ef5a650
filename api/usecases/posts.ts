import { defaultExpiry, isLive, maySeePost, renewalRefusal, type PostSide } from '../../core/policy.js';
import type { Executor } from '../../db/client.js';
import { renewPost, type NeedRow, type OfferingRow } from '../../db/queries/posts.js';
import { conflict, forbidden, notFound } from '../problem.js';

// A post's use cases shared by the API (api/routes/posts.ts), the post's page (api/pages/posts.ts) and the
// page behind an emailed link (api/pages/links.ts).

type Row = NeedRow | OfferingRow;

/** What renewing reads of a side (api/routes/posts.ts `needSide`, `offeringSide`): its name, its noun, its lock. */
export interface RenewingSide {
  side: PostSide;
  /** "Need" or "Offering", as problems name it. */
  noun: string;
  /** Reads the post and locks it for the rest of the transaction. */
  lock(db: Executor, id: string): Promise<Row | undefined>;
}

/**
 * Renews a post the caller has locked already (`s.lock`, in this transaction; undefined when there was
 * none): refuses one the organisation may not see (404), change (403) or that is closed (409
 * `post_closed`), and moves its expiry (by default POST_LIFETIME_MONTHS from `now`). Answers the row; when
 * it had expired it is a new version, to be matched again (`requestMatching` once committed, as after a
 * change).
 */
export async function renewLockedPost(
  tx: Executor,
  s: RenewingSide,
  organisationId: string,
  current: Row | undefined,
  expiresAt?: Date,
  now = new Date(),
): Promise<Row> {
  const noun = s.noun.toLowerCase();
  if (!current || !maySeePost(current, organisationId, now)) throw notFound(s.noun);
  if (current.organisationId !== organisationId)
    throw forbidden(`Only members of the organisation that posted this ${noun} may renew it.`);
  const refusal = renewalRefusal(current, noun);
  if (refusal) throw conflict('post_closed', refusal);
  return renewPost(tx, s.side, current, expiresAt ?? defaultExpiry(now), isLive(current, now));
}

/**
 * Renews a post of the organisation, for the API: locks it, then as `renewLockedPost`. A caller that has
 * locked the post already (to check it first) calls `renewLockedPost` with it, so that it is locked once.
 */
export async function renewOwnPost(
  tx: Executor,
  s: RenewingSide,
  organisationId: string,
  id: string,
  expiresAt?: Date,
  now = new Date(),
): Promise<Row> {
  return renewLockedPost(tx, s, organisationId, await s.lock(tx, id), expiresAt, now);
}
