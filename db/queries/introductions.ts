import { and, count, desc, eq, isNotNull, isNull, lt, not, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Executor } from '../client.js';
import { introducedSql } from '../policy.js';
import { introductionEmails, introductions, matches, needs, offerings, organisations, users } from '../schema.js';

export type IntroductionRow = typeof introductions.$inferSelect;
export type IntroductionStatus = IntroductionRow['status'];

const needOrg = alias(organisations, 'need_org');
const offeringOrg = alias(organisations, 'offering_org');
const requesterOrg = alias(organisations, 'requester_org');
const recipientOrg = alias(organisations, 'recipient_org');
const requester = alias(users, 'requester');
const responder = alias(users, 'responder');

/** Locks the user's row, so that counting their open requests and adding one cannot interleave. */
export async function lockUser(tx: Executor, userId: string): Promise<void> {
  await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('no key update');
}

/** Serialises requests about one pair, whoever makes them, until the transaction ends. */
export async function lockPair(tx: Executor, needId: string, offeringId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`intro:${needId}/${offeringId}`}, 0))`);
}

export async function countOpenRequests(tx: Executor, userId: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(introductions)
    .where(and(eq(introductions.requesterId, userId), eq(introductions.status, 'pending')));
  return row!.n;
}

/** The latest introduction of a pair, whatever its state. */
export async function findLatestIntroductionOfPair(tx: Executor, needId: string, offeringId: string) {
  const [row] = await tx
    .select()
    .from(introductions)
    .where(and(eq(introductions.needId, needId), eq(introductions.offeringId, offeringId)))
    .orderBy(desc(introductions.createdAt))
    .limit(1);
  return row;
}

export async function insertIntroduction(tx: Executor, values: typeof introductions.$inferInsert) {
  const [row] = await tx.insert(introductions).values(values).returning();
  return row!;
}

export async function lockIntroduction(tx: Executor, id: string) {
  const [row] = await tx.select().from(introductions).where(eq(introductions.id, id)).for('no key update');
  return row;
}

export async function setIntroductionStatus(
  tx: Executor,
  id: string,
  change: { status: IntroductionStatus; responderId?: string; notifiedStatus?: IntroductionStatus },
) {
  await tx
    .update(introductions)
    .set({
      status: change.status,
      ...(change.responderId ? { responderId: change.responderId, respondedAt: new Date() } : {}),
      ...(change.notifiedStatus ? { notifiedStatus: change.notifiedStatus } : {}),
      updatedAt: new Date(),
    })
    .where(eq(introductions.id, id));
}

export async function markIntroductionNotified(
  tx: Executor,
  id: string,
  change: { notifiedStatus?: IntroductionStatus; remindNotifiedAt?: Date },
) {
  await tx.update(introductions).set(change).where(eq(introductions.id, id));
}

/** An introduction with everything its JSON and its emails show. */
const detailColumns = {
  introduction: introductions,
  need: { id: needs.id, title: needs.title, anonymous: needs.anonymous, createdBy: needs.createdBy },
  needOrg: needOrg,
  offering: { id: offerings.id, title: offerings.title, createdBy: offerings.createdBy },
  offeringOrg: offeringOrg,
  requesterOrg: requesterOrg,
  recipientOrg: recipientOrg,
  requester: { id: requester.id, name: requester.name, email: requester.email },
  responder: { id: responder.id, name: responder.name, email: responder.email },
  matchId: matches.id,
  explanation: matches.explanation,
};

/**
 * Every side may be gone: the requester or responder once they deleted their account ("a former member"),
 * a post once it is deleted (withdrawn), an organisation once its last member left (with its posts and
 * people). The introduction stays with the side that remains.
 */
function detailQuery(db: Executor) {
  return db
    .select(detailColumns)
    .from(introductions)
    .leftJoin(needs, eq(needs.id, introductions.needId))
    .leftJoin(needOrg, eq(needOrg.id, needs.organisationId))
    .leftJoin(offerings, eq(offerings.id, introductions.offeringId))
    .leftJoin(offeringOrg, eq(offeringOrg.id, offerings.organisationId))
    .leftJoin(requesterOrg, eq(requesterOrg.id, introductions.requesterOrganisationId))
    .leftJoin(recipientOrg, eq(recipientOrg.id, introductions.recipientOrganisationId))
    .leftJoin(requester, eq(requester.id, introductions.requesterId))
    .leftJoin(responder, eq(responder.id, introductions.responderId))
    .leftJoin(matches, and(eq(matches.needId, introductions.needId), eq(matches.offeringId, introductions.offeringId)));
}

export type IntroductionDetail = Awaited<ReturnType<typeof getIntroduction>> & {};

export async function getIntroduction(db: Executor, id: string) {
  const [row] = await detailQuery(db).where(eq(introductions.id, id));
  return row;
}

/** An introduction whose two posts and two organisations are all still there. */
export type WholeIntroduction = IntroductionDetail & {
  need: NonNullable<IntroductionDetail['need']>;
  needOrg: NonNullable<IntroductionDetail['needOrg']>;
  offering: NonNullable<IntroductionDetail['offering']>;
  offeringOrg: NonNullable<IntroductionDetail['offeringOrg']>;
  requesterOrg: NonNullable<IntroductionDetail['requesterOrg']>;
  recipientOrg: NonNullable<IntroductionDetail['recipientOrg']>;
};

/** The introduction when none of its sides is gone: only such a one may be answered or emailed about. */
export function wholeIntroduction(d: IntroductionDetail): WholeIntroduction | undefined {
  return d.need && d.needOrg && d.offering && d.offeringOrg && d.requesterOrg && d.recipientOrg
    ? (d as WholeIntroduction)
    : undefined;
}

/** Whether an introduction row lost a side: a post deleted, or an organisation gone with its last member. */
export const hasGoneSide = (row: IntroductionRow) =>
  !row.needId || !row.offeringId || !row.requesterOrganisationId || !row.recipientOrganisationId;

/** One page of an organisation's introductions, newest first: those it asked for, received, or both. */
export async function listIntroductions(
  db: Executor,
  organisationId: string,
  filters: { direction?: 'sent' | 'received'; status?: IntroductionStatus; limit: number },
  cursor?: { createdAt: Date; id: string },
) {
  const sent = eq(introductions.requesterOrganisationId, organisationId);
  const received = eq(introductions.recipientOrganisationId, organisationId);
  const rows = await detailQuery(db)
    .where(
      and(
        filters.direction === 'sent' ? sent : filters.direction === 'received' ? received : or(sent, received),
        filters.status ? eq(introductions.status, filters.status) : undefined,
        cursor
          ? or(
              lt(introductions.createdAt, cursor.createdAt),
              and(eq(introductions.createdAt, cursor.createdAt), lt(introductions.id, cursor.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(introductions.createdAt), desc(introductions.id))
    .limit(filters.limit + 1);
  return { rows: rows.slice(0, filters.limit), more: rows.length > filters.limit };
}

/**
 * Of the needs given, those whose owner an accepted introduction has made known to the organisation
 * (core/policy.ts `introducesNeedOwner`, in SQL as db/policy.ts `introducedSql`).
 */
export async function listNeedsIntroducedTo(db: Executor, needIds: string[], organisationId: string) {
  if (needIds.length === 0) return new Set<string>();
  const rows = await db.execute<{ id: string }>(sql`
    select n.id from needs n
    where n.id = any(${sql.param(needIds)}::uuid[]) and ${introducedSql('n', organisationId)}`);
  return new Set(rows.map((r) => r.id));
}

/** The people an organisation's side of a pair is emailed at: the post's author, or else every member. */
export async function listContactsFor(db: Executor, organisationId: string, authorId: string | null) {
  const rows = await db
    .select({ id: users.id, name: users.name, email: users.email })
    .from(users)
    .where(eq(users.organisationId, organisationId))
    .orderBy(users.createdAt);
  const author = rows.find((u) => u.id === authorId);
  return author ? [author] : rows;
}

/** The emails of an introduction already sent, as `event/userId`. */
export async function listSentIntroductionEmails(db: Executor, introductionId: string): Promise<Set<string>> {
  const rows = await db
    .select({ event: introductionEmails.event, userId: introductionEmails.userId })
    .from(introductionEmails)
    .where(eq(introductionEmails.introductionId, introductionId));
  return new Set(rows.map((r) => `${r.event}/${r.userId}`));
}

export async function recordIntroductionEmail(db: Executor, row: typeof introductionEmails.$inferInsert) {
  await db.insert(introductionEmails).values(row).onConflictDoNothing();
}

/** Requests awaiting an answer from an organisation. */
export async function countAwaitingAnswer(db: Executor, organisationId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(introductions)
    .where(and(eq(introductions.recipientOrganisationId, organisationId), eq(introductions.status, 'pending')));
  return row!.n;
}

/** The introduction lost a side (`hasGoneSide`), in SQL. */
const goneSideSql = or(
  isNull(introductions.needId),
  isNull(introductions.offeringId),
  isNull(introductions.requesterOrganisationId),
  isNull(introductions.recipientOrganisationId),
)!;

/**
 * Pending requests past their expiry become expired, and so does any pending one that lost a side (closed by
 * its deletion already, `closeIntroductionsOf`; this catches one that slipped by); answers their ids.
 */
export async function expireIntroductions(db: Executor, now = new Date()): Promise<string[]> {
  const rows = await db
    .update(introductions)
    .set({ status: 'expired', updatedAt: now })
    .where(and(eq(introductions.status, 'pending'), or(lt(introductions.expiresAt, now), goneSideSql)))
    .returning({ id: introductions.id });
  return rows.map((r) => r.id);
}

/**
 * Before posts (or an organisation, with all of its posts) are deleted: their pending introductions are closed
 * as expired, already notified (no email goes out about them: the other side reads it on its introductions
 * page, the post withdrawn), so that none is answered, reminded or emailed about once a side is gone.
 * Accepted, declined and expired ones stay as they are: the other side keeps its record.
 */
export async function closeIntroductionsOf(
  tx: Executor,
  of: { needIds?: string[]; offeringIds?: string[]; organisationId?: string },
): Promise<void> {
  const needIds = of.needIds ?? [];
  const offeringIds = of.offeringIds ?? [];
  await tx.execute(sql`
    update introductions set status = 'expired', notified_status = 'expired', updated_at = now()
    where status = 'pending' and (need_id = any(${sql.param(needIds)}::uuid[])
      or offering_id = any(${sql.param(offeringIds)}::uuid[])
      or ${of.organisationId ?? null}::uuid in (requester_organisation_id, recipient_organisation_id))`);
}

/** Pending requests older than `days` with no reminder yet get one; answers their ids. */
export async function listDueReminders(db: Executor, days: number, now = new Date()): Promise<string[]> {
  const rows = await db
    .update(introductions)
    .set({ remindedAt: now })
    .where(
      and(
        eq(introductions.status, 'pending'),
        isNull(introductions.remindedAt),
        not(goneSideSql),
        lt(introductions.createdAt, new Date(now.getTime() - days * 86_400_000)),
      ),
    )
    .returning({ id: introductions.id });
  return rows.map((r) => r.id);
}

/** Introductions whose latest emails have not gone out (their job was lost or gave up). */
export async function listOwedIntroductionEmails(db: Executor) {
  return db
    .select({ id: introductions.id, status: introductions.status, remindedAt: introductions.remindedAt })
    .from(introductions)
    .where(
      and(
        or(
          sql`${introductions.notifiedStatus} is distinct from ${introductions.status}`,
          and(isNotNull(introductions.remindedAt), isNull(introductions.remindNotifiedAt)),
        ),
        sql`${introductions.updatedAt} < now() - interval '5 minutes'`,
      ),
    )
    .limit(10_000);
}
