import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DigestCandidate } from '../../core/digest/compose.js';
import type { DigestPreferences } from '../../core/digest/schedule.js';
import type { Executor } from '../client.js';
import { digestItems, digests, matches, needs, offerings, organisations, users } from '../schema.js';

/** A user's digest settings. */
export async function getDigestSettings(db: Executor, userId: string) {
  const [row] = await db
    .select({
      frequency: users.digestFrequency,
      weekday: users.digestWeekday,
      hour: users.digestHour,
      timezone: users.timezone,
    })
    .from(users)
    .where(eq(users.id, userId));
  return row!;
}

/** Changes only the settings given, in one statement, so that two partial changes at once both hold. */
export async function updateDigestSettings(
  db: Executor,
  userId: string,
  s: Partial<{ frequency: 'weekly' | 'daily' | 'off'; weekday: number; hour: number; timezone: string }>,
) {
  await db
    .update(users)
    .set({
      ...(s.frequency !== undefined ? { digestFrequency: s.frequency } : {}),
      ...(s.weekday !== undefined ? { digestWeekday: s.weekday } : {}),
      ...(s.hour !== undefined ? { digestHour: s.hour } : {}),
      ...(s.timezone !== undefined ? { timezone: s.timezone } : {}),
      updatedAt: new Date(),
    })
    .where(eq(users.id, userId));
}

/**
 * The matches of the recipient's organisation's open posts that may go in their next digest: for each, which
 * of the recipient's posts it is about and who the other side is (null for an anonymous need: it must not be
 * told apart). Left out: pairs already sent to this person, marked not relevant by the organisation, or with
 * an introduction asked for or made (the "Request an introduction" link would only say so).
 */
export async function digestCandidates(
  db: Executor,
  recipient: { userId: string; organisationId: string },
): Promise<DigestCandidate[]> {
  const { userId, organisationId } = recipient;
  // Two indexed halves (the organisation's needs, then its offerings) rather than one OR over both
  // sides, which would read every match there is.
  const rows = await db.execute<DigestCandidate & Record<string, unknown>>(sql`
    select m.id as "matchId", m.need_id as "needId", m.offering_id as "offeringId", m.score,
      n.id as "ownPostId", o.organisation_id as "counterpartOrganisationId"
    from needs n
    join matches m on m.need_id = n.id
    join offerings o on o.id = m.offering_id
    where n.organisation_id = ${organisationId} and ${bothLive} and ${stillNew(userId, organisationId)}
    union all
    select m.id, m.need_id, m.offering_id, m.score,
      o.id, case when n.anonymous then null else n.organisation_id end
    from offerings o
    join matches m on m.offering_id = o.id
    join needs n on n.id = m.need_id
    where o.organisation_id = ${organisationId} and ${bothLive} and ${stillNew(userId, organisationId)}`);
  return [...rows];
}

// Both posts live: the recipient's own, and the other side's (closed or expired is its owners' business).
const bothLive = sql`n.status = 'open' and (n.expires_at is null or n.expires_at > now())
  and o.status = 'open' and (o.expires_at is null or o.expires_at > now())`;

const stillNew = (userId: string, organisationId: string) => sql`
  not exists (select 1 from digest_items s
    where s.user_id = ${userId} and s.need_id = m.need_id and s.offering_id = m.offering_id)
  and not exists (select 1 from match_feedback f
    where f.need_id = m.need_id and f.offering_id = m.offering_id
      and f.organisation_id = ${organisationId} and f.verdict = 'not_relevant')
  and not exists (select 1 from introductions i
    where i.need_id = m.need_id and i.offering_id = m.offering_id and i.status in ('pending', 'accepted'))`;

/** Users whose digests are on, grouped by their settings: the scheduler decides per group, not per user. */
export async function digestAudience(db: Executor) {
  const rows = await db.execute<DigestPreferences & { userIds: string[] } & Record<string, unknown>>(sql`
    select digest_frequency as frequency, digest_weekday as weekday, digest_hour as hour, timezone,
      array_agg(id order by id) as "userIds"
    from users where digest_frequency <> 'off'
    group by 1, 2, 3, 4`);
  return [...rows];
}

/** Of the users given, those whose digest for the period is finished (sent, empty or failed for good). */
export async function finishedDigests(db: Executor, userIds: string[], period: string): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await db
    .select({ userId: digests.userId })
    .from(digests)
    .where(and(eq(digests.period, period), inArray(digests.userId, userIds), ne(digests.status, 'pending')));
  return new Set(rows.map((r) => r.userId));
}

