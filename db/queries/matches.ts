// The API's and the pages' reads of matches, and the verdicts people give on them. What the matcher reads
// and writes is in ./matching.ts.

import { and, asc, desc, eq, gt, inArray, lt, or } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { PostSide } from '../../core/policy.js';
import type { Executor } from '../client.js';
import { isLiveWhere } from '../policy.js';
import { matchFeedback, matches, needs, offerings, organisations } from '../schema.js';

// The sweep's queries, imported from here by worker/index.ts and scripts/harness.ts (files another change
// owns); new code imports them from ./matching.ts.

const needOrg = alias(organisations, 'need_org');
const offeringOrg = alias(organisations, 'offering_org');

export type MatchRow = typeof matches.$inferSelect;

/** One page of a post's matches, best first, with both posts, their organisations and the viewer's verdict. */
export async function listMatchesOf(
  db: Executor,
  side: PostSide,
  id: string,
  viewerOrganisationId: string,
  limit: number,
  cursor?: { score: number; id: string },
) {
  const own = side === 'need' ? matches.needId : matches.offeringId;
  const rows = await db
    .select({
      match: matches,
      need: needs,
      needOrg: needOrg,
      offering: offerings,
      offeringOrg: offeringOrg,
      feedback: matchFeedback.verdict,
    })
    .from(matches)
    .innerJoin(needs, eq(needs.id, matches.needId))
    .innerJoin(needOrg, eq(needOrg.id, needs.organisationId))
    .innerJoin(offerings, eq(offerings.id, matches.offeringId))
    .innerJoin(offeringOrg, eq(offeringOrg.id, offerings.organisationId))
    .leftJoin(
      matchFeedback,
      and(
        eq(matchFeedback.needId, matches.needId),
        eq(matchFeedback.offeringId, matches.offeringId),
        eq(matchFeedback.organisationId, viewerOrganisationId),
      ),
    )
    .where(
      and(
        eq(own, id),
        // The other side's post must still be live: a closed or expired post is its owners' business.
        side === 'need' ? isLiveWhere(offerings) : isLiveWhere(needs),
        cursor
          ? or(lt(matches.score, cursor.score), and(eq(matches.score, cursor.score), gt(matches.id, cursor.id)))
          : undefined,
      ),
    )
    .orderBy(desc(matches.score), asc(matches.id))
    .limit(limit + 1);
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}

/** A match with both posts and their organisations, as `getMatch` answers it. */
export type MatchWithPosts = NonNullable<Awaited<ReturnType<typeof getMatch>>>;

export async function getMatch(db: Executor, id: string) {
  const [row] = await listMatchesByIds(db, [id]);
  return row;
}

export async function listMatchesByIds(db: Executor, ids: string[]) {
  return db
    .select({ match: matches, need: needs, needOrg: needOrg, offering: offerings, offeringOrg: offeringOrg })
    .from(matches)
    .innerJoin(needs, eq(needs.id, matches.needId))
    .innerJoin(needOrg, eq(needOrg.id, needs.organisationId))
    .innerJoin(offerings, eq(offerings.id, matches.offeringId))
    .innerJoin(offeringOrg, eq(offeringOrg.id, offerings.organisationId))
    .where(inArray(matches.id, ids));
}

/**
 * Records an organisation's verdict on a pair. "Not relevant" also removes the match: the candidate
 * queries skip the pair from then on, so no rematch brings it back.
 */
export async function recordFeedback(
  db: Executor,
  input: {
    needId: string;
    offeringId: string;
    organisationId: string;
    userId: string;
    verdict: 'relevant' | 'not_relevant';
    reason: string | null;
  },
) {
  const [row] = await db
    .insert(matchFeedback)
    .values(input)
    .onConflictDoUpdate({
      target: [matchFeedback.needId, matchFeedback.offeringId, matchFeedback.organisationId],
      set: { verdict: input.verdict, reason: input.reason, userId: input.userId, updatedAt: new Date() },
    })
    .returning();
  if (input.verdict === 'not_relevant') {
    await db.delete(matches).where(and(eq(matches.needId, input.needId), eq(matches.offeringId, input.offeringId)));
  }
  return row!;
}

/** The match of a pair, with both posts and their organisations. */
export async function findMatchByPair(db: Executor, needId: string, offeringId: string) {
  const [row] = await db
    .select({ match: matches, need: needs, needOrg: needOrg, offering: offerings, offeringOrg: offeringOrg })
    .from(matches)
    .innerJoin(needs, eq(needs.id, matches.needId))
    .innerJoin(needOrg, eq(needOrg.id, needs.organisationId))
    .innerJoin(offerings, eq(offerings.id, matches.offeringId))
    .innerJoin(offeringOrg, eq(offeringOrg.id, offerings.organisationId))
    .where(and(eq(matches.needId, needId), eq(matches.offeringId, offeringId)));
  return row;
}

/** Removes a pair's match for good (the candidate queries skip declined and not-relevant pairs). */
export async function deleteMatchOfPair(db: Executor, needId: string, offeringId: string) {
  await db.delete(matches).where(and(eq(matches.needId, needId), eq(matches.offeringId, offeringId)));
}
