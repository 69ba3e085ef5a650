// The SQL forms of the rules in core/policy.ts, for the queries that apply them in the database. Each is
// the same rule as the TypeScript function it names; test/db/policy.test.ts checks that they agree.

import { and, eq, gt, sql, type SQL } from 'drizzle-orm';
import { EXPIRY_REMINDER_DAYS } from '../core/policy.js';
import type { needs, offerings } from './schema.js';

/** `now` when given (a job's clock), else the database's `now()`. */
const clock = (now?: Date): SQL => (now ? sql`${now.toISOString()}::timestamptz` : sql`now()`);

/**
 * `isLive`: the post (a needs or offerings table aliased `alias`) is open and not expired, at `now` when
 * given (a job's clock), else at the database's `now()`.
 */
export function liveSql(alias: string, now?: Date): SQL {
  const t = sql.raw(alias);
  return sql`(${t}.status = 'open' and ${t}.expires_at > ${clock(now)})`;
}

/** `isLive` as a condition on a posts table of the schema, for queries built with drizzle's operators. */
export function isLiveWhere(t: typeof needs | typeof offerings, now?: Date): SQL {
  return and(eq(t.status, 'open'), gt(t.expiresAt, now ?? sql`now()`))!;
}

/**
 * `isExpiringSoon`: the post (aliased `alias`) is live and expires within EXPIRY_REMINDER_DAYS (counted in
 * hours, as the TypeScript form counts milliseconds: a day of a clock change is still 24 hours).
 */
export function expiringSoonSql(alias: string, now?: Date): SQL {
  const t = sql.raw(alias);
  const window = sql.raw(`interval '${EXPIRY_REMINDER_DAYS * 24} hours'`);
  return sql`(${liveSql(alias, now)} and ${t}.expires_at <= ${clock(now)} + ${window})`;
}

/**
 * `isDueForReminder`: the post (aliased `alias`) is about to expire and its owner was not reminded of this
 * expiry. `expiry_reminded_for` is copied from `expires_at` as stored (db/queries/posts.ts
 * `markExpiryReminded`), so the two are equal to the microsecond once reminded.
 */
export function dueForReminderSql(alias: string, now?: Date): SQL {
  const t = sql.raw(alias);
  return sql`(${expiringSoonSql(alias, now)} and ${t}.expiry_reminded_for is distinct from ${t}.expires_at)`;
}

/**
 * The negation of `revealsNeedOwner` (without an introduction): the need (a needs table aliased `alias`)
 * is anonymous and not of the reader's organisation, so its owner must not be shown.
 */
export function ownerHiddenSql(alias: string, organisationId: string): SQL {
  const t = sql.raw(alias);
  return sql`(${t}.anonymous and ${t}.organisation_id <> ${organisationId})`;
}

/**
 * `introducesNeedOwner` over the `introductions` table: an accepted introduction about the need (a needs table
 * aliased `alias`) has the reader's organisation as one of its sides.
 */
export function introducedSql(alias: string, organisationId: string): SQL {
  const t = sql.raw(alias);
  return sql`exists (select 1 from introductions i where i.need_id = ${t}.id and i.status = 'accepted'
    and ${organisationId}::uuid in (i.requester_organisation_id, i.recipient_organisation_id))`;
}

/**
 * `ownerCountKey` summed: how many organisations the needs (aliased `alias`) come from, as a reader of
 * `organisationId` may count them. Each anonymous need of another organisation counts alone: the true
 * count would let a reader work out that two anonymous needs share an owner.
 */
export function organisationsSeenBy(alias: string, organisationId: string): SQL {
  const t = sql.raw(alias);
  return sql`count(distinct case when ${ownerHiddenSql(alias, organisationId)}
    then 'need:' || ${t}.id::text else 'org:' || ${t}.organisation_id::text end)::int`;
}
