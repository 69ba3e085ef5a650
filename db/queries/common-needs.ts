import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { groupCommonNeeds } from '../../core/matching/index.js';
import { areaOf } from '../../core/taxonomy.js';
import { executePrepared, type Database, type Executor } from '../client.js';
import { liveSql, organisationsSeenBy } from '../policy.js';
import { commonNeedGroupMembers, commonNeedGroups, commonNeeds, needs, organisations } from '../schema.js';
import { postingHits, type CandidateQuery, type NeedForMatching } from './matching.js';
import type { NeedRow, OrganisationRow } from './posts.js';

const needColumns = sql`n.id, n.organisation_id as "orgId", n.capabilities,
  n.trl_min as "trlMin", n.trl_max as "trlMax", n.partnership_types as "partnershipTypes", n.open_to as "openTo",
  n.status, n.expires_at as "expiresAt", n.version, n.analysis`;

/**
 * Other organisations' live needs worth comparing with a need: the best-placed needs of its most
 * discriminating terms in the needs' posting index (the same index offerings search).
 */
export async function listCommonNeedCandidates(
  db: Database,
  need: NeedForMatching,
  q: CandidateQuery,
): Promise<NeedForMatching[]> {
  if (q.terms.length === 0) return [];
  const rows = await executePrepared<NeedForMatching>(
    db,
    sql`
    with hits as (${postingHits('need_terms', 'need_id', q)}),
    -- Its present partners are scored again whatever the search finds, so that a pair found from the other
    -- side is not dropped because this side's search missed it.
    partners as (
      select case when c.need_a = ${need.id} then c.need_b else c.need_a end as post_id,
        'Infinity'::float8 as strength
      from common_needs c where c.need_a = ${need.id} or c.need_b = ${need.id}),
    chosen as (
      select post_id, max(strength) as strength from (select * from hits union all select * from partners) x
      group by post_id)
    select ${needColumns}
    from chosen hits join needs n on n.id = hits.post_id
    where ${liveSql('n')} and n.organisation_id <> ${need.orgId} and n.id <> ${need.id}
    order by hits.strength desc
    limit ${q.limit + MAX_PARTNERS}`,
  );
  return rows.map((r) => ({ ...r, expiresAt: new Date(r.expiresAt) }));
}

/** Arbitrary, fixed: writing common needs takes this transaction lock, so two jobs take turns. */
const PAIRS_LOCK = 0x52474e44;

/** At most how many partners a need keeps (the worker's cap), so many more candidates are read. */
const MAX_PARTNERS = 20;

export interface CommonNeedWrite {
  other: string;
  similarity: number;
  explanation: unknown;
}

/** What one need's search found: its common needs, and every need it compared itself with. */
export interface CommonNeedResult {
  id: string;
  found: CommonNeedWrite[];
  /** The candidates scored (its present partners among them): only pairs with these can be judged gone. */
  evaluated: string[];
}

/**
 * Replaces the common needs of each need with what was found for it, and marks the needs they touch for
 * regrouping. Runs in the transaction that wrote the needs' matches, for the needs still at the version
 * scored. A pair is removed only when this need compared itself with the other and found them no longer
 * common, or when one of the two is no longer live: a pair with a need its search never saw (one posted
 * and indexed after the search, whose own job wrote the pair meanwhile) stays.
 */
