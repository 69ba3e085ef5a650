import { and, asc, desc, eq, gt, inArray, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { ConsortiumStatus, OrgKind } from '../../core/taxonomy.js';
import type { Executor } from '../client.js';
import { liveSql } from '../policy.js';
import {
  consortia,
  consortiumInvitations,
  consortiumLog,
  consortiumMembers,
  consortiumNeeds,
  needs,
  offerings,
  organisations,
  sentEmails,
  users,
} from '../schema.js';

export type ConsortiumRow = typeof consortia.$inferSelect;
export type InvitationRow = typeof consortiumInvitations.$inferSelect;
export type LogRow = typeof consortiumLog.$inferSelect;

export async function insertConsortium(
  db: Executor,
  values: Pick<ConsortiumRow, 'title' | 'scope' | 'capabilities' | 'areas' | 'convenerOrganisationId' | 'createdBy'>,
  needIds: string[],
): Promise<ConsortiumRow> {
  const [row] = await db.insert(consortia).values(values).returning();
  await db.insert(consortiumNeeds).values(needIds.map((needId) => ({ consortiumId: row!.id, needId })));
  return row!;
}

export async function getConsortium(db: Executor, id: string): Promise<ConsortiumRow | undefined> {
  const [row] = await db.select().from(consortia).where(eq(consortia.id, id));
  return row;
}

/** Locks the consortium for the rest of the transaction: joins, leaves and closes apply one at a time. */
export async function lockConsortium(db: Executor, id: string): Promise<ConsortiumRow | undefined> {
  const [row] = await db.select().from(consortia).where(eq(consortia.id, id)).for('no key update');
  return row;
}

export async function setConsortiumStatus(db: Executor, id: string, status: ConsortiumStatus): Promise<void> {
  await db
    .update(consortia)
    .set({
      status,
      updatedAt: new Date(),
      ...(status === 'active' ? { activatedAt: new Date() } : {}),
      ...(status === 'closed' ? { closedAt: new Date() } : {}),
    })
    .where(eq(consortia.id, id));
}

/** The needs a consortium addresses, with their organisations, oldest first. */
export async function listNeedsOfConsortium(db: Executor, id: string) {
  return db
    .select({ need: needs, organisation: organisations })
    .from(consortiumNeeds)
    .innerJoin(needs, eq(needs.id, consortiumNeeds.needId))
    .innerJoin(organisations, eq(organisations.id, needs.organisationId))
    .where(eq(consortiumNeeds.consortiumId, id))
    .orderBy(asc(needs.createdAt), asc(needs.id));
}

/** Current members (not those who left), with their organisations, in the order they joined. */
export async function listMembersOf(db: Executor, id: string) {
  return db
    .select({ member: consortiumMembers, organisation: organisations })
    .from(consortiumMembers)
    .innerJoin(organisations, eq(organisations.id, consortiumMembers.organisationId))
    .where(and(eq(consortiumMembers.consortiumId, id), isNull(consortiumMembers.leftAt)))
    .orderBy(asc(consortiumMembers.joinedAt));
}

/** The membership row of an organisation, current or past. */
export async function findMembershipOf(db: Executor, consortiumId: string, organisationId: string) {
  const [row] = await db
    .select()
    .from(consortiumMembers)
    .where(and(eq(consortiumMembers.consortiumId, consortiumId), eq(consortiumMembers.organisationId, organisationId)));
  return row;
}

/** Joins, or joins again after leaving, or accepts a newer charter: one row per organisation. */
export async function upsertMember(
  db: Executor,
  values: { consortiumId: string; organisationId: string; joinedBy: string; charterVersion: string },
): Promise<void> {
  await db
    .insert(consortiumMembers)
    .values(values)
    .onConflictDoUpdate({
      target: [consortiumMembers.consortiumId, consortiumMembers.organisationId],
      set: { joinedBy: values.joinedBy, charterVersion: values.charterVersion, leftAt: null },
    });
}

export async function markLeft(db: Executor, consortiumId: string, organisationId: string): Promise<void> {
  await db
    .update(consortiumMembers)
    .set({ leftAt: new Date() })
    .where(and(eq(consortiumMembers.consortiumId, consortiumId), eq(consortiumMembers.organisationId, organisationId)));
}

/** The people of organisations, to show members their contacts and to email them. */
export async function listPeopleOf(db: Executor, organisationIds: string[]) {
  if (organisationIds.length === 0) return [];
  return db
    .select({ id: users.id, name: users.name, email: users.email, organisationId: users.organisationId })
    .from(users)
    .where(inArray(users.organisationId, organisationIds))
    .orderBy(asc(users.createdAt));
}

export async function insertInvitation(
  db: Executor,
  values: Pick<InvitationRow, 'consortiumId' | 'organisationId' | 'needId' | 'offeringId' | 'invitedBy'>,
): Promise<InvitationRow> {
  const [row] = await db.insert(consortiumInvitations).values(values).returning();
  return row!;
}

/** The pending invitations of an organisation to a consortium (one per post it was invited for), locked. */
export async function lockPendingInvitations(db: Executor, consortiumId: string, organisationId: string) {
  return db
    .select()
    .from(consortiumInvitations)
    .where(
      and(
        eq(consortiumInvitations.consortiumId, consortiumId),
        eq(consortiumInvitations.organisationId, organisationId),
        eq(consortiumInvitations.status, 'pending'),
      ),
    )
    .orderBy(asc(consortiumInvitations.createdAt))
    .for('update');
}

/** Whether a post was invited to the consortium already (whatever the answer: nobody is asked twice). */
export async function isPostInvited(
  db: Executor,
  consortiumId: string,
  post: { needId?: string; offeringId?: string },
) {
  const [row] = await db
    .select({ id: consortiumInvitations.id })
    .from(consortiumInvitations)
    .where(
      and(
        eq(consortiumInvitations.consortiumId, consortiumId),
        post.needId
          ? eq(consortiumInvitations.needId, post.needId)
          : eq(consortiumInvitations.offeringId, post.offeringId!),
      ),
    );
  return row !== undefined;
}

/** The invitation of an organisation to a consortium to show it: its oldest pending one, else its first. */
export async function findLatestInvitation(db: Executor, consortiumId: string, organisationId: string) {
  const [row] = await db
    .select()
    .from(consortiumInvitations)
    .where(
      and(
        eq(consortiumInvitations.consortiumId, consortiumId),
        eq(consortiumInvitations.organisationId, organisationId),
      ),
    )
    // A pending one first: that is the one to answer.
    .orderBy(sql`${consortiumInvitations.status} = 'pending' desc`, asc(consortiumInvitations.createdAt))
    .limit(1);
  return row;
}

export async function answerInvitations(db: Executor, ids: string[], status: 'accepted' | 'declined'): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(consortiumInvitations)
    .set({ status, respondedAt: new Date() })
    .where(inArray(consortiumInvitations.id, ids));
}

