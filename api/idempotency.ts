import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Request } from 'express';
import type { Database, Executor } from '../db/client.js';
import {
  claimIdempotencyKey,
  releaseIdempotencyKey,
  storeIdempotentLocation,
  storeIdempotentResponse,
} from '../db/queries/idempotency.js';
import { badRequest, HttpProblem } from './problem.js';

/**
 * `Idempotency-Key` on every POST of the API (the IETF httpapi idempotency-key draft). The router claims the
 * key for the caller before the handler runs: keys are scoped to the caller (a user, a signup's address,
 * the operator), so nobody replays or blocks another's. The first request with a key runs; one with the same
 * key while it runs answers 409; one after it answers the stored first answer (the same key with another
 * request is a 422). A request that fails lets its key go, so that the client can retry with it.
 */

export interface Created<T> {
  status: number;
  body: T;
  /** True when this answer is the stored one of an earlier request with the same key. */
  replayed: boolean;
}

/** Top-level fields of an answer that are secrets (a new token): stored encrypted under the app secret. */
export interface Sealed {
  fields: string[];
  secret: string;
}

export interface IdempotencyClaim {
  id: string;
  sealed?: Sealed;
  /** Set once the answer is stored (in the handler's own transaction, when it uses `idempotent`). */
  stored: boolean;
  /** The `Location` stored with the answer, if any. */
  location?: string;
}

export interface StoredAnswer {
  status: number;
  body: unknown;
  location: string | null;
}

const claims = new WeakMap<Request, IdempotencyClaim>();

/** The request's key, checked; undefined without one. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,200}$/.test(key)) {
    throw badRequest('Idempotency-Key must be 1 to 200 visible ASCII characters, such as a UUID.', [
      { field: 'Idempotency-Key', message: 'must be 1 to 200 visible ASCII characters' },
    ]);
  }
  return key;
}

/**
 * Claims the request's key for `scope`. Answers the stored answer to replay, or nothing: the request runs
 * (with its claim, when it has a key).
 */
export async function beginIdempotent(
  req: Request,
  db: Database,
  scope: string,
  sealed?: Sealed,
): Promise<StoredAnswer | undefined> {
  const key = idempotencyKeyOf(req);
  if (key === undefined) return undefined;
  const requestHash = createHash('sha256')
    .update(`${req.method} ${req.baseUrl}${req.path}\n${JSON.stringify(req.body ?? null)}`)
    .digest('hex');
  const claim = await claimIdempotencyKey(db, scope, key, requestHash);
  if (claim.claimed) {
    claims.set(req, { id: claim.id, sealed, stored: false });
    return undefined;
  }
  const { existing } = claim;
  if (existing.requestHash !== requestHash) {
    throw new HttpProblem(
      422,
      'idempotency_key_reused',
      'Idempotency-Key already used',
      'This Idempotency-Key was used with a different request; use a new key for a new request.',
    );
  }
  if (existing.responseStatus === null) {
    const problem = new HttpProblem(
      409,
      'idempotency_key_in_use',
      'A request with this Idempotency-Key is still running',
      'The first request with this Idempotency-Key has not finished. Retry in a moment to get its answer.',
    );
    problem.headers['Retry-After'] = '1';
    throw problem;
  }
  const body = sealed && existing.responseBody ? unseal(existing.responseBody, sealed) : existing.responseBody;
  return { status: existing.responseStatus, body, location: existing.responseLocation };
}

/** After the handler: stores its answer, unless it stored it in its own transaction. */
export async function finishIdempotent(
  req: Request,
  db: Database,
  answer: { status: number; body: unknown; location?: string },
): Promise<void> {
  const claim = claims.get(req);
  if (!claim) return;
  if (!claim.stored) await storeIdempotentResponse(db, claim.id, answer.status, sealBody(answer.body, claim.sealed));
  if (answer.location && answer.location !== claim.location) {
    await storeIdempotentLocation(db, claim.id, answer.location);
  }
}

/** After a failed handler: lets the key go (an answer already stored stays). */
export async function abandonIdempotent(req: Request, db: Database): Promise<void> {
  const claim = claims.get(req);
  if (claim && !claim.stored) await releaseIdempotencyKey(db, claim.id);
}

/**
 * Runs `work` in a transaction and, when the request holds a key, stores the answer (with its `Location`,
 * when `work` gives one) in that same transaction: whatever crashes, the work is done and its answer
 * stored, or neither. Work that is a single statement (`singleStatement`) and holds no key runs without a
 * transaction: the statement is atomic by itself, and BEGIN and COMMIT would be two more round trips.
 * (`_scope` is the caller, decided by the router that claimed the key.)
 */
export async function idempotent<T>(
  req: Request,
  db: Database,
  _scope: string,
  work: (tx: Executor) => Promise<{ status: number; body: T; location?: string }>,
  options: { singleStatement?: boolean } = {},
): Promise<Created<T>> {
  const claim = claims.get(req);
  if (!claim && options.singleStatement) {
    const { status, body } = await work(db);
    return { status, body, replayed: false };
  }
  const result = await db.transaction(async (tx) => {
    const done = await work(tx);
    if (claim) {
      await storeIdempotentResponse(tx, claim.id, done.status, sealBody(done.body, claim.sealed), done.location);
    }
    return done;
  });
  // Stored only once committed: a failed transaction lets the key go.
  if (claim) {
    claim.stored = true;
    claim.location = result.location;
  }
  return { status: result.status, body: result.body, replayed: false };
}

const keyOf = (secret: string) => createHash('sha256').update(`${secret}:idempotency`).digest();

function sealBody(body: unknown, sealed: Sealed | undefined): unknown {
  if (!sealed || body === null || typeof body !== 'object') return body;
  const out = { ...(body as Record<string, unknown>) };
  for (const field of sealed.fields) {
    if (out[field] === undefined) continue;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keyOf(sealed.secret), iv);
    const data = Buffer.concat([cipher.update(String(out[field]), 'utf8'), cipher.final()]);
    out[field] = { sealed: Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64') };
  }
  return out;
}

function unseal(body: unknown, { fields, secret }: Sealed): unknown {
  if (body === null || typeof body !== 'object') return body;
  const out = { ...(body as Record<string, unknown>) };
  for (const field of fields) {
    const value = out[field] as { sealed?: string } | undefined;
    if (!value?.sealed) continue;
    const raw = Buffer.from(value.sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', keyOf(secret), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    out[field] = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
  return out;
}
