import {
  counterpartOf,
  INTRODUCTION_EXPIRY_DAYS,
  isLive,
  isPartyToIntroduction,
  isPartyToPair,
  mayAnswerIntroduction,
  MAX_OPEN_REQUESTS,
} from '../../core/policy.js';
import type { Executor } from '../../db/client.js';
import {
  countOpenRequests,
  getIntroduction,
  hasGoneSide,
  insertIntroduction,
  findLatestIntroductionOfPair,
  lockIntroduction,
  lockPair,
  lockUser,
  setIntroductionStatus,
  wholeIntroduction,
  type IntroductionDetail,
  type WholeIntroduction,
} from '../../db/queries/introductions.js';
import { recordFlags } from '../../db/queries/flags.js';
import { deleteMatchOfPair, recordFeedback, type MatchWithPosts } from '../../db/queries/matches.js';
import { screenOrRefuse } from '../guardrail.js';
import type { AppDeps } from '../deps.js';
import { conflict, forbidden, notFound } from '../problem.js';
import { enqueueIntroductionEmail } from '../../worker/queues.js';

/** Who acts: a signed-in user, or the person a signed link was sent to. */
export interface Actor {
  userId: string;
  organisationId: string;
}

/** The match as the actor may act on it: they belong to one side, and both posts are live. */
function partyTo(found: MatchWithPosts | undefined, actor: Actor): MatchWithPosts {
  if (!found || !isPartyToPair(found, actor.organisationId)) throw notFound('Match');
  const now = new Date();
  if (!isLive(found.need, now) || !isLive(found.offering, now))
    throw conflict('post_not_open', 'One of the two posts of this match is closed or expired.');
  return found;
}

/** Asks the other side of a match for an introduction. Runs in the caller's transaction. */
export async function requestIntroduction(
  tx: Executor,
  actor: Actor,
  match: MatchWithPosts | undefined,
  message: string,
  acknowledgeSensitive = false,
): Promise<WholeIntroduction> {
  const found = partyTo(match, actor);
  const flags = screenOrRefuse({ message }, acknowledgeSensitive);
  const needId = found.need.id;
  const offeringId = found.offering.id;
  // The requester's lock keeps their open requests within the limit; the pair's keeps both sides from
  // asking at the same moment (the second then sees the first, a conflict rather than a unique violation).
  await lockUser(tx, actor.userId);
  await lockPair(tx, needId, offeringId);
  const previous = await findLatestIntroductionOfPair(tx, needId, offeringId);
  if (previous?.status === 'pending' || previous?.status === 'accepted')
    throw conflict(
      'introduction_exists',
      previous.status === 'pending'
        ? 'An introduction for this match has already been requested and awaits an answer.'
        : 'These two have already been introduced.',
    );
  if (previous?.status === 'declined')
    throw conflict('introduction_declined', 'An introduction for this match was declined; it cannot be asked again.');
  if ((await countOpenRequests(tx, actor.userId)) >= MAX_OPEN_REQUESTS)
    throw conflict(
      'too_many_open_requests',
      `You have ${MAX_OPEN_REQUESTS} introduction requests awaiting an answer; ask again once one is answered or expires.`,
    );
  const recipientOrganisationId = counterpartOf(found, actor.organisationId);
  const row = await insertIntroduction(tx, {
    needId,
    offeringId,
    requesterId: actor.userId,
    requesterOrganisationId: actor.organisationId,
    recipientOrganisationId,
    message,
    expiresAt: new Date(Date.now() + INTRODUCTION_EXPIRY_DAYS * 86_400_000),
  });
  await recordFlags(tx, flags, { ...actor, subjectType: 'introduction', subjectId: row.id });
  return wholeIntroduction((await getIntroduction(tx, row.id))!)!;
}

/**
 * Accepts or declines a request addressed to the actor's organisation. A decline also removes the match, and
 * the candidate queries skip declined pairs, so the pair is not suggested again.
 */
export async function answerIntroduction(
  tx: Executor,
  actor: Actor,
  id: string,
  answer: 'accept' | 'decline',
): Promise<WholeIntroduction> {
  const row = await lockIntroduction(tx, id);
  if (!row || !isPartyToIntroduction(row, actor.organisationId)) throw notFound('Introduction');
  if (!mayAnswerIntroduction(row, actor.organisationId))
    throw forbidden('Only the organisation asked for an introduction may answer it.');
  // A post deleted or an organisation gone (its pending requests were closed with it): nothing to answer.
  if (hasGoneSide(row))
    throw conflict(
      'introduction_withdrawn',
      'The other side of this introduction has withdrawn its post or left Roadmatch; it can no longer be answered.',
    );
  const expired = row.status === 'expired' || (row.status === 'pending' && row.expiresAt <= new Date());
  if (expired)
    throw conflict('introduction_expired', 'This introduction request has expired; the other side may ask again.');
  if (row.status !== 'pending') {
    const same = (row.status === 'accepted') === (answer === 'accept');
    // Answering the same way twice (a double click, a retried link) is not an error.
    if (same) return wholeIntroduction((await getIntroduction(tx, id))!)!;
    throw conflict('introduction_answered', `This introduction request was already ${row.status}.`);
  }
  await setIntroductionStatus(tx, id, {
    status: answer === 'accept' ? 'accepted' : 'declined',
    responderId: actor.userId,
  });
  if (answer === 'decline') await deleteMatchOfPair(tx, row.needId!, row.offeringId!);
  return wholeIntroduction((await getIntroduction(tx, id))!)!;
}

/** Marks a pair not relevant for the actor's organisation; the match is removed for good. */
export async function markNotRelevant(tx: Executor, actor: Actor, match: MatchWithPosts | undefined) {
  if (!match || !isPartyToPair(match, actor.organisationId)) throw notFound('Match');
  return recordFeedback(tx, {
    needId: match.need.id,
    offeringId: match.offering.id,
    organisationId: actor.organisationId,
    userId: actor.userId,
    verdict: 'not_relevant',
    reason: null,
  });
}

/**
 * Asks the worker for the emails an introduction now owes, after the change is committed. Redis being away
 * loses nothing: the introductions tick finds the emails still owed.
 */
export async function notifyIntroduction(
  deps: AppDeps,
  detail: Pick<IntroductionDetail, 'introduction'>,
): Promise<void> {
  await enqueueIntroductionEmail(deps.notificationsQueue, detail.introduction.id, detail.introduction.status).catch(
    (err: Error) => deps.logger.warn({ err: err.message }, 'could not enqueue introduction email; the tick will'),
  );
}