/** An invitation with what it was made for; the invited organisation is the caller's to reveal or not. */
export async function getInvitation(db: Executor, id: string) {
  const [row] = await db
    .select({
      invitation: consortiumInvitations,
      consortium: consortia,
      needTitle: needs.title,
      offeringTitle: offerings.title,
      offeringOrganisationId: offerings.organisationId,
    })
    .from(consortiumInvitations)
    .innerJoin(consortia, eq(consortia.id, consortiumInvitations.consortiumId))
    .leftJoin(needs, eq(needs.id, consortiumInvitations.needId))
    .leftJoin(offerings, eq(offerings.id, consortiumInvitations.offeringId))
    .where(eq(consortiumInvitations.id, id));
  return row;
}

/** Every invitation of a consortium, newest first, with the titles of what each was made for. */
export async function listInvitationsOf(db: Executor, consortiumId: string) {
  return db
    .select({
      invitation: consortiumInvitations,
      needTitle: needs.title,
      offering: offerings,
      offeringOrg: organisations,
    })
    .from(consortiumInvitations)
    .leftJoin(needs, eq(needs.id, consortiumInvitations.needId))
    .leftJoin(offerings, eq(offerings.id, consortiumInvitations.offeringId))
    .leftJoin(organisations, eq(organisations.id, offerings.organisationId))
    .where(eq(consortiumInvitations.consortiumId, consortiumId))
    .orderBy(desc(consortiumInvitations.createdAt));
}

