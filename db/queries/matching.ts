// What the matcher reads and writes: posts as scoring reads them, candidates from the posting index, the
// replacement of a post's matches, and the sweep's finds. The API's reads of matches are in ./matches.ts.

import { inArray, sql } from 'drizzle-orm';
import type { MatchableNeed, MatchableOffering } from '../../core/matching/index.js';
import type { PostSide } from '../../core/policy.js';
import type { StoredAnalysis } from '../analysis.js';
import { executePrepared, type Database, type Executor } from '../client.js';
import { liveSql } from '../policy.js';
import { matches, needs, offerings } from '../schema.js';

/** A post as the matcher reads it: what scoring needs, its version, and its stored analysis. */
type ForMatching = { version: number; analysis: StoredAnalysis; expiresAt: Date };
export type NeedForMatching = MatchableNeed & ForMatching;
export type OfferingForMatching = MatchableOffering & ForMatching;

/** What scoring reads of a post: its analysis stands for its text, which is never re-read. */
const needColumns = sql`n.id, n.organisation_id as "orgId", n.capabilities,
  n.trl_min as "trlMin", n.trl_max as "trlMax", n.partnership_types as "partnershipTypes", n.open_to as "openTo",
  n.status, n.expires_at as "expiresAt", n.version, n.analysis`;
const offeringColumns = sql`o.id, o.organisation_id as "orgId", org.kind as "orgKind",
  o.capabilities, o.trl, o.partnership_types as "partnershipTypes", o.status, o.expires_at as "expiresAt",
  o.version, o.analysis`;

/** postgres.js hands back timestamps in raw rows as strings when selected through `execute`. */
const withDates = <T extends { expiresAt: Date | string }>(r: T): T => ({ ...r, expiresAt: new Date(r.expiresAt) });

export async function loadNeedsForMatching(db: Database, ids: string[]): Promise<NeedForMatching[]> {
  const rows = await executePrepared<NeedForMatching>(
    db,
    sql`select ${needColumns} from needs n where n.id = any(${sql.param(ids)}::uuid[]) order by n.id`,
  );
  return rows.map(withDates);
}

export async function loadOfferingForMatching(db: Executor, id: string): Promise<OfferingForMatching | undefined> {
  const rows = await db.execute<OfferingForMatching & Record<string, unknown>>(
    sql`select ${offeringColumns} from offerings o join organisations org on org.id = o.organisation_id where o.id = ${id}`,
  );
  return rows[0] && withDates(rows[0]);
}

export interface CandidateQuery {
  /** The searching post's most discriminating terms, and a weight for each. */
  terms: string[];
  weights: number[];
  /** How many of the highest-impact posts of each term are read. */
  perTerm: number;
  /** How many candidates, best first by summed weight x impact, are returned. */
  limit: number;
}

/**
 * The best-placed open posts of the other side for each query term, from the impact-ordered posting
 * index, summed per post: `perTerm` index entries per term, whatever the size of the corpus. (Ordered as the
 * index is, `desc nulls last`: another order would read every posting of the term and sort them.)
 */
export const postingHits = (
  postings: 'need_terms' | 'offering_terms',
  idColumn: 'need_id' | 'offering_id',
  q: CandidateQuery,
) => sql`
  select p.post_id, sum(q.weight * p.impact) as strength
  from unnest(${sql.param(q.terms)}::text[], ${sql.param(q.weights)}::real[]) as q(term, weight)
  cross join lateral (
    select t.${sql.identifier(idColumn)} as post_id, t.impact from ${sql.identifier(postings)} t
    where t.term = q.term order by t.impact desc nulls last limit ${q.perTerm}) p
  group by p.post_id
  -- Twice the limit before the exclusions: most hits pass them, and only these rows are read.
  order by strength desc limit ${q.limit * 2}`;

/**
 * Offerings worth scoring for a need: found by its terms, open, of a kind the need is open to, not of its
 * organisation, and not rejected or declined for it.
 */
