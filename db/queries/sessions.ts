import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { organisations, sessions, signinLinks, users } from '../schema.js';

/** A one-time sign-in link for a user, valid for `minutes`. */
export async function createSigninLink(db: Executor, userId: string, minutes: number) {
  const [row] = await db
    .insert(signinLinks)
    .values({ userId, expiresAt: new Date(Date.now() + minutes * 60_000) })
    .returning();
  return row!;
}

export async function findSigninLink(db: Executor, id: string) {
  const [row] = await db.select().from(signinLinks).where(eq(signinLinks.id, id));
  return row;
}

/** Uses a sign-in link: answers its user once, while it is unused and unexpired; undefined after that. */
export async function consumeSigninLink(db: Executor, id: string, userId: string): Promise<string | undefined> {
  const [row] = await db
    .update(signinLinks)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(signinLinks.id, id),
        eq(signinLinks.userId, userId),
        isNull(signinLinks.usedAt),
        gt(signinLinks.expiresAt, sql`now()`),
      ),
    )
    .returning({ userId: signinLinks.userId });
  return row?.userId;
}

export async function createSession(db: Executor, userId: string, tokenHash: string, days: number) {
  await db.insert(sessions).values({ userId, tokenHash, expiresAt: new Date(Date.now() + days * 86_400_000) });
}

/** The signed-in person behind a live session token's hash, in the shape API handlers use. */
export async function findSessionViewer(db: Executor, tokenHash: string) {
  const [row] = await db
    .select({
      sessionId: sessions.id,
      userId: users.id,
      name: users.name,
      email: users.email,
      organisationId: organisations.id,
      organisationKind: organisations.kind,
      organisationName: organisations.name,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(organisations, eq(organisations.id, users.organisationId))
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, sql`now()`)));
  return row;
}

export async function deleteSession(db: Executor, tokenHash: string) {
  await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}

/** Drops expired sessions and sign-in links (run by the worker's sweep). */
export async function pruneSessions(db: Executor) {
  await db.delete(sessions).where(lt(sessions.expiresAt, sql`now()`));
  await db.delete(signinLinks).where(lt(signinLinks.expiresAt, sql`now() - interval '1 day'`));
}
