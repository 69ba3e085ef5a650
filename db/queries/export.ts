import { and, asc, eq, inArray, or } from 'drizzle-orm';
import type { Executor } from '../client.js';
import {
  apiTokens,
  digestItems,
  digests,
  introductions,
  matches,
  needs,
  offerings,
  organisationInvitations,
  organisations,
  users,
} from '../schema.js';

/** Columns kept for the service's own work (the text analysis, search vectors, hashes), not the user's data. */
function withoutInternals<T extends Record<string, unknown>>(row: T, internal: readonly string[]): Partial<T> {
  return Object.fromEntries(Object.entries(row).filter(([key]) => !internal.includes(key))) as Partial<T>;
}
const POST_INTERNALS = [
  'analysis',
  'analysisLength',
  'search',
  'terms',
  'indexedTerms',
  'indexedVersion',
  'indexedXact',
];

/**
 * Everything the service holds about a person and their organisation's posts: the person, the organisation,
 * its needs and offerings, their matches, the introductions it is a side of, the person's digests with their
 * items, the person's API tokens (names and dates; the tokens themselves are never stored), and the
 * invitations to join an organisation that they joined by or sent (addresses and dates; their links are
 * signed when emailed, never stored).
 */
export async function listExportOf(db: Executor, userId: string, organisationId: string) {
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  const [organisation] = await db.select().from(organisations).where(eq(organisations.id, organisationId));
  const ownNeeds = await db
    .select()
    .from(needs)
    .where(eq(needs.organisationId, organisationId))
    .orderBy(asc(needs.createdAt));
  const ownOfferings = await db
    .select()
    .from(offerings)
    .where(eq(offerings.organisationId, organisationId))
    .orderBy(asc(offerings.createdAt));
  const needIds = ownNeeds.map((n) => n.id);
  const offeringIds = ownOfferings.map((o) => o.id);
  const postMatches =
    needIds.length + offeringIds.length === 0
      ? []
      : await db
          .select()
          .from(matches)
          .where(
            or(
              needIds.length > 0 ? inArray(matches.needId, needIds) : undefined,
              offeringIds.length > 0 ? inArray(matches.offeringId, offeringIds) : undefined,
            ),
          )
          .orderBy(asc(matches.createdAt));
  const ownIntroductions = await db
    .select()
    .from(introductions)
    .where(
      or(
        eq(introductions.requesterOrganisationId, organisationId),
        eq(introductions.recipientOrganisationId, organisationId),
      ),
    )
    .orderBy(asc(introductions.createdAt));
  const ownDigests = await db.select().from(digests).where(eq(digests.userId, userId)).orderBy(asc(digests.createdAt));
  const items =
    ownDigests.length === 0
      ? []
      : await db
          .select()
          .from(digestItems)
          .where(
            and(
              eq(digestItems.userId, userId),
              inArray(
                digestItems.digestId,
                ownDigests.map((d) => d.id),
              ),
            ),
          );
  const tokens = await db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      createdAt: apiTokens.createdAt,
      lastUsedAt: apiTokens.lastUsedAt,
      revokedAt: apiTokens.revokedAt,
    })
    .from(apiTokens)
    .where(eq(apiTokens.userId, userId));
  const invitations = await db
    .select({
      id: organisationInvitations.id,
      organisationId: organisationInvitations.organisationId,
      email: organisationInvitations.email,
      invitedBy: organisationInvitations.invitedBy,
      userId: organisationInvitations.userId,
      sendCount: organisationInvitations.sendCount,
      lastSentAt: organisationInvitations.lastSentAt,
      expiresAt: organisationInvitations.expiresAt,
      usedAt: organisationInvitations.usedAt,
      cancelledAt: organisationInvitations.cancelledAt,
      createdAt: organisationInvitations.createdAt,
    })
    .from(organisationInvitations)
    .where(or(eq(organisationInvitations.userId, userId), eq(organisationInvitations.invitedBy, userId)))
    .orderBy(asc(organisationInvitations.createdAt), asc(organisationInvitations.id));
  return {
    user: user!,
    organisation: organisation!,
    needs: ownNeeds.map((n) => withoutInternals(n, POST_INTERNALS)),
    offerings: ownOfferings.map((o) => withoutInternals(o, POST_INTERNALS)),
    matches: postMatches,
    introductions: ownIntroductions,
    digests: ownDigests.map((d) => ({ ...d, items: items.filter((i) => i.digestId === d.id) })),
    apiTokens: tokens,
    organisationInvitations: invitations,
  };
}