export async function listOfferingCandidates(
  db: Database,
  need: NeedForMatching,
  q: CandidateQuery,
  now: Date,
): Promise<OfferingForMatching[]> {
  if (q.terms.length === 0) return [];
  const rows = await executePrepared<OfferingForMatching>(
    db,
    sql`
    with hits as (${postingHits('offering_terms', 'offering_id', q)})
    select ${offeringColumns}
    from hits join offerings o on o.id = hits.post_id join organisations org on org.id = o.organisation_id
    where ${liveSql('o', now)}
      and o.organisation_id <> ${need.orgId}
      and org.kind = any(${sql.param(need.openTo)}::org_kind[])
      and not exists (select 1 from match_feedback f
        where f.need_id = ${need.id} and f.offering_id = o.id and f.verdict = 'not_relevant')
      and not exists (select 1 from introductions i
        where i.need_id = ${need.id} and i.offering_id = o.id and i.status = 'declined')
    order by hits.strength desc
    limit ${q.limit}`,
  );
  return rows.map(withDates);
}

/** Needs worth scoring for an offering; the mirror of `listOfferingCandidates`. */
export async function listNeedCandidates(
  db: Database,
  offering: OfferingForMatching,
  q: CandidateQuery,
  now: Date,
): Promise<NeedForMatching[]> {
  if (q.terms.length === 0) return [];
  const rows = await executePrepared<NeedForMatching>(
    db,
    sql`
    with hits as (${postingHits('need_terms', 'need_id', q)})
    select ${needColumns}
    from hits join needs n on n.id = hits.post_id
    where ${liveSql('n', now)}
      and n.organisation_id <> ${offering.orgId}
      and ${offering.orgKind}::org_kind = any(n.open_to)
      and not exists (select 1 from match_feedback f
        where f.offering_id = ${offering.id} and f.need_id = n.id and f.verdict = 'not_relevant')
      and not exists (select 1 from introductions i
        where i.offering_id = ${offering.id} and i.need_id = n.id and i.status = 'declined')
    order by hits.strength desc
    limit ${q.limit}`,
  );
  return rows.map(withDates);
}

export interface MatchWrite {
  needId: string;
  offeringId: string;
  score: number;
  needScore: number;
  offeringScore: number;
  explanation: unknown;
  /** SCORING_VERSION of the code that scored it */
  scoringVersion: number;
}

/**
 * The pairs that may still be written now: both posts live, the pair not marked not relevant and no
 * introduction of it declined. A job's candidates were read a moment ago; a close, a verdict or a decline
 * committed since then must win.
 */
async function stillMatchable(db: Executor, found: MatchWrite[]): Promise<MatchWrite[]> {
  if (found.length === 0) return found;
  const rows = await db.execute<{ pair: string }>(sql`
    select k.need_id || '/' || k.offering_id as pair
    from unnest(${sql.param(found.map((f) => f.needId))}::uuid[], ${sql.param(found.map((f) => f.offeringId))}::uuid[])
      as k(need_id, offering_id)
    join needs n on n.id = k.need_id
    join offerings o on o.id = k.offering_id
    where ${liveSql('n')} and ${liveSql('o')}
      and not exists (select 1 from match_feedback f
        where f.need_id = k.need_id and f.offering_id = k.offering_id and f.verdict = 'not_relevant')
      and not exists (select 1 from introductions i
        where i.need_id = k.need_id and i.offering_id = k.offering_id and i.status = 'declined')`);
  const ok = new Set(rows.map((r) => r.pair));
  return found.filter((f) => ok.has(`${f.needId}/${f.offeringId}`));
}

export interface MatchResult {
  id: string;
  /** The version of the post the matches were computed for. */
  version: number;
  found: MatchWrite[];
  /** The snapshot its candidate search read (`searchSnapshot`, taken before it). */
  seen: string;
}

/**
 * The database's snapshot now (`pg_current_snapshot()`), taken before a candidate search: what the
 * search can find is at least what this snapshot sees, so a post it does not see may have been missed.
 */
