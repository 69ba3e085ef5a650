import { and, asc, desc, eq, gt, lt, notInArray, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Executor } from '../client.js';
import type { StoredAnalysis } from '../analysis.js';
import { matchFeedback, matches, needs, offerings, organisations } from '../schema.js';

const needOrg = alias(organisations, 'need_org');
const offeringOrg = alias(organisations, 'offering_org');
import type { PostSide } from './posts.js';

export type NeedForMatching = {
  id: string;
  orgId: string;
  title: string;
  description: string;
  capabilities: string[];
  keywords: string[];
  trlMin: number;
  trlMax: number;
  partnershipTypes: string[];
  openTo: ('biomanufacturer' | 'supplier' | 'academic')[];
  status: 'open' | 'closed';
  expiresAt: Date | null;
  version: number;
  analysis: StoredAnalysis;
};

export type OfferingForMatching = {
  id: string;
  orgId: string;
  orgKind: 'biomanufacturer' | 'supplier' | 'academic';
  title: string;
  description: string;
  capabilities: string[];
  keywords: string[];
  trl: number;
  partnershipTypes: string[];
  status: 'open' | 'closed';
  expiresAt: Date | null;
  version: number;
  analysis: StoredAnalysis;
};

const needColumns = sql`n.id, n.organisation_id as "orgId", n.title, n.description, n.capabilities, n.keywords,
  n.trl_min as "trlMin", n.trl_max as "trlMax", n.partnership_types as "partnershipTypes", n.open_to as "openTo",
  n.status, n.expires_at as "expiresAt", n.version, n.analysis`;
const offeringColumns = sql`o.id, o.organisation_id as "orgId", org.kind as "orgKind", o.title, o.description,
  o.capabilities, o.keywords, o.trl, o.partnership_types as "partnershipTypes", o.status, o.expires_at as "expiresAt",
  o.version, o.analysis`;

/** postgres.js hands back timestamps in raw rows as strings when selected through `execute`. */
const withDates = <T extends { expiresAt: Date | string | null }>(r: T): T => ({
  ...r,
  expiresAt: r.expiresAt === null ? null : new Date(r.expiresAt),
});

export async function loadNeedForMatching(db: Executor, id: string): Promise<NeedForMatching | undefined> {
  const rows = await db.execute<NeedForMatching>(sql`select ${needColumns} from needs n where n.id = ${id}`);
  return rows[0] && withDates(rows[0]);
}

export async function loadOfferingForMatching(db: Executor, id: string): Promise<OfferingForMatching | undefined> {
  const rows = await db.execute<OfferingForMatching>(
    sql`select ${offeringColumns} from offerings o join organisations org on org.id = o.organisation_id where o.id = ${id}`,
  );
  return rows[0] && withDates(rows[0]);
}

/** `a | b | c` over terms that core/text guarantees to be [a-z0-9_]. */
const anyOf = (terms: string[]) => terms.join(' | ');

/**
 * Offerings worth scoring for a need: open, of a kind the need is open to, not of its organisation, not
 * rejected for it, and sharing a discriminating term or a capability. Ranked in the index order so that
 * the limit keeps the likeliest.
 */
export async function offeringCandidates(
  db: Executor,
  need: NeedForMatching,
  terms: string[],
  limit: number,
  now: Date,
): Promise<OfferingForMatching[]> {
  if (terms.length === 0 && need.capabilities.length === 0) return [];
  const query = terms.length > 0 ? sql`to_tsquery('simple', ${anyOf(terms)})` : sql`null::tsquery`;
  const rows = await db.execute<OfferingForMatching>(sql`
    select ${offeringColumns}
    from offerings o join organisations org on org.id = o.organisation_id
    where o.status = 'open' and (o.expires_at is null or o.expires_at > ${now.toISOString()}::timestamptz)
      and o.organisation_id <> ${need.orgId}
      and org.kind = any(${sql.param(need.openTo)}::org_kind[])
      and (o.terms_vector @@ ${query} or o.capabilities && ${sql.param(need.capabilities)}::text[])
      and not exists (select 1 from match_feedback f
        where f.need_id = ${need.id} and f.offering_id = o.id and f.verdict = 'not_relevant')
      and not exists (select 1 from introductions i
        where i.need_id = ${need.id} and i.offering_id = o.id and i.status = 'declined')
    order by ts_rank(o.terms_vector, ${query}) + 0.2 * cardinality(array(
      select unnest(o.capabilities) intersect select unnest(${sql.param(need.capabilities)}::text[]))) desc
    limit ${limit}`);
  return rows.map(withDates);
}

/** Needs worth scoring for an offering; the mirror of `offeringCandidates`. */
export async function needCandidates(
  db: Executor,
  offering: OfferingForMatching,
  terms: string[],
  limit: number,
  now: Date,
): Promise<NeedForMatching[]> {
  if (terms.length === 0 && offering.capabilities.length === 0) return [];
  const query = terms.length > 0 ? sql`to_tsquery('simple', ${anyOf(terms)})` : sql`null::tsquery`;
  const rows = await db.execute<NeedForMatching>(sql`
    select ${needColumns}
    from needs n
    where n.status = 'open' and (n.expires_at is null or n.expires_at > ${now.toISOString()}::timestamptz)
      and n.organisation_id <> ${offering.orgId}
      and ${offering.orgKind}::org_kind = any(n.open_to)
      and (n.terms_vector @@ ${query} or n.capabilities && ${sql.param(offering.capabilities)}::text[])
      and not exists (select 1 from match_feedback f
        where f.offering_id = ${offering.id} and f.need_id = n.id and f.verdict = 'not_relevant')
      and not exists (select 1 from introductions i
        where i.offering_id = ${offering.id} and i.need_id = n.id and i.status = 'declined')
    order by ts_rank(n.terms_vector, ${query}) + 0.2 * cardinality(array(
      select unnest(n.capabilities) intersect select unnest(${sql.param(offering.capabilities)}::text[]))) desc
    limit ${limit}`);
  return rows.map(withDates);
}