/** Pending invitations addressed to an organisation, to consortia not closed, newest first. */
export async function listInvitationsTo(db: Executor, organisationId: string) {
  return db
    .select({ invitation: consortiumInvitations, consortium: consortia })
    .from(consortiumInvitations)
    .innerJoin(consortia, eq(consortia.id, consortiumInvitations.consortiumId))
    .where(
      and(
        eq(consortiumInvitations.organisationId, organisationId),
        eq(consortiumInvitations.status, 'pending'),
        ne(consortia.status, 'closed'),
      ),
    )
    .orderBy(desc(consortiumInvitations.createdAt));
}

export async function markInvitationNotified(db: Executor, id: string): Promise<void> {
  await db.update(consortiumInvitations).set({ notifiedAt: new Date() }).where(eq(consortiumInvitations.id, id));
}

export async function appendLog(
  db: Executor,
  entry: {
    consortiumId: string;
    action: string;
    organisationId: string | null;
    userId: string | null;
    detail: Record<string, unknown>;
  },
): Promise<void> {
  // Names are kept as they were when the action happened, beside the ids.
  await db.execute(sql`
    insert into consortium_log (consortium_id, action, organisation_id, user_id, detail)
    values (${entry.consortiumId}, ${entry.action}, ${entry.organisationId}, ${entry.userId},
      ${JSON.stringify(entry.detail)}::jsonb || jsonb_strip_nulls(jsonb_build_object(
        'organisation', (select name from organisations where id = ${entry.organisationId}),
        'user', (select name from users where id = ${entry.userId}))))`);
}

export async function listLog(db: Executor, consortiumId: string, limit: number, afterSeq?: number) {
  const rows = await db
    .select()
    .from(consortiumLog)
    .where(
      and(
        eq(consortiumLog.consortiumId, consortiumId),
        afterSeq !== undefined ? gt(consortiumLog.seq, afterSeq) : undefined,
      ),
    )
    .orderBy(asc(consortiumLog.seq))
    .limit(limit + 1);
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}

export interface ConsortiumFilters {
  status?: ConsortiumStatus;
  capability?: string;
  /** Only those this organisation is a member of or has a pending invitation to. */
  mineOf?: string;
  /** Only those on capabilities or areas in these lists (what a person follows). */
  followed?: { capabilities: string[]; areas: string[] };
  limit: number;
  cursor?: { createdAt: Date; id: string };
}

/** Consortia, newest first. */
export async function listConsortia(db: Executor, f: ConsortiumFilters) {
  const conditions: (SQL | undefined)[] = [
    f.status ? eq(consortia.status, f.status) : undefined,
    f.capability ? sql`${consortia.capabilities} @> array[${f.capability}]::text[]` : undefined,
    f.mineOf
      ? sql`(exists (select 1 from consortium_members m where m.consortium_id = ${consortia.id}
               and m.organisation_id = ${f.mineOf} and m.left_at is null)
          or exists (select 1 from consortium_invitations i where i.consortium_id = ${consortia.id}
               and i.organisation_id = ${f.mineOf} and i.status = 'pending'))`
      : undefined,
    f.followed
      ? sql`(${consortia.capabilities} && ${f.followed.capabilities}::text[] or ${consortia.areas} && ${f.followed.areas}::text[])`
      : undefined,
    f.cursor
      ? or(
          lt(consortia.createdAt, f.cursor.createdAt),
          and(eq(consortia.createdAt, f.cursor.createdAt), lt(consortia.id, f.cursor.id)),
        )
      : undefined,
  ];
  const rows = await db
    .select()
    .from(consortia)
    .where(and(...conditions))
    .orderBy(desc(consortia.createdAt), desc(consortia.id))
    .limit(f.limit + 1);
  return { rows: rows.slice(0, f.limit), more: rows.length > f.limit };
}

/** Members per organisation kind of several consortia. */
export async function countMembersByKind(db: Executor, ids: string[]) {
  if (ids.length === 0) return new Map<string, Partial<Record<OrgKind, number>>>();
  const rows = await db
    .select({ consortiumId: consortiumMembers.consortiumId, kind: organisations.kind, n: sql<number>`count(*)::int` })
    .from(consortiumMembers)
    .innerJoin(organisations, eq(organisations.id, consortiumMembers.organisationId))
    .where(and(inArray(consortiumMembers.consortiumId, ids), isNull(consortiumMembers.leftAt)))
    .groupBy(consortiumMembers.consortiumId, organisations.kind);
  const out = new Map<string, Partial<Record<OrgKind, number>>>();
  for (const r of rows) out.set(r.consortiumId, { ...out.get(r.consortiumId), [r.kind]: r.n });
  return out;
}

