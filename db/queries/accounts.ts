import { and, eq, isNotNull, isNull, sql, type Placeholder } from 'drizzle-orm';
import { builtOnce, isTransaction, type Database, type Executor } from '../client.js';
import { apiTokens, organisations, users } from '../schema.js';

export type OrgKind = (typeof organisations.$inferSelect)['kind'];

export async function createOrganisationWithUser(
  db: Executor,
  input: {
    organisation: { name: string; kind: OrgKind; country: string };
    user: { name: string; email: string; timezone: string };
    /**
     * The first API token's hash, for an operator's onboarding; none for a signup confirmed from its emailed
     * link, whose person signs in with a session and makes tokens on the settings page.
     */
    tokenHash?: string;
  },
) {
  const [organisation] = await db.insert(organisations).values(input.organisation).returning();
  // Made only once the address is known to be its owner's: from the emailed link, or by an operator.
  const [user] = await db
    .insert(users)
    .values({ ...input.user, organisationId: organisation!.id, verifiedAt: sql`now()` })
    .returning();
  const [token] = input.tokenHash
    ? await db
        .insert(apiTokens)
        .values({ userId: user!.id, name: 'Onboarding token', tokenHash: input.tokenHash })
        .returning()
    : [];
  return { organisation: organisation!, user: user!, token: token! };
}

export async function findUserByEmail(db: Executor, email: string) {
  const [user] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = lower(${email})`);
  return user;
}

export async function getOrganisation(db: Executor, id: string) {
  const [organisation] = await db.select().from(organisations).where(eq(organisations.id, id));
  return organisation;
}

const viewerColumns = {
  credentialId: apiTokens.id,
  lastUsedAt: apiTokens.lastUsedAt,
  userId: users.id,
  name: users.name,
  email: users.email,
  organisationId: organisations.id,
  organisationKind: organisations.kind,
};

const viewerQuery = (db: Executor, tokenHash: string | Placeholder) =>
  db
    .select(viewerColumns)
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .innerJoin(organisations, eq(organisations.id, users.organisationId))
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt), isNotNull(users.verifiedAt)));

/** Every authenticated request looks its token up: the query is built once. */
const preparedViewerQuery = builtOnce((db) => viewerQuery(db, sql.placeholder('tokenHash')).prepare('find_viewer'));

/**
 * The viewer behind a live token of a verified person, with the token's last use refreshed at most once a
 * minute.
 */
export async function findViewerByTokenHash(db: Executor, tokenHash: string) {
  const [row] = isTransaction(db)
    ? await viewerQuery(db, tokenHash)
    : await preparedViewerQuery(db as Database).execute({ tokenHash });
  if (!row) return undefined;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await db.update(apiTokens).set({ lastUsedAt: new Date() }).where(eq(apiTokens.id, row.credentialId));
  }
  const { lastUsedAt: _lastUsedAt, ...viewer } = row;
  return viewer;
}

export async function createToken(db: Executor, userId: string, name: string, tokenHash: string) {
  const [token] = await db.insert(apiTokens).values({ userId, name, tokenHash }).returning();
  return token!;
}

export async function listTokens(db: Executor, userId: string) {
  return db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .orderBy(apiTokens.createdAt);
}

/** Revokes one of the user's own tokens; false when there is no such live token. */
export async function revokeToken(db: Executor, userId: string, tokenId: string): Promise<boolean> {
  const revoked = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return revoked.length > 0;
}

export async function getUser(db: Executor, id: string) {
  const [user] = await db.select().from(users).where(eq(users.id, id));
  return user;
}