export async function replaceCommonNeeds(tx: Executor, results: CommonNeedResult[]): Promise<void> {
  if (results.length === 0) return;
  // Taken before any pair is written: two jobs writing the same pair would otherwise wait on each other's
  // row while one of them holds the lock.
  await tx.execute(sql`select pg_advisory_xact_lock(${PAIRS_LOCK})`);
  const ids = results.map((r) => r.id);
  const pairs = results.flatMap((r) =>
    r.found.map((f) => {
      const [a, b] = r.id < f.other ? [r.id, f.other] : [f.other, r.id];
      return { needA: a, needB: b, similarity: f.similarity, explanation: f.explanation };
    }),
  );
  // Both needs are re-checked now: one closed or deleted since it was read must not come back. The key-share
  // locks, taken in id order, make a concurrent delete of one of them wait for this transaction (or this one
  // wait for it) instead of both waiting on each other's rows.
  const live = new Set(
    (
      await tx.execute<{ id: string }>(sql`
        select n.id from needs n
        where n.id = any(${sql.param([...new Set(pairs.flatMap((p) => [p.needA, p.needB]))])}::uuid[])
          and ${liveSql('n')}
        order by n.id for key share of n`)
    ).map((r) => r.id),
  );
  const kept = dedupe(pairs.filter((p) => live.has(p.needA) && live.has(p.needB)));
  const compared = results.flatMap((r) => r.evaluated.map((other) => ({ self: r.id, other })));
  const dropped = await tx.execute<{ a: string; b: string }>(sql`
    delete from common_needs c
    where (c.need_a = any(${sql.param(ids)}::uuid[]) or c.need_b = any(${sql.param(ids)}::uuid[]))
      and not exists (select 1 from unnest(${sql.param(kept.map((p) => p.needA))}::uuid[],
                                           ${sql.param(kept.map((p) => p.needB))}::uuid[]) as k(a, b)
                      where k.a = c.need_a and k.b = c.need_b)
      -- A pair is stored in id order; compared pairs are put in that order, so that this is a hash lookup.
      and ((c.need_a, c.need_b) in (select least(e.self, e.other), greatest(e.self, e.other)
                                    from unnest(${sql.param(compared.map((e) => e.self))}::uuid[],
                                                ${sql.param(compared.map((e) => e.other))}::uuid[]) as e(self, other))
           or not exists (select 1 from needs n where n.id = c.need_a and ${liveSql('n')})
           or not exists (select 1 from needs n where n.id = c.need_b and ${liveSql('n')}))
    returning c.need_a as a, c.need_b as b`);
  if (kept.length > 0) {
    await tx
      .insert(commonNeeds)
      .values(kept)
      .onConflictDoUpdate({
        target: [commonNeeds.needA, commonNeeds.needB],
        set: { similarity: sql`excluded.similarity`, explanation: sql`excluded.explanation`, updatedAt: sql`now()` },
      });
  }
  // Every need whose pairs may have changed is regrouped by the next regrouping job.
  const touched = [
    ...new Set([...ids, ...kept.flatMap((p) => [p.needA, p.needB]), ...dropped.flatMap((d) => [d.a, d.b])]),
  ];
  await tx.execute(sql`
    insert into common_need_dirty (need_id)
    select id from unnest(${sql.param(touched.sort())}::uuid[]) as t(id) where exists (select 1 from needs where needs.id = t.id)
    on conflict do nothing`);
}

/** Arbitrary, fixed: one regrouping at a time. */
const GROUPS_LOCK = 0x47525053;

/**
 * Regroups every need marked since the last run (and the needs connected to them), in one transaction.
 * Answers how many marks it took; none when another run holds the lock (that run, or the next, takes them).
 */
export async function regroupMarked(db: Database): Promise<number> {
  return db.transaction(async (tx) => {
    const [got] = await tx.execute<{ ok: boolean }>(sql`select pg_try_advisory_xact_lock(${GROUPS_LOCK}) as ok`);
    if (!got?.ok) return 0;
    const marked = (await tx.execute<{ id: string }>(sql`delete from common_need_dirty returning need_id as id`)).map(
      (r) => r.id,
    );
    if (marked.length > 0) await regroup(tx, marked);
    return marked.length;
  });
}

/** Whether any need waits to be regrouped. */
export async function regroupOwed(db: Executor): Promise<boolean> {
  const [row] = await db.execute<{ owed: boolean }>(sql`select exists (select 1 from common_need_dirty) as owed`);
  return row?.owed === true;
}

/** A pair found from both of its needs in one batch is written once, with its higher similarity. */
function dedupe<T extends { needA: string; needB: string; similarity: number }>(pairs: T[]): T[] {
  const best = new Map<string, T>();
  for (const p of pairs) {
    const key = `${p.needA}/${p.needB}`;
    const seen = best.get(key);
    if (!seen || p.similarity > seen.similarity) best.set(key, p);
  }
  return [...best.values()];
}

/** A component larger than this is regrouped in part; groups are a handful of needs, components stay small. */
const MAX_COMPONENT = 2000;

