import { and, eq, gt, isNull, lt, ne, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { organisations, sessions, signinLinks, signupRequests, users } from '../schema.js';

/**
 * Issues a one-time sign-in link for a user, valid for `minutes`, under `id` (the request's, so that a
 * retried job issues the same link), and cancels every other unused link of that user: only the newest
 * works. Issuing is serialised per user (run it in a transaction). Answers the link, or undefined when it
 * was already used or cancelled.
 */
export async function issueSigninLink(db: Executor, id: string, userId: string, minutes: number) {
  await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`signin:${userId}`}, 0))`);
  const issued = await db
    .insert(signinLinks)
    .values({ id, userId, expiresAt: new Date(Date.now() + minutes * 60_000) })
    .onConflictDoNothing()
    .returning({ id: signinLinks.id });
  if (issued.length > 0) {
    await db
      .update(signinLinks)
      .set({ cancelledAt: sql`now()` })
      .where(
        and(
          eq(signinLinks.userId, userId),
          ne(signinLinks.id, id),
          isNull(signinLinks.usedAt),
          isNull(signinLinks.cancelledAt),
        ),
      );
  }
  const [link] = await db.select().from(signinLinks).where(eq(signinLinks.id, id));
  if (!link || link.userId !== userId || link.usedAt || link.cancelledAt) return undefined;
  return link;
}

export async function getSigninLink(db: Executor, id: string) {
  const [row] = await db.select().from(signinLinks).where(eq(signinLinks.id, id));
  return row;
}

/** Why a link (sign-in or signup) no longer works, or `usable`. */
export type LinkState = 'usable' | 'used' | 'cancelled' | 'expired' | 'unknown';

export function linkState(
  row: { usedAt: Date | null; cancelledAt: Date | null; expiresAt: Date } | undefined,
  now = new Date(),
): LinkState {
  if (!row) return 'unknown';
  if (row.usedAt) return 'used';
  if (row.cancelledAt) return 'cancelled';
  if (row.expiresAt <= now) return 'expired';
  return 'usable';
}

/**
 * Uses a sign-in link: answers its user once, while it is unused, not cancelled and unexpired; undefined
 * after that. Using one cancels the person's other links and marks their address verified.
 */
export async function consumeSigninLink(db: Executor, id: string, userId: string): Promise<string | undefined> {
  const [row] = await db
    .update(signinLinks)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(signinLinks.id, id),
        eq(signinLinks.userId, userId),
        isNull(signinLinks.usedAt),
        isNull(signinLinks.cancelledAt),
        gt(signinLinks.expiresAt, sql`now()`),
      ),
    )
    .returning({ userId: signinLinks.userId });
  if (!row) return undefined;
  await db
    .update(signinLinks)
    .set({ cancelledAt: sql`now()` })
    .where(and(eq(signinLinks.userId, userId), isNull(signinLinks.usedAt), isNull(signinLinks.cancelledAt)));
  await db
    .update(users)
    .set({ verifiedAt: sql`now()` })
    .where(and(eq(users.id, userId), isNull(users.verifiedAt)));
  return row.userId;
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

/** Drops expired sessions, sign-in links and signup requests (run by the worker's sweep). */
export async function pruneSessions(db: Executor) {
  await db.delete(sessions).where(lt(sessions.expiresAt, sql`now()`));
  await db.delete(signinLinks).where(lt(signinLinks.expiresAt, sql`now() - interval '1 day'`));
  await db.delete(signupRequests).where(lt(signupRequests.expiresAt, sql`now() - interval '1 day'`));
}
