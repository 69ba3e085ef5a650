import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import type { Executor } from '../db/client.js';
import { findViewerByTokenHash } from '../db/queries/accounts.js';
import { bearerMatches, bearerToken } from '../core/bearer.js';
import { hashToken } from '../core/policy.js';
import type { OrgKind } from '../core/taxonomy.js';
import { HttpProblem, unauthorized } from './problem.js';

/** The signed-in user, as every handler sees them. */
export interface Viewer {
  userId: string;
  /**
   * The credential the request came with: the API token's id, or the session's for the web pages. Limits on
   * writes are counted per credential.
   */
  credentialId: string;
  name: string;
  email: string;
  organisationId: string;
  organisationKind: OrgKind;
}

const TOKEN_PREFIX = 'rm_';

/** A new API token: 32 random bytes, shown once; only its SHA-256 is stored. */
export function newToken(): { token: string; hash: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export async function authenticate(req: Request, db: Executor): Promise<Viewer> {
  const header = req.get('authorization');
  if (!header)
    throw unauthorized(
      'Send an API token as "Authorization: Bearer <token>". Make one on the settings page of the web pages.',
    );
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw unauthorized('The Authorization header must be "Bearer <token>".', 'invalid_request');
  const viewer = await findViewerByTokenHash(db, hashToken(match[1]));
  if (!viewer) throw unauthorized('The API token is unknown or has been revoked.', 'invalid_token');
  return viewer;
}

/** Operator endpoints: `Authorization: Bearer $ADMIN_TOKEN`, compared in constant time; 404 when unset. */
export function requireAdmin(header: string | undefined, adminToken: string | undefined): void {
  if (!adminToken)
    throw new HttpProblem(404, 'not_found', 'Not found', 'Operator endpoints are disabled: set ADMIN_TOKEN.');
  const sent = bearerToken(header);
  if (!bearerMatches(header, adminToken)) {
    throw unauthorized(
      'Operator endpoints take "Authorization: Bearer <ADMIN_TOKEN>".',
      header ? (sent ? 'invalid_token' : 'invalid_request') : undefined,
    );
  }
}
