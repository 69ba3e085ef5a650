import { and, eq } from 'drizzle-orm';
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
