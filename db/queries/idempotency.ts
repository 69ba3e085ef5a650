import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { idempotencyKeys } from '../schema.js';

/**
 * Claims a key inside the caller's transaction. A concurrent claim of the same key waits on the unique
 * index until the first transaction ends, then sees its stored answer: retries never run the work twice.
 */
export async function claimIdempotencyKey(db: Executor, scope: string, key: string, requestHash: string) {
  const [claimed] = await db
    .insert(idempotencyKeys)
    .values({ scope, key, requestHash })
    .onConflictDoNothing()
    .returning({ id: idempotencyKeys.id });
  if (claimed) return { claimed: true as const, id: claimed.id };
  const [existing] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
  return { claimed: false as const, existing: existing! };
}

export async function storeIdempotentResponse(db: Executor, id: string, status: number, body: unknown) {
  await db
    .update(idempotencyKeys)
    .set({ responseStatus: status, responseBody: body })
    .where(eq(idempotencyKeys.id, id));
}

/** Stored answers are kept a day (the sweep prunes them): long enough for any client's retries. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

/** Forgets stored answers older than `hours`: a retry that late is a new request. */
export async function pruneIdempotencyKeys(db: Executor, hours: number): Promise<void> {
  await db.delete(idempotencyKeys).where(sql`${idempotencyKeys.createdAt} < now() - make_interval(hours => ${hours})`);
}