/**
 * Recomputes the groups of every need connected by common-need pairs to `seeds`, and of the needs that were
 * in the same groups, with core's grouping. A new group keeps the id of the old group it shares most needs
 * with, so that a group that grows or loses a need is still the same group. Runs under `GROUPS_LOCK`.
 */
async function regroup(tx: Executor, seeds: string[]): Promise<void> {
  const seedsWithGroups = await withGroupMates(tx, seeds);
  const component = (
    await tx.execute<{ id: string }>(sql`
      with recursive comp(id) as (
        select unnest(${sql.param(seedsWithGroups)}::uuid[])
        union
        select x.other from comp cross join lateral (
          select c.need_b as other from common_needs c where c.need_a = comp.id
          union all
          select c.need_a from common_needs c where c.need_b = comp.id) x
      )
      select id from comp limit ${MAX_COMPONENT}`)
  ).map((r) => r.id);
  const all = await withGroupMates(tx, component);

  const rows = await tx.execute<{ a: string; b: string; similarity: number }>(sql`
    select c.need_a as a, c.need_b as b, c.similarity
    from common_needs c join needs na on na.id = c.need_a join needs nb on nb.id = c.need_b
    where c.need_a = any(${sql.param(all)}::uuid[]) and c.need_b = any(${sql.param(all)}::uuid[])
      and ${liveSql('na')} and ${liveSql('nb')}`);
  const info = await tx
    .select({
      id: needs.id,
      orgId: needs.organisationId,
      title: needs.title,
      capabilities: needs.capabilities,
      createdAt: needs.createdAt,
    })
    .from(needs)
    .where(inArray(needs.id, all.length > 0 ? all : ['00000000-0000-0000-0000-000000000000']))
    // As in replaceCommonNeeds: a concurrent delete of one of these needs waits for this, not a deadlock.
    .orderBy(needs.id)
    .for('key share');
  const byId = new Map(info.map((n) => [n.id, n]));
  const pairs = rows.map((r) => ({ a: r.a, b: r.b, similarity: Number(r.similarity) }));
  const groups = groupCommonNeeds(pairs, (id) => byId.get(id)?.orgId ?? id);

  const old = await tx
    .select({ groupId: commonNeedGroupMembers.groupId, needId: commonNeedGroupMembers.needId })
    .from(commonNeedGroupMembers)
    .where(inArray(commonNeedGroupMembers.needId, all.length > 0 ? all : ['00000000-0000-0000-0000-000000000000']));
  const oldGroupOf = new Map(old.map((r) => [r.needId, r.groupId]));
  const oldGroups = new Set(old.map((r) => r.groupId));

  if (all.length > 0) await tx.delete(commonNeedGroupMembers).where(inArray(commonNeedGroupMembers.needId, all));
  const reused = new Set<string>();
  for (const members of groups) {
    const overlap = new Map<string, number>();
    for (const id of members) {
      const g = oldGroupOf.get(id);
      if (g && !reused.has(g)) overlap.set(g, (overlap.get(g) ?? 0) + 1);
    }
    const keep = [...overlap].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))[0]?.[0];
    const fields = groupFields(members, pairs, byId);
    let groupId: string;
    if (keep) {
      reused.add(keep);
      groupId = keep;
      await tx
        .update(commonNeedGroups)
        .set({ ...fields, updatedAt: new Date() })
        .where(eq(commonNeedGroups.id, keep));
    } else {
      const [created] = await tx.insert(commonNeedGroups).values(fields).returning({ id: commonNeedGroups.id });
      groupId = created!.id;
    }
    await tx.insert(commonNeedGroupMembers).values(members.map((needId) => ({ groupId, needId })));
  }
  const gone = [...oldGroups].filter((g) => !reused.has(g));
  if (gone.length > 0) {
    // Only groups left empty go: one with needs beyond a component cut at MAX_COMPONENT keeps them.
    await tx.execute(sql`
      delete from common_need_groups g where g.id = any(${sql.param(gone)}::uuid[])
        and not exists (select 1 from common_need_group_members m where m.group_id = g.id)`);
  }
}

