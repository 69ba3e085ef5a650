import { and, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { signupRequests } from '../schema.js';
import type { OrgKind } from './accounts.js';

/** What a signup asks for, as validated by the API's schema. */
export interface SignupRequestBody {
  organisation: { name: string; kind: OrgKind; country: string };
  user: { name: string; email: string; timezone: string };
}

/**
 * Records a signup waiting for its address to be confirmed, under the request's id (a retried job records it
 * once), and cancels the other pending signups of the same address: only the newest emailed link works.
 * Issuing is serialised per address (run it in a transaction). Answers the request, or undefined when it
 * was already used or cancelled.
 */
export async function issueSignupRequest(db: Executor, id: string, body: SignupRequestBody, hours: number) {
  const email = body.user.email.toLowerCase();
  await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`signup:${email}`}, 0))`);
  const issued = await db
    .insert(signupRequests)
    .values({ id, email: body.user.email, request: body, expiresAt: new Date(Date.now() + hours * 3_600_000) })
    .onConflictDoNothing()
    .returning({ id: signupRequests.id });
  if (issued.length > 0) {
    await db
      .update(signupRequests)
      .set({ cancelledAt: sql`now()` })
      .where(
        and(
          sql`lower(${signupRequests.email}) = ${email}`,
          ne(signupRequests.id, id),
          isNull(signupRequests.usedAt),
          isNull(signupRequests.cancelledAt),
        ),
      );
  }
  const [row] = await db.select().from(signupRequests).where(eq(signupRequests.id, id));
  if (!row || row.usedAt || row.cancelledAt) return undefined;
  return row;
}

export async function getSignupRequest(db: Executor, id: string) {
  const [row] = await db.select().from(signupRequests).where(eq(signupRequests.id, id));
  return row;
}

/** The request, locked until the transaction ends, so that two clicks on one link make one organisation. */
export async function lockSignupRequest(db: Executor, id: string) {
  const [row] = await db.select().from(signupRequests).where(eq(signupRequests.id, id)).for('update');
  return row;
}

/** Marks a request used and cancels every other pending request of its address. */
export async function closeSignupRequests(db: Executor, id: string, email: string, outcome: 'used' | 'cancelled') {
  await db
    .update(signupRequests)
    .set(outcome === 'used' ? { usedAt: sql`now()` } : { cancelledAt: sql`now()` })
    .where(eq(signupRequests.id, id));
  await db
    .update(signupRequests)
    .set({ cancelledAt: sql`now()` })
    .where(
      and(
        sql`lower(${signupRequests.email}) = lower(${email})`,
        ne(signupRequests.id, id),
        isNull(signupRequests.usedAt),
        isNull(signupRequests.cancelledAt),
        gt(signupRequests.expiresAt, sql`now()`),
      ),
    );
}