export async function searchSnapshot(db: Executor): Promise<string> {
  const [row] = await db.execute<{ seen: string }>(sql`select pg_current_snapshot()::text as seen`);
  return row!.seen;
}

/**
 * Replaces the matches of each post with its `found`, for the posts still at the version they were
 * computed for: a job that computed for an older version writes nothing, so a slow job can never overwrite
 * a newer result. A match with a post that the job's search could not see (indexed after its snapshot,
 * `seen`) is kept: that post's own job wrote it, after this job searched, and this one would otherwise
 * remove it. Each need then keeps its best `maxPerPost`. Existing rows keep their id and creation time.
 * Answers the ids written.
 */
export async function replaceMatches(
  db: Executor,
  side: PostSide,
  results: MatchResult[],
  maxPerPost: number,
  /** The number of posts the statistics scored with counted. */
  corpusSize: number | null = null,
): Promise<Set<string>> {
  if (results.length === 0) return new Set();
  const table = side === 'need' ? needs : offerings;
  const current = await db
    .select({ id: table.id, version: table.version })
    .from(table)
    .where(
      inArray(
        table.id,
        results.map((r) => r.id),
      ),
    )
    .orderBy(table.id)
    .for('no key update');
  const versions = new Map(current.map((r) => [r.id, r.version]));
  const fresh = results.filter((r) => versions.get(r.id) === r.version);
  if (fresh.length === 0) return new Set();
  const ids = fresh.map((r) => r.id);
  const found = await stillMatchable(
    db,
    fresh.flatMap((r) => r.found),
  );
  const own = sql.raw(side === 'need' ? 'need_id' : 'offering_id');
  const other = sql.raw(side === 'need' ? 'offering_id' : 'need_id');
  const others = sql.raw(side === 'need' ? 'offerings' : 'needs');
  await db.execute(sql`
    delete from matches m
    using unnest(${sql.param(ids)}::uuid[], ${sql.param(fresh.map((r) => r.seen))}::text[]) as r(id, seen),
      ${others} p
    where m.${own} = r.id and p.id = m.${other}
      and (p.indexed_xact is null or pg_visible_in_snapshot(p.indexed_xact, r.seen::pg_snapshot))
      and not exists (select 1 from unnest(${sql.param(found.map((f) => f.needId))}::uuid[],
                                           ${sql.param(found.map((f) => f.offeringId))}::uuid[]) as k(need_id, offering_id)
                      where k.need_id = m.need_id and k.offering_id = m.offering_id)`);
  for (let i = 0; i < found.length; i += 2000) {
    await db
      .insert(matches)
      .values(found.slice(i, i + 2000))
      .onConflictDoUpdate({
        target: [matches.needId, matches.offeringId],
        set: {
          score: sql`excluded.score`,
          needScore: sql`excluded.need_score`,
          offeringScore: sql`excluded.offering_score`,
          explanation: sql`excluded.explanation`,
          scoringVersion: sql`excluded.scoring_version`,
          updatedAt: sql`now()`,
        },
      });
  }
  // A need keeps its best matches only, whichever side found them (its own job may have kept some above).
  const needIds = side === 'need' ? ids : [...new Set(found.map((m) => m.needId))];
  if (needIds.length > 0) {
    await db.execute(sql`
      delete from matches where id in (
        select id from (
          select id, row_number() over (partition by need_id order by score desc, id) as rank
          from matches where need_id = any(${sql.param(needIds)}::uuid[])) ranked
        where rank > ${maxPerPost})`);
  }
  await db
    .update(table)
    .set({ matchedVersion: sql`${table.version}`, matchedAt: new Date(), matchedCorpus: corpusSize })
    .where(inArray(table.id, ids));
  return new Set(ids);
}

/**
 * A full rematch is taken to be at work while it was prepared, or a chunk of it finished, within this many
 * seconds: its chunks, not the sweep, match the needs it marked.
 */
export const REMATCH_STALL_SECONDS = 120;

/**
 * Posts whose current version has not been matched: their job was lost or has not run yet. Needs waiting
 * for a rematch at work are left to its chunks: queued one by one as well, each would be matched twice,
 * and the rematch would wait behind thousands of single jobs. Once it stalls (a chunk lost with Redis's
 * data, the others done), the sweep takes them.
 */
