import { and, asc, desc, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { isLiveWhere } from '../policy.js';
import { needs, offerings, organisationInvitations, organisations, users } from '../schema.js';

// Organisations: their profile, members and the invitations to join them.

export type OrganisationInvitationRow = typeof organisationInvitations.$inferSelect;

/** The profile's editable fields (the kind is fixed at signup: it decides what the organisation may post). */
export interface OrganisationChange {
  name?: string;
  country?: string;
  website?: string | null;
  description?: string | null;
}

export async function updateOrganisation(db: Executor, id: string, change: OrganisationChange) {
  const [row] = await db
    .update(organisations)
    .set({ ...change, updatedAt: sql`now()` })
    .where(eq(organisations.id, id))
    .returning();
  return row;
}

/** An organisation's members, by name. */
export async function listMembers(db: Executor, organisationId: string) {
  return db
    .select({ id: users.id, name: users.name, email: users.email, createdAt: users.createdAt })
    .from(users)
    .where(eq(users.organisationId, organisationId))
    .orderBy(asc(users.name), asc(users.id));
}

/** The member of an organisation with this address (any case), if there is one: never a person of another. */
export async function findMemberByEmail(db: Executor, organisationId: string, email: string) {
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.organisationId, organisationId), sql`lower(${users.email}) = lower(${email})`));
  return row;
}

/**
 * An organisation's live needs and offerings, newest first, for its profile; the needs with whether they are
 * anonymous, for the caller to leave out those the reader may not tie to it (core/policy.ts).
 */
export async function listProfilePosts(db: Executor, organisationId: string) {
  const [needRows, offeringRows] = await Promise.all([
    db
      .select({ id: needs.id, title: needs.title, anonymous: needs.anonymous, organisationId: needs.organisationId })
      .from(needs)
      .where(and(eq(needs.organisationId, organisationId), isLiveWhere(needs)))
      .orderBy(desc(needs.createdAt)),
    db
      .select({ id: offerings.id, title: offerings.title })
      .from(offerings)
      .where(and(eq(offerings.organisationId, organisationId), isLiveWhere(offerings)))
      .orderBy(desc(offerings.createdAt)),
  ]);
  return { needs: needRows, offerings: offeringRows };
}

// ---- invitations ----

const pending = and(isNull(organisationInvitations.usedAt), isNull(organisationInvitations.cancelledAt));

/**
 * Invites an address to an organisation: the pending invitation of that address is sent again (a later
 * expiry, the next `sendCount`) rather than doubled, else a new one is made. Serialised per organisation and
 * address (run it in a transaction). Answers the invitation and whether it was sent before.
 */
export async function upsertInvitation(
  db: Executor,
  input: { organisationId: string; email: string; invitedBy: string; days: number },
): Promise<{ invitation: OrganisationInvitationRow; resent: boolean }> {
  const email = input.email.trim();
  const key = `organisation-invitation:${input.organisationId}:${email.toLowerCase()}`;
  await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
  const expiresAt = new Date(Date.now() + input.days * 86_400_000);
  const [resent] = await db
    .update(organisationInvitations)
    .set({
      expiresAt,
      invitedBy: input.invitedBy,
      sendCount: sql`${organisationInvitations.sendCount} + 1`,
      lastSentAt: sql`now()`,
    })
    .where(
      and(
        eq(organisationInvitations.organisationId, input.organisationId),
        sql`lower(${organisationInvitations.email}) = lower(${email})`,
        pending,
      ),
    )
    .returning();
  if (resent) return { invitation: resent, resent: true };
  const [made] = await db
    .insert(organisationInvitations)
    .values({ organisationId: input.organisationId, email, invitedBy: input.invitedBy, expiresAt })
    .returning();
  return { invitation: made!, resent: false };
}

export async function getInvitation(db: Executor, id: string) {
  const [row] = await db.select().from(organisationInvitations).where(eq(organisationInvitations.id, id));
  return row;
}