async function withGroupMates(tx: Executor, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await tx.execute<{ id: string }>(sql`
    select m2.need_id as id from common_need_group_members m1
    join common_need_group_members m2 on m2.group_id = m1.group_id
    where m1.need_id = any(${sql.param(ids)}::uuid[])`);
  return [...new Set([...ids, ...rows.map((r) => r.id)])];
}

/** The group's title (its most central need's), and the capabilities and areas its needs carry. */
function groupFields(
  members: string[],
  pairs: { a: string; b: string; similarity: number }[],
  byId: Map<string, { title: string; capabilities: string[]; createdAt: Date }>,
) {
  const inGroup = new Set(members);
  const centrality = new Map<string, number>();
  for (const p of pairs) {
    if (!inGroup.has(p.a) || !inGroup.has(p.b)) continue;
    centrality.set(p.a, (centrality.get(p.a) ?? 0) + p.similarity);
    centrality.set(p.b, (centrality.get(p.b) ?? 0) + p.similarity);
  }
  const central = [...members].sort(
    (x, y) =>
      (centrality.get(y) ?? 0) - (centrality.get(x) ?? 0) ||
      byId.get(x)!.createdAt.getTime() - byId.get(y)!.createdAt.getTime(),
  )[0]!;
  const capabilities = [...new Set(members.flatMap((id) => byId.get(id)?.capabilities ?? []))].sort();
  const areas = [...new Set(capabilities.map(areaOf).filter((a) => a !== undefined))].sort();
  return { title: byId.get(central)!.title, capabilities, areas };
}

export interface CommonNeedOf {
  need: NeedRow;
  organisation: OrganisationRow;
  similarity: number;
  explanation: unknown;
}

/** The live needs common to a need, most similar first, with their organisations. */
export async function listCommonNeedsOf(
  db: Executor,
  needId: string,
  limit: number,
  cursor?: { score: number; id: string },
): Promise<{ rows: CommonNeedOf[]; more: boolean }> {
  const pairs = await db.execute<{ other: string; similarity: number; explanation: unknown }>(sql`
    select case when c.need_a = ${needId} then c.need_b else c.need_a end as other, c.similarity, c.explanation
    from common_needs c
    where c.need_a = ${needId} or c.need_b = ${needId}`);
  const ranked = [...pairs]
    .map((p) => ({ ...p, similarity: Number(p.similarity) }))
    .sort((x, y) => y.similarity - x.similarity || (x.other < y.other ? -1 : 1))
    .filter((p) => !cursor || p.similarity < cursor.score || (p.similarity === cursor.score && p.other > cursor.id));
  if (ranked.length === 0) return { rows: [], more: false };
  const posts = await db
    .select({ need: needs, organisation: organisations })
    .from(needs)
    .innerJoin(organisations, eq(organisations.id, needs.organisationId))
    .where(
      and(
        inArray(
          needs.id,
          ranked.map((p) => p.other),
        ),
        liveSql('needs'),
      ),
    );
  const byId = new Map(posts.map((p) => [p.need.id, p]));
  const rows = ranked
    .filter((p) => byId.has(p.other))
    .map((p) => ({ ...byId.get(p.other)!, similarity: p.similarity, explanation: p.explanation }));
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}

export interface GroupFilters {
  capability?: string;
  area?: string;
  /** Whose eyes the counts are for (see `organisationsSeenBy` in db/policy.ts). */
  viewerOrganisationId: string;
  id?: string;
  limit: number;
  cursor?: { organisations: number; needs: number; id: string };
}

export interface GroupSummary {
  id: string;
  title: string;
  capabilities: string[];
  organisationCount: number;
  needCount: number;
  offeringCount: number;
  consortiumId: string | null;
  createdAt: Date;
}

/**
 * Common-need groups with two or more organisations among their live needs, largest first. Counts are of
 * live needs, live offerings matched to any of them, and the newest consortium on any of them not closed.
 */
