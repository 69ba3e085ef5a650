import { and, eq, inArray, ne, sql, type SQL } from 'drizzle-orm';
import type { DigestCandidate } from '../../core/digest/compose.js';
import type { DigestPreferences } from '../../core/digest/schedule.js';
import { executePrepared, type Executor } from '../client.js';
import { digestItems, digestNotices, digests, users } from '../schema.js';
import { liveSql, organisationsSeenBy, ownerHiddenSql } from '../policy.js';

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

/** A digest candidate with what its email item shows. */
export interface DigestCandidateRow extends DigestCandidate {
  needTitle: string;
  needAnonymous: boolean;
  needOrganisationId: string;
  needOrganisationName: string;
  needOrganisationKind: string;
  offeringTitle: string;
  offeringOrganisationName: string;
  offeringOrganisationKind: string;
  explanation: unknown;
}

/**
 * The matches of the recipient's organisation's open posts that may go in their next digest, with what an
 * email item shows: which of the recipient's posts it is about and who the other side is (null for an
 * anonymous need: it must not be told apart). Left out: pairs already sent to this person, marked not
 * relevant by the organisation, or with an introduction asked for or made (the link would only say so).
 */
export async function listDigestCandidates(
  db: Executor,
  recipient: { userId: string; organisationId: string },
): Promise<DigestCandidateRow[]> {
  const { userId, organisationId } = recipient;
  // Two indexed halves (the organisation's needs, then its offerings) rather than one OR over both
  // sides, which would read every match there is. Prepared: planning its joins took 40-100 ms a digest.
  const rows = await executePrepared<DigestCandidateRow>(
    db,
    sql`
    select m.id as "matchId", m.need_id as "needId", m.offering_id as "offeringId", m.score,
      n.id as "ownPostId", o.organisation_id as "counterpartOrganisationId", ${contentColumns}
    from needs n
    join matches m on m.need_id = n.id
    join offerings o on o.id = m.offering_id
    join organisations no on no.id = n.organisation_id
    join organisations oo on oo.id = o.organisation_id
    where n.organisation_id = ${organisationId} and ${bothLive} and ${stillNew(userId, organisationId)}
    union all
    select m.id, m.need_id, m.offering_id, m.score,
      o.id, case when ${ownerHiddenSql('n', organisationId)} then null else n.organisation_id end, ${contentColumns}
    from offerings o
    join matches m on m.offering_id = o.id
    join needs n on n.id = m.need_id
    join organisations no on no.id = n.organisation_id
    join organisations oo on oo.id = o.organisation_id
    where o.organisation_id = ${organisationId} and ${bothLive} and ${stillNew(userId, organisationId)}`,
  );
  return [...rows];
}

const contentColumns = sql`n.title as "needTitle", n.anonymous as "needAnonymous",
  n.organisation_id as "needOrganisationId", no.name as "needOrganisationName", no.kind as "needOrganisationKind",
  o.title as "offeringTitle", oo.name as "offeringOrganisationName", oo.kind as "offeringOrganisationKind",
  m.explanation`;

// Both posts live: the recipient's own, and the other side's (closed or expired is its owners' business).
const bothLive = sql`${liveSql('n')} and ${liveSql('o')}`;

const stillNew = (userId: string, organisationId: string) => sql`
  not exists (select 1 from digest_items s
    where s.user_id = ${userId} and s.need_id = m.need_id and s.offering_id = m.offering_id)
  and not exists (select 1 from match_feedback f
    where f.need_id = m.need_id and f.offering_id = m.offering_id
      and f.organisation_id = ${organisationId} and f.verdict = 'not_relevant')
  and not exists (select 1 from introductions i
    where i.need_id = m.need_id and i.offering_id = m.offering_id and i.status in ('pending', 'accepted'))`;