/** The invitation, locked until the transaction ends, so that two clicks on one link make one person. */
export async function lockInvitation(db: Executor, id: string) {
  const [row] = await db.select().from(organisationInvitations).where(eq(organisationInvitations.id, id)).for('update');
  return row;
}

/** An invitation with who sent it and the organisation it is to, for its email and its page. */
export async function getInvitationDetail(db: Executor, id: string) {
  const [row] = await db
    .select({
      invitation: organisationInvitations,
      organisation: {
        id: organisations.id,
        name: organisations.name,
        kind: organisations.kind,
        country: organisations.country,
      },
      inviterName: users.name,
      inviterTimezone: users.timezone,
    })
    .from(organisationInvitations)
    .innerJoin(organisations, eq(organisations.id, organisationInvitations.organisationId))
    .leftJoin(users, eq(users.id, organisationInvitations.invitedBy))
    .where(eq(organisationInvitations.id, id));
  return row;
}

/** The invitations of an organisation not yet used or cancelled (expired ones too), newest first. */
export async function listPendingInvitations(db: Executor, organisationId: string) {
  return db
    .select({ invitation: organisationInvitations, inviterName: users.name })
    .from(organisationInvitations)
    .leftJoin(users, eq(users.id, organisationInvitations.invitedBy))
    .where(and(eq(organisationInvitations.organisationId, organisationId), pending))
    .orderBy(desc(organisationInvitations.lastSentAt), desc(organisationInvitations.id));
}

/** Cancels one of an organisation's pending invitations; false when there is no such pending invitation. */
export async function cancelInvitation(db: Executor, organisationId: string, id: string): Promise<boolean> {
  const cancelled = await db
    .update(organisationInvitations)
    .set({ cancelledAt: sql`now()` })
    .where(and(eq(organisationInvitations.id, id), eq(organisationInvitations.organisationId, organisationId), pending))
    .returning({ id: organisationInvitations.id });
  return cancelled.length > 0;
}

/**
 * Marks an invitation used by the person who joined. Other organisations' pending invitations of the address
 * stay as they are: cancelling them would tell their inviters that it has an account now. Their sends email
 * nothing, and their links say that the address has an account.
 */
export async function markInvitationUsed(db: Executor, id: string, userId: string) {
  await db
    .update(organisationInvitations)
    .set({ usedAt: sql`now()`, userId })
    .where(eq(organisationInvitations.id, id));
}

/**
 * Records that the worker finished send `sendCount` of an invitation (emailed it, or found it owed no email):
 * the introductions tick no longer asks for it (`listOwedInvitationEmails`).
 */
export async function markInvitationEmailed(db: Executor, id: string, sendCount: number) {
  await db
    .update(organisationInvitations)
    .set({ emailedSendCount: sql`greatest(${organisationInvitations.emailedSendCount}, ${sendCount})` })
    .where(eq(organisationInvitations.id, id));
}

/**
 * The pending, unexpired invitations whose latest send the worker never finished (its job lost with Redis,
 * or given up while the mail server was away), with that send, oldest first.
 */
export async function listOwedInvitationEmails(db: Executor, limit = 1000) {
  return db
    .select({ invitationId: organisationInvitations.id, sendCount: organisationInvitations.sendCount })
    .from(organisationInvitations)
    .where(
      and(
        pending,
        gt(organisationInvitations.expiresAt, sql`now()`),
        lt(organisationInvitations.emailedSendCount, organisationInvitations.sendCount),
      ),
    )
    .orderBy(asc(organisationInvitations.lastSentAt))
    .limit(limit);
}

/** Makes the person who followed an invitation: a verified member of the inviting organisation. */
export async function insertInvitedMember(
  db: Executor,
  input: { organisationId: string; name: string; email: string; timezone: string },
) {
  const [user] = await db
    .insert(users)
    .values({ ...input, verifiedAt: sql`now()` })
    .returning();
  return user!;
}