export async function listCommonNeedGroups(
  db: Executor,
  f: GroupFilters,
): Promise<{ rows: GroupSummary[]; more: boolean }> {
  const rows = await db.execute<{
    id: string;
    title: string;
    capabilities: string[];
    organisation_count: number;
    need_count: number;
    offering_count: number;
    consortium_id: string | null;
    created_at: string;
  }>(sql`
    with sized as (
      select g.id, g.title, g.capabilities, g.created_at,
        count(*)::int as need_count, ${organisationsSeenBy('n', f.viewerOrganisationId)} as organisation_count
      from common_need_groups g
      join common_need_group_members m on m.group_id = g.id
      join needs n on n.id = m.need_id and ${liveSql('n')}
      where true
        ${f.id ? sql`and g.id = ${f.id}` : sql``}
        ${f.capability ? sql`and g.capabilities @> array[${f.capability}]::text[]` : sql``}
        ${f.area ? sql`and g.areas @> array[${f.area}]::text[]` : sql``}
      group by g.id
      having count(distinct n.organisation_id) >= 2)
    select s.*,
      (select count(distinct mt.offering_id)::int from matches mt
         join common_need_group_members m on m.need_id = mt.need_id
         join offerings o on o.id = mt.offering_id
         where m.group_id = s.id and ${liveSql('o')}) as offering_count,
      (select c.id from consortia c join consortium_needs cn on cn.consortium_id = c.id
         join common_need_group_members m on m.need_id = cn.need_id
         where m.group_id = s.id and c.status <> 'closed' order by c.created_at desc limit 1) as consortium_id
    from sized s
    where ${
      f.cursor
        ? sql`(s.organisation_count < ${f.cursor.organisations})
              or (s.organisation_count = ${f.cursor.organisations} and s.need_count < ${f.cursor.needs})
              or (s.organisation_count = ${f.cursor.organisations} and s.need_count = ${f.cursor.needs} and s.id > ${f.cursor.id}::uuid)`
        : sql`true`
    }
    order by s.organisation_count desc, s.need_count desc, s.id
    limit ${f.limit + 1}`);
  const out = [...rows].map((r) => ({
    id: r.id,
    title: r.title,
    capabilities: r.capabilities,
    organisationCount: r.organisation_count,
    needCount: r.need_count,
    offeringCount: r.offering_count,
    consortiumId: r.consortium_id,
    createdAt: new Date(r.created_at),
  }));
  return { rows: out.slice(0, f.limit), more: out.length > f.limit };
}

/** One group as listed, or undefined when it is gone or no longer spans two organisations. */
export async function getCommonNeedGroup(
  db: Executor,
  id: string,
  viewerOrganisationId: string,
): Promise<GroupSummary | undefined> {
  const { rows } = await listCommonNeedGroups(db, { id, viewerOrganisationId, limit: 1 });
  return rows[0];
}

/** The live needs of groups, with their organisations, oldest first within each group. */
export async function listGroupNeeds(db: Executor, groupIds: string[]) {
  if (groupIds.length === 0) return [];
  return db
    .select({ groupId: commonNeedGroupMembers.groupId, need: needs, organisation: organisations })
    .from(commonNeedGroupMembers)
    .innerJoin(needs, eq(needs.id, commonNeedGroupMembers.needId))
    .innerJoin(organisations, eq(organisations.id, needs.organisationId))
    .where(and(inArray(commonNeedGroupMembers.groupId, groupIds), liveSql('needs')))
    .orderBy(asc(needs.createdAt), desc(needs.id));
}

/** The group a need is in, if any. */
export async function findGroupOfNeed(db: Executor, needId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ groupId: commonNeedGroupMembers.groupId })
    .from(commonNeedGroupMembers)
    .where(eq(commonNeedGroupMembers.needId, needId));
  return row?.groupId;
}

/**
 * Per capability, the common-need groups whose capabilities include it, counting only groups that still
 * span two or more organisations among their live needs (as `listCommonNeedGroups` lists them).
 */
export async function countCommonNeedsByCapability(db: Executor): Promise<Map<string, number>> {
  const rows = await db.execute<{ slug: string; groups: number }>(sql`
    with sized as (
      select g.id, g.capabilities
      from common_need_groups g
      join common_need_group_members m on m.group_id = g.id
      join needs n on n.id = m.need_id and ${liveSql('n')}
      group by g.id
      having count(distinct n.organisation_id) >= 2)
    select c.slug, count(*)::int as groups
    from sized cross join lateral unnest(sized.capabilities) as c(slug)
    group by c.slug`);
  return new Map([...rows].map((r) => [r.slug, Number(r.groups)]));
}
