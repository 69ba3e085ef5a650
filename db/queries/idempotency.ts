import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { idempotencyKeys } from '../schema.js';

/** How long the first request with a key holds it; after that a retry may take over (its process died). */
export const IDEMPOTENCY_LOCK_SECONDS = 120;

export type IdempotencyClaim =
  | { claimed: true; id: string }
  | {
      claimed: false;
      existing: {
        requestHash: string;
        responseStatus: number | null;
        responseBody: unknown;
        responseLocation: string | null;
      };
    };

/**
 * Claims a key for the caller's scope in one statement, committed at once, so that a second request with
 * the same key sees the claim at once (and answers 409) instead of waiting for the first to finish. A claim
 * whose request never stored its answer and whose lock has run out is taken over.
 */
export async function claimIdempotencyKey(
  db: Executor,
  scope: string,
  key: string,
  requestHash: string,
): Promise<IdempotencyClaim> {
  const lockedUntil = sql`now() + make_interval(secs => ${IDEMPOTENCY_LOCK_SECONDS})`;
  const [claimed] = await db
    .insert(idempotencyKeys)
    .values({ scope, key, requestHash, lockedUntil })
    .onConflictDoUpdate({
      target: [idempotencyKeys.scope, idempotencyKeys.key],
      set: { requestHash, lockedUntil, createdAt: sql`now()` },
      setWhere: sql`${idempotencyKeys.responseStatus} is null and coalesce(${idempotencyKeys.lockedUntil}, '-infinity') < now()`,
    })
    .returning({ id: idempotencyKeys.id });
  if (claimed) return { claimed: true, id: claimed.id };
  const [existing] = await db
    .select({
      requestHash: idempotencyKeys.requestHash,
      responseStatus: idempotencyKeys.responseStatus,
      responseBody: idempotencyKeys.responseBody,
      responseLocation: idempotencyKeys.responseLocation,
    })
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
  // Gone between the two statements (pruned or released): as good as held a moment ago.
  return {
    claimed: false,
    existing: existing ?? { requestHash, responseStatus: null, responseBody: null, responseLocation: null },
  };
}

/** Stores the answer of a claimed key, and its `Location` when given. */
export async function storeIdempotentResponse(
  db: Executor,
  id: string,
  status: number,
  body: unknown,
  location?: string,
) {
  await db
    .update(idempotencyKeys)
    .set({
      responseStatus: status,
      responseBody: body ?? null,
      lockedUntil: null,
      ...(location !== undefined ? { responseLocation: location } : {}),
    })
    .where(eq(idempotencyKeys.id, id));
}

export async function storeIdempotentLocation(db: Executor, id: string, location: string) {
  await db.update(idempotencyKeys).set({ responseLocation: location }).where(eq(idempotencyKeys.id, id));
}

/** Lets a key go when its request failed before storing an answer: the client may retry with it. */
export async function releaseIdempotencyKey(db: Executor, id: string) {
  await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.id, id), isNull(idempotencyKeys.responseStatus)));
}

/** Stored answers are kept a day (the sweep prunes them): long enough for any client's retries. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

/** Forgets stored answers older than `hours`: a retry that late is a new request. */
export async function pruneIdempotencyKeys(db: Executor, hours: number): Promise<void> {
  await db.delete(idempotencyKeys).where(sql`${idempotencyKeys.createdAt} < now() - make_interval(hours => ${hours})`);
}