export async function listUnmatchedPosts(db: Executor, limit = 5000) {
  const rows = await db.execute<{ side: PostSide; id: string; version: number }>(sql`
    with rematch as (
      select started_at from (select started_at, progress_at from rematches order by started_at desc limit 1) l
      where progress_at > now() - make_interval(secs => ${REMATCH_STALL_SECONDS}))
    (select 'need' as side, id, version from needs where matched_version is distinct from version
      and updated_at < now() - interval '30 seconds'
      and not exists (select 1 from rematch where needs.updated_at < rematch.started_at) limit ${limit})
    union all
    (select 'offering' as side, id, version from offerings where matched_version is distinct from version
      and updated_at < now() - interval '30 seconds' limit ${limit})`);
  return [...rows];
}

/**
 * A post whose statistics have moved since it was scored: the marketplace has grown by more than this
 * factor. Scores rest on corpus statistics (idf, average length); those of a young marketplace swing with
 * every post, so its first posts are scored again as it grows, in the background, without a full rematch.
 */
export const STALE_GROWTH = 1.2;

/**
 * The corpus size a post must have been scored on, at least, for its scores to be current: today's size
 * over STALE_GROWTH; null when nothing can be stale, a full rematch having scored every post on at least
 * that. Counted once per call (the posts' tables by index), not once per post.
 */
async function staleBelow(db: Executor): Promise<number | null> {
  const [row] = await db.execute<{ below: number; rematched: number }>(sql`
    select ((select count(*) from needs) + (select count(*) from offerings))::float8 / ${STALE_GROWTH} as below,
      coalesce((select max(corpus_size) from rematches), 0)::float8 as rematched`);
  // A whole number: for a whole matched_corpus, x < ceil(below) exactly when x < below (and an index serves it).
  return row && row.rematched < row.below ? Math.ceil(row.below) : null;
}

/** "This live post's statistics have moved": scored by its own job on a corpus smaller than `below`. */
const staleCondition = (
  alias: string,
  below: number,
) => sql`${sql.raw(alias)}.matched_version = ${sql.raw(alias)}.version
  and ${sql.raw(alias)}.matched_corpus < ${below}::int and ${liveSql(alias)}`;

/** Posts matched at their current version, but on statistics that have moved since (see STALE_GROWTH). */
export async function listStalePosts(db: Executor, limit = 1000) {
  const below = await staleBelow(db);
  if (below === null) return [];
  const rows = await db.execute<{ side: PostSide; id: string; version: number }>(sql`
    (select 'need' as side, n.id, n.version from needs n where ${staleCondition('n', below)} limit ${limit})
    union all
    (select 'offering' as side, o.id, o.version from offerings o where ${staleCondition('o', below)} limit ${limit})`);
  return [...rows];
}

/**
 * How much matching work waits: posts unmatched at their version or scored on statistics that have moved,
 * and needs waiting to be regrouped into common needs. Each part is read by its own index.
 */
export async function countPendingMatching(db: Executor): Promise<number> {
  const below = await staleBelow(db);
  const stale = (t: 'needs' | 'offerings') =>
    below === null ? sql`0` : sql`(select count(*) from ${sql.identifier(t)} p where ${staleCondition('p', below)})`;
  const [row] = await db.execute<{ pending: number }>(sql`
    select ((select count(*) from needs where matched_version is distinct from version)
         + (select count(*) from offerings where matched_version is distinct from version)
         + ${stale('needs')} + ${stale('offerings')}
         + (select count(*) from common_need_dirty))::int
      as pending`);
  return row!.pending;
}

/** Whether any need is waiting for its matching job (as during a full rematch). */
export async function hasNeedsPending(db: Executor): Promise<boolean> {
  const [row] = await db.execute<{ pending: boolean }>(
    sql`select exists (select 1 from needs where matched_version is distinct from version) as pending`,
  );
  return row?.pending === true;
}