/** Digests claimed but not sent (their job failed for good, or was lost with Redis) in the last week. */
export async function unsentDigests(db: Executor) {
  return db
    .select({ userId: digests.userId, period: digests.period })
    .from(digests)
    .where(
      and(
        eq(digests.status, 'pending'),
        sql`${digests.createdAt} > now() - interval '7 days'`,
        sql`${digests.updatedAt} < now() - interval '5 minutes'`,
      ),
    )
    .limit(10_000);
}

export type DigestRow = typeof digests.$inferSelect;

/**
 * The digest row of a user and period, created if missing, and locked until the transaction ends, so that
 * two runs of the same job take turns; in one statement. `created` says whether this call made it.
 */
export async function claimDigest(tx: Executor, userId: string, period: string) {
  const [row] = await tx.execute<{ id: string; status: DigestRow['status']; created: boolean }>(sql`
    insert into digests (user_id, period) values (${userId}, ${period})
    on conflict (user_id, period) do update set updated_at = now()
    returning id, status, (xmax = 0) as created`);
  return row!;
}

/** Locks a digest for its send, with its person's current frequency (they may have unsubscribed since). */
export async function lockDigest(tx: Executor, id: string) {
  const [row] = await tx
    .select({ id: digests.id, status: digests.status, frequency: users.digestFrequency })
    .from(digests)
    .innerJoin(users, eq(users.id, digests.userId))
    .where(eq(digests.id, id))
    .for('no key update', { of: digests });
  return row;
}

/**
 * Writes the pairs of a digest. A pair some other digest of the user's already holds is skipped (the unique
 * key is the last word on "never twice"); answers the pairs written.
 */
export async function insertDigestItems(
  tx: Executor,
  digestId: string,
  userId: string,
  items: { needId: string; offeringId: string; score: number }[],
) {
  if (items.length === 0) return [];
  return tx
    .insert(digestItems)
    .values(items.map((i, position) => ({ digestId, userId, position, ...i })))
    .onConflictDoNothing()
    .returning({ needId: digestItems.needId });
}

export async function finishDigest(
  tx: Executor,
  id: string,
  outcome: { status: 'sent' | 'empty' | 'failed' | 'cancelled'; messageId?: string; error?: string },
) {
  await tx
    .update(digests)
    .set({
      status: outcome.status,
      messageId: outcome.messageId ?? null,
      error: outcome.error ?? null,
      sentAt: outcome.status === 'sent' ? new Date() : null,
      updatedAt: new Date(),
    })
    .where(eq(digests.id, id));
  // A digest refused for good, or cancelled, reached nobody: its pairs may go in a later one.
  if (outcome.status === 'failed' || outcome.status === 'cancelled')
    await tx.delete(digestItems).where(eq(digestItems.digestId, id));
}

const needOrg = alias(organisations, 'need_org');
const offeringOrg = alias(organisations, 'offering_org');

/**
 * What a digest's email shows, in its order: both posts, their organisations and the match's explanation.
 * A pair whose match has gone since (marked not relevant, dropped by a rematch) is left out.
 */
export async function digestContents(db: Executor, digestId: string) {
  return db
    .select({
      needId: digestItems.needId,
      offeringId: digestItems.offeringId,
      score: digestItems.score,
      explanation: matches.explanation,
      need: { title: needs.title, organisationId: needs.organisationId, anonymous: needs.anonymous },
      needOrg: { name: needOrg.name, kind: needOrg.kind },
      offering: { title: offerings.title, organisationId: offerings.organisationId },
      offeringOrg: { name: offeringOrg.name, kind: offeringOrg.kind },
    })
    .from(digestItems)
    .innerJoin(matches, and(eq(matches.needId, digestItems.needId), eq(matches.offeringId, digestItems.offeringId)))
    .innerJoin(needs, eq(needs.id, digestItems.needId))
    .innerJoin(needOrg, eq(needOrg.id, needs.organisationId))
    .innerJoin(offerings, eq(offerings.id, digestItems.offeringId))
    .innerJoin(offeringOrg, eq(offeringOrg.id, offerings.organisationId))
    .where(eq(digestItems.digestId, digestId))
    .orderBy(digestItems.position);
}

/** A recipient: the user, their settings and their organisation. */
export async function findRecipient(db: Executor, userId: string) {
  const [row] = await db
    .select({
      id: users.id,
      name: users.name,
      email: users.email,
      frequency: users.digestFrequency,
      organisationId: users.organisationId,
      organisationName: organisations.name,
    })
    .from(users)
    .innerJoin(organisations, eq(organisations.id, users.organisationId))
    .where(eq(users.id, userId));
  return row;
}
