import { eq, sql } from 'drizzle-orm';
import type { DigestCandidate } from '../../core/digest/compose.js';
import type { Executor } from '../client.js';
import { digests, users } from '../schema.js';

/** A user's digest settings and the organisation they belong to. */
export async function getDigestSettings(db: Executor, userId: string) {
  const [row] = await db
    .select({
      frequency: users.digestFrequency,
      weekday: users.digestWeekday,
      hour: users.digestHour,
      timezone: users.timezone,
    })
    .from(users)
    .where(eq(users.id, userId));
  return row!;
}

/** Changes only the settings given, in one statement, so that two partial changes at once both hold. */
export async function updateDigestSettings(
  db: Executor,
  userId: string,
  s: Partial<{ frequency: 'weekly' | 'daily' | 'off'; weekday: number; hour: number; timezone: string }>,
) {
  await db
    .update(users)
    .set({
      ...(s.frequency !== undefined ? { digestFrequency: s.frequency } : {}),
      ...(s.weekday !== undefined ? { digestWeekday: s.weekday } : {}),
      ...(s.hour !== undefined ? { digestHour: s.hour } : {}),
      ...(s.timezone !== undefined ? { timezone: s.timezone } : {}),
      updatedAt: new Date(),
    })
    .where(eq(users.id, userId));
}

/**
 * The matches of an organisation's open posts, as digest candidates: for each, which of the recipient's
 * posts it is about and who the other side is (null for an anonymous need: it must not be told apart).
 * Pairs the organisation marked not relevant are left out.
 */
export async function digestCandidates(db: Executor, organisationId: string): Promise<DigestCandidate[]> {
  const rows = await db.execute<DigestCandidate & Record<string, unknown>>(sql`
    select m.id as "matchId", m.need_id as "needId", m.offering_id as "offeringId", m.score,
      case when n.organisation_id = ${organisationId} then n.id else o.id end as "ownPostId",
      case when n.organisation_id = ${organisationId} then o.organisation_id
           when n.anonymous then null else n.organisation_id end as "counterpartOrganisationId"
    from matches m
    join needs n on n.id = m.need_id
    join offerings o on o.id = m.offering_id
    -- Both posts live: the recipient's own, and the other side's (closed or expired is its owners' business).
    where (n.organisation_id = ${organisationId} or o.organisation_id = ${organisationId})
      and n.status = 'open' and (n.expires_at is null or n.expires_at > now())
      and o.status = 'open' and (o.expires_at is null or o.expires_at > now())
      and not exists (select 1 from match_feedback f where f.need_id = m.need_id and f.offering_id = m.offering_id
        and f.organisation_id = ${organisationId} and f.verdict = 'not_relevant')`);
  return [...rows];
}

/** The pairs already sent to a user, in any digest: they are never sent again. */
export async function sentPairs(db: Executor, userId: string): Promise<Set<string>> {
  const rows = await db.execute<{ pair: string }>(sql`
    select item->>'needId' || '/' || (item->>'offeringId') as pair
    from ${digests}, jsonb_array_elements(${digests.items}) as item
    where ${digests.userId} = ${userId} and ${digests.status} = 'sent'`);
  return new Set(rows.map((r) => r.pair));
}