export interface MatchWrite {
  needId: string;
  offeringId: string;
  score: number;
  needScore: number;
  offeringScore: number;
  explanation: unknown;
}

/**
 * Replaces the matches of one post with `found`, if the post is still at `version`: a job that computed
 * for an older version writes nothing, so a slow job can never overwrite a newer result.
 * Existing rows keep their id and creation time, so a match already sent is still recognised as sent.
 */
export async function replaceMatchesOf(
  db: Executor,
  side: PostSide,
  id: string,
  version: number,
  found: MatchWrite[],
): Promise<'written' | 'stale'> {
  const table = side === 'need' ? needs : offerings;
  const [current] = await db.select({ version: table.version }).from(table).where(eq(table.id, id)).for('update');
  if (!current || current.version !== version) return 'stale';
  const own = side === 'need' ? matches.needId : matches.offeringId;
  const other = side === 'need' ? matches.offeringId : matches.needId;
  const keep = found.map((m) => (side === 'need' ? m.offeringId : m.needId));
  await db.delete(matches).where(keep.length > 0 ? and(eq(own, id), notInArray(other, keep)) : eq(own, id));
  if (found.length > 0) {
    await db
      .insert(matches)
      .values(found)
      .onConflictDoUpdate({
        target: [matches.needId, matches.offeringId],
        set: {
          score: sql`excluded.score`,
          needScore: sql`excluded.need_score`,
          offeringScore: sql`excluded.offering_score`,
          explanation: sql`excluded.explanation`,
          updatedAt: sql`now()`,
        },
      });
  }
  await db.update(table).set({ matchedVersion: version, matchedAt: new Date() }).where(eq(table.id, id));
  return 'written';
}

/** Posts whose current version has not been matched: their job was lost or has not run yet. */
export async function unmatchedPosts(db: Executor, limit = 5000) {
  const rows = await db.execute<{ side: PostSide; id: string; version: number }>(sql`
    (select 'need' as side, id, version from needs where matched_version is distinct from version
      and updated_at < now() - interval '30 seconds' limit ${limit})
    union all
    (select 'offering' as side, id, version from offerings where matched_version is distinct from version
      and updated_at < now() - interval '30 seconds' limit ${limit})`);
  return [...rows];
}

export type MatchRow = typeof matches.$inferSelect;

/** One page of a post's matches, best first, with both posts and their organisations. */
export async function listMatchesOf(
  db: Executor,
  side: PostSide,
  id: string,
  limit: number,
  cursor?: { score: number; id: string },
) {
  const own = side === 'need' ? matches.needId : matches.offeringId;
  const rows = await db
    .select({ match: matches, need: needs, needOrg: needOrg, offering: offerings, offeringOrg: offeringOrg })
    .from(matches)
    .innerJoin(needs, eq(needs.id, matches.needId))
    .innerJoin(needOrg, eq(needOrg.id, needs.organisationId))
    .innerJoin(offerings, eq(offerings.id, matches.offeringId))
    .innerJoin(offeringOrg, eq(offeringOrg.id, offerings.organisationId))
    .where(
      and(
        eq(own, id),
        cursor
          ? or(lt(matches.score, cursor.score), and(eq(matches.score, cursor.score), gt(matches.id, cursor.id)))
          : undefined,
      ),
    )
    .orderBy(desc(matches.score), asc(matches.id))
    .limit(limit + 1);
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}

export async function getMatch(db: Executor, id: string) {
  const [row] = await db
    .select({ match: matches, need: needs, needOrg: needOrg, offering: offerings, offeringOrg: offeringOrg })
    .from(matches)
    .innerJoin(needs, eq(needs.id, matches.needId))
    .innerJoin(needOrg, eq(needOrg.id, needs.organisationId))
    .innerJoin(offerings, eq(offerings.id, matches.offeringId))
    .innerJoin(offeringOrg, eq(offeringOrg.id, offerings.organisationId))
    .where(eq(matches.id, id));
  return row;
}

/**
 * Records an organisation's verdict on a pair. "Not relevant" also removes the match: the candidate
 * queries skip the pair from then on, so no rematch brings it back.
 */
export async function recordFeedback(
  db: Executor,
  input: {
    needId: string;
    offeringId: string;
    organisationId: string;
    userId: string;
    verdict: 'relevant' | 'not_relevant';
    reason: string | null;
  },
) {
  const [row] = await db
    .insert(matchFeedback)
    .values(input)
    .onConflictDoUpdate({
      target: [matchFeedback.needId, matchFeedback.offeringId, matchFeedback.organisationId],
      set: { verdict: input.verdict, reason: input.reason, userId: input.userId, updatedAt: new Date() },
    })
    .returning();
  if (input.verdict === 'not_relevant') {
    await db.delete(matches).where(and(eq(matches.needId, input.needId), eq(matches.offeringId, input.offeringId)));
  }
  return row!;
}
