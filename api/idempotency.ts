import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { Database, Executor } from '../db/client.js';
import { claimIdempotencyKey, storeIdempotentResponse } from '../db/queries/idempotency.js';
import { badRequest, HttpProblem } from './problem.js';

export interface Created<T> {
  status: number;
  body: T;
  /** True when this answer is the stored one of an earlier request with the same key. */
  replayed: boolean;
}

/**
 * Runs `work` in a transaction. With an `Idempotency-Key` header, the first answer is stored in the same
 * transaction and a retry with the same key and body gets it back without doing the work again.
 */
export async function idempotent<T>(
  req: Request,
  db: Database,
  scope: string,
  work: (tx: Executor) => Promise<{ status: number; body: T }>,
): Promise<Created<T>> {
  const key = req.get('idempotency-key');
  if (key === undefined) return db.transaction(async (tx) => ({ ...(await work(tx)), replayed: false }));
  if (!/^[\x21-\x7e]{1,200}$/.test(key)) {
    throw badRequest('Idempotency-Key must be 1 to 200 visible ASCII characters, such as a UUID.', [
      { field: 'Idempotency-Key', message: 'must be 1 to 200 visible ASCII characters' },
    ]);
  }
  const requestHash = createHash('sha256')
    .update(`${req.method} ${req.baseUrl}${req.path}\n${JSON.stringify(req.body ?? null)}`)
    .digest('hex');
  return db.transaction(async (tx) => {
    const claim = await claimIdempotencyKey(tx, scope, key, requestHash);
    if (!claim.claimed) {
      const { existing } = claim;
      if (existing.requestHash !== requestHash) {
        throw new HttpProblem(
          422,
          'idempotency_key_reused',
          'Idempotency-Key already used',
          'This Idempotency-Key was used with a different request; use a new key for a new request.',
        );
      }
      return { status: existing.responseStatus!, body: existing.responseBody as T, replayed: true };
    }
    const result = await work(tx);
    await storeIdempotentResponse(tx, claim.id, result.status, result.body);
    return { ...result, replayed: false };
  });
}
