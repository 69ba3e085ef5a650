import { createHash, timingSafeEqual } from 'node:crypto';

/** The token of an `Authorization: Bearer <token>` header; undefined when the header is missing or malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
}

/** Does the header carry this secret? Compared in constant time (hashes of equal length). */
export function bearerMatches(header: string | undefined, secret: string): boolean {
  const sent = bearerToken(header);
  if (!sent) return false;
  const given = createHash('sha256').update(sent).digest();
  return timingSafeEqual(given, createHash('sha256').update(secret).digest());
}