/**
 * Who to invite: the consortium's own needs and the live needs common to them (by pair similarity), and
 * live offerings matched to them, each with the best score over the consortium's needs and the reason for
 * it. Only the viewer's own organisation's posts are left out: leaving out those of every member would tell
 * members which anonymous needs belong to a member.
 */
export async function listConsortiumSuggestions(
  db: Executor,
  consortiumId: string,
  viewerOrganisationId: string,
  limit: number,
) {
  const needRows = await db.execute<{ id: string; similarity: number; explanation: unknown; own: boolean }>(sql`
    with mine as (select need_id from consortium_needs where consortium_id = ${consortiumId}),
    scored as (
      select need_id as id, 1.0::real as similarity, null::jsonb as explanation, true as own from mine
      union all
      select case when c.need_a = mine.need_id then c.need_b else c.need_a end, c.similarity, c.explanation, false
      from common_needs c join mine on mine.need_id in (c.need_a, c.need_b))
    select distinct on (s.id) s.id, s.similarity, s.explanation, s.own
    from scored s join needs n on n.id = s.id
    where ${liveSql('n')}
      and n.organisation_id <> ${viewerOrganisationId}
    order by s.id, s.own desc, s.similarity desc`);
  const offeringRows = await db.execute<{ id: string; score: number; explanation: unknown }>(sql`
    select distinct on (o.id) o.id, m.score, m.explanation
    from consortium_needs cn join matches m on m.need_id = cn.need_id join offerings o on o.id = m.offering_id
    where cn.consortium_id = ${consortiumId}
      and ${liveSql('o')}
      and o.organisation_id <> ${viewerOrganisationId}
    order by o.id, m.score desc`);
  const byScore = <T extends { id: string }>(xs: T[], score: (x: T) => number) =>
    xs.sort((a, b) => score(b) - score(a) || (a.id < b.id ? -1 : 1)).slice(0, limit);
  return {
    needs: byScore(
      [...needRows].map((r) => ({ ...r, similarity: Number(r.similarity) })),
      (r) => (r.own ? 2 : r.similarity),
    ),
    offerings: byScore(
      [...offeringRows].map((r) => ({ ...r, score: Number(r.score) })),
      (r) => r.score,
    ),
  };
}

/** The needs and offerings invited to the consortium already, whatever the answer. */
export async function listInvitedPosts(db: Executor, consortiumId: string): Promise<Set<string>> {
  const rows = await db
    .select({ needId: consortiumInvitations.needId, offeringId: consortiumInvitations.offeringId })
    .from(consortiumInvitations)
    .where(eq(consortiumInvitations.consortiumId, consortiumId));
  return new Set(rows.flatMap((r) => [r.needId, r.offeringId]).filter((x): x is string => x !== null));
}
/** The people already emailed under `key` (see `sent_emails`). */
export async function listSentEmailsFor(db: Executor, key: string): Promise<Set<string>> {
  const rows = await db.select({ userId: sentEmails.userId }).from(sentEmails).where(eq(sentEmails.key, key));
  return new Set(rows.map((r) => r.userId));
}

/** Records an email as sent (or refused for good), committed as it goes. */
export async function recordSentEmail(
  db: Executor,
  row: { key: string; userId: string; messageId: string; error: string | null },
): Promise<void> {
  await db.insert(sentEmails).values(row).onConflictDoNothing();
}

export async function markActivationNotified(db: Executor, id: string): Promise<void> {
  await db.update(consortia).set({ activationNotifiedAt: new Date() }).where(eq(consortia.id, id));
}

/** Consortium emails still owed: invitations pending and never sent, activations never announced. */
export async function listOwedConsortiumEmails(db: Executor) {
  const invitations = await db
    .select({ id: consortiumInvitations.id })
    .from(consortiumInvitations)
    .where(
      and(
        eq(consortiumInvitations.status, 'pending'),
        isNull(consortiumInvitations.notifiedAt),
        lt(consortiumInvitations.createdAt, sql`now() - interval '1 minute'`),
      ),
    )
    .limit(1000);
  const active = await db
    .select({ id: consortia.id })
    .from(consortia)
    .where(and(eq(consortia.status, 'active'), isNull(consortia.activationNotifiedAt)))
    .limit(1000);
  return { invitations: invitations.map((r) => r.id), active: active.map((r) => r.id) };
}
