import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
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
  /** Top-level fields of the answer that are secrets (a new token): stored encrypted with this key. */
  sealed?: { fields: string[]; secret: string },
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
      const body = sealed ? unseal(existing.responseBody, sealed) : existing.responseBody;
      return { status: existing.responseStatus!, body: body as T, replayed: true };
    }
    const result = await work(tx);
    await storeIdempotentResponse(tx, claim.id, result.status, sealed ? seal(result.body, sealed) : result.body);
    return { ...result, replayed: false };
  });
}

const keyOf = (secret: string) => createHash('sha256').update(`${secret}:idempotency`).digest();

function seal(body: unknown, { fields, secret }: { fields: string[]; secret: string }): unknown {
  const out = { ...(body as Record<string, unknown>) };
  for (const field of fields) {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keyOf(secret), iv);
    const data = Buffer.concat([cipher.update(String(out[field]), 'utf8'), cipher.final()]);
    out[field] = { sealed: Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64') };
  }
  return out;
}

function unseal(body: unknown, { fields, secret }: { fields: string[]; secret: string }): unknown {
  const out = { ...(body as Record<string, unknown>) };
  for (const field of fields) {
    const raw = Buffer.from((out[field] as { sealed: string }).sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', keyOf(secret), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    out[field] = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
  return out;
}