/** Users whose digests are on, grouped by their settings: the scheduler decides per group, not per user. */
export async function listDigestAudience(db: Executor) {
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
export async function listUnsentDigests(db: Executor) {
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
 * Claims the digest of a user and period: its row, created if missing (as `pending`) and locked until the
 * transaction ends, so that two runs of one job take turns; with the recipient as they are now (they may
 * have unsubscribed since the job was queued). Undefined when the user no longer exists.
 */
export async function claimDigest(tx: Executor, userId: string, period: string) {
  const [row] = await tx.execute<{
    id: string;
    status: DigestRow['status'];
    name: string;
    email: string;
    frequency: 'weekly' | 'daily' | 'off';
    weekday: number;
    hour: number;
    timezone: string;
    organisationId: string;
    organisationName: string;
  }>(sql`
    with claimed as (
      insert into digests (user_id, period)
      select id, ${period} from users where id = ${userId}
      on conflict (user_id, period) do update set updated_at = now()
      returning id, status, user_id)
    select c.id, c.status, u.name, u.email, u.digest_frequency as frequency, u.digest_weekday as weekday,
      u.digest_hour as hour, u.timezone, u.organisation_id as "organisationId", o.name as "organisationName"
    from claimed c join users u on u.id = c.user_id join organisations o on o.id = u.organisation_id`);
  return row;
}

/**
 * Leaves a digest marked pending after a failed attempt, so that if its job is lost or gives up the tick
 * finds it and tries again.
 */
export async function markDigestPending(db: Executor, userId: string, period: string, error: string) {
  await db
    .insert(digests)
    .values({ userId, period, error })
    .onConflictDoUpdate({
      target: [digests.userId, digests.period],
      set: { error, updatedAt: new Date() },
      setWhere: eq(digests.status, 'pending'),
    });
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
    .returning({ needId: digestItems.needId, offeringId: digestItems.offeringId });
}

/**
 * Reads a claimed digest's status on the claiming transaction: one round trip that fails when the
 * transaction's connection has been cut, so that no email goes out that the commit could not record.
 */
export async function claimedDigestStatus(tx: Executor, id: string): Promise<string | undefined> {
  const [row] = await tx.select({ status: digests.status }).from(digests).where(eq(digests.id, id));
  return row?.status;
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
  if (outcome.status === 'failed' || outcome.status === 'cancelled') {
    await tx.delete(digestItems).where(eq(digestItems.digestId, id));
    await tx.delete(digestNotices).where(eq(digestNotices.digestId, id));
  }
}

/** The capabilities and areas a person follows. */
export async function getFollows(db: Executor, userId: string) {
  const [row] = await db
    .select({ capabilities: users.followedCapabilities, areas: users.followedAreas })
    .from(users)
    .where(eq(users.id, userId));
  return row!;
}

export async function setFollows(db: Executor, userId: string, follows: { capabilities: string[]; areas: string[] }) {
  await db
    .update(users)
    .set({ followedCapabilities: follows.capabilities, followedAreas: follows.areas, updatedAt: new Date() })
    .where(eq(users.id, userId));
}

/** How many items of each kind of community news one digest carries. */
export const MAX_NOTICES = 5;

export interface CommonNeedNotice {
  ownNeedId: string;
  ownTitle: string;
  otherNeedId: string;
  otherTitle: string;
  /** Null when the other need is anonymous. */
  otherOrganisation: string | null;
  otherOrganisationId: string;
}

export interface GroupNotice {
  id: string;
  title: string;
  needCount: number;
  organisationCount: number;
}

export interface ConsortiumNotice {
  id: string;
  title: string;
  status: string;
}

/**
 * Community news not yet sent to this person: other organisations' live needs common to their
 * organisation's live needs; and, in the capabilities and areas they follow, common-need groups of two or
 * more organisations and consortia forming or at work.
 */
export async function listCommunityCandidates(db: Executor, recipient: { userId: string; organisationId: string }) {
  const { userId, organisationId } = recipient;
  const notSent = (kind: string, subject: SQL) =>
    sql`not exists (select 1 from digest_notices s where s.user_id = ${userId} and s.kind = ${kind} and s.subject_id = ${subject})`;
  const common = await db.execute<CommonNeedNotice & Record<string, unknown>>(sql`
    select mine.id as "ownNeedId", mine.title as "ownTitle", other.id as "otherNeedId", other.title as "otherTitle",
      case when ${ownerHiddenSql('other', organisationId)} then null else org.name end as "otherOrganisation",
      other.organisation_id as "otherOrganisationId"
    from needs mine
    join common_needs c on mine.id in (c.need_a, c.need_b)
    join needs other on other.id = case when c.need_a = mine.id then c.need_b else c.need_a end
    join organisations org on org.id = other.organisation_id
    where mine.organisation_id = ${organisationId}
      and ${liveSql('mine')} and ${liveSql('other')}
      and ${notSent('common-need', sql`other.id`)}
    order by c.similarity desc
    limit ${MAX_NOTICES * 4}`);
  const followed = sql`(g.capabilities && u.followed_capabilities or g.areas && u.followed_areas)`;
  const groups = await db.execute<GroupNotice & Record<string, unknown>>(sql`
    select g.id, g.title, count(*)::int as "needCount", ${organisationsSeenBy('n', organisationId)} as "organisationCount"
    from users u
    join common_need_groups g on ${followed}
    join common_need_group_members m on m.group_id = g.id
    join needs n on n.id = m.need_id and ${liveSql('n')}
    where u.id = ${userId} and ${notSent('common-group', sql`g.id`)}
    group by g.id
    having count(distinct n.organisation_id) >= 2
    order by count(distinct n.organisation_id) desc, g.created_at desc
    limit ${MAX_NOTICES}`);
  const consortiaRows = await db.execute<ConsortiumNotice & Record<string, unknown>>(sql`
    select g.id, g.title, g.status
    from users u join consortia g on ${followed}
    where u.id = ${userId} and g.status <> 'closed' and ${notSent('consortium', sql`g.id`)}
    order by g.created_at desc
    limit ${MAX_NOTICES}`);
  return { commonNeeds: [...common], groups: [...groups], consortia: [...consortiaRows] };
}

/** Records the news a digest carries, once per person; answers the subjects written (the others were sent). */
export async function insertDigestNotices(
  tx: Executor,
  digestId: string,
  userId: string,
  notices: { kind: 'common-need' | 'common-group' | 'consortium'; subjectId: string }[],
): Promise<Set<string>> {
  if (notices.length === 0) return new Set();
  const rows = await tx
    .insert(digestNotices)
    .values(notices.map((n) => ({ digestId, userId, ...n })))
    .onConflictDoNothing()
    .returning({ kind: digestNotices.kind, subjectId: digestNotices.subjectId });
  return new Set(rows.map((r) => `${r.kind}/${r.subjectId}`));
}

/** The periods of the last weeks whose digest to the person is finished (sent, empty or failed for good). */
export async function listFinishedDigestPeriods(db: Executor, userId: string): Promise<Set<string>> {
  const rows = await db
    .select({ period: digests.period })
    .from(digests)
    .where(
      and(
        eq(digests.userId, userId),
        ne(digests.status, 'pending'),
        sql`${digests.createdAt} > now() - interval '15 days'`,
      ),
    );
  return new Set(rows.map((r) => r.period));
}
