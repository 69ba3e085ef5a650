import { and, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm';
import { ANALYSIS_VERSION, analyzedToJson, analyzePost, indexTerms } from '../../core/matching/index.js';
import type { PostSide } from '../../core/policy.js';
import { CAPABILITIES } from '../../core/taxonomy.js';
import { parseSearch } from '../../core/text/search.js';
import type { Database, Executor } from '../client.js';
import { isLiveWhere, liveSql } from '../policy.js';
import { needs, needTerms, offerings, offeringTerms, organisations } from '../schema.js';
import { replacePostings } from './postings.js';
import { adjustTermStats } from './term-stats.js';

/** Needs and offerings share their listing, visibility and versioning rules; this is where they live. */
export type { PostSide } from '../../core/policy.js';
export type NeedRow = typeof needs.$inferSelect;
export type OfferingRow = typeof offerings.$inferSelect;
export type OrganisationRow = typeof organisations.$inferSelect;
type Derived = 'id' | 'search' | 'areas' | 'terms' | 'analysis';
export type NeedInsert = Omit<typeof needs.$inferInsert, Derived>;
export type OfferingInsert = Omit<typeof offerings.$inferInsert, Derived>;
type PostText = { title: string; description: string; keywords: string[]; capabilities: string[] };

const AREA_OF = new Map<string, string>(CAPABILITIES.map((c) => [c.slug, c.area]));

/** Columns derived from what the user wrote, kept beside it so that filters and matching use indexes. */
export function derivedColumns(p: PostText) {
  const analyzed = analyzePost(p);
  const analysis = analyzedToJson(analyzed);
  return {
    areas: [...new Set(p.capabilities.map((slug) => AREA_OF.get(slug)).filter((a) => a !== undefined))],
    terms: indexTerms(analyzed).join(' '),
    analysis,
  };
}

export const tableOf = (side: PostSide) => (side === 'need' ? needs : offerings);

export interface ListFilters {
  viewerOrganisationId: string;
  q?: string;
  capability?: string;
  area?: string;
  organisationKind?: OrganisationRow['kind'];
  status: 'open' | 'closed';
  mine?: boolean;
  limit: number;
  cursor?: { createdAt: Date; id: string };
}

/** What a viewer may see: open, unexpired posts of anyone, and every post of their own organisation. */
function visibility(side: PostSide, f: ListFilters, now: Date): SQL {
  const t = tableOf(side);
  const own = eq(t.organisationId, f.viewerOrganisationId);
  const live = isLiveWhere(t, now);
  if (f.status === 'closed') return and(own, eq(t.status, 'closed'))!;
  return f.mine ? and(own, eq(t.status, 'open'))! : live;
}

export async function listPosts(db: Executor, side: PostSide, f: ListFilters, now = new Date()) {
  const t = tableOf(side);
  const conditions: SQL[] = [visibility(side, f, now)];
  if (f.mine) conditions.push(eq(t.organisationId, f.viewerOrganisationId));
  if (f.q) {
    // Search on the analysed terms, as matching reads posts (core/text/search.ts): every part of the query
    // must be found, a thesaurus phrase or acronym being one part found however the post writes it. Open
    // posts are looked up in their postings (indexed by term); a closed post, one's own, by its terms.
    const textArray = (terms: string[]) =>
      sql`array[${sql.join(
        terms.map((x) => sql`${x}`),
        sql`, `,
      )}]::text[]`;
    // A post saved a moment ago whose matching job has not yet written its postings: by its terms too.
    const unindexed = (terms: string[]) =>
      sql`select ${t.id} from ${t} where ${t.indexedVersion} is distinct from ${t.version}
          and string_to_array(${t.terms}, ' ') && ${textArray(terms)}`;
    const has = (terms: string[]): SQL =>
      f.status === 'closed'
        ? sql`string_to_array(${t.terms}, ' ') && ${textArray(terms)}`
        : side === 'need'
          ? sql`${t.id} in (select ${needTerms.needId} from ${needTerms} where ${needTerms.term} = any(${textArray(terms)})
              union all ${unindexed(terms)})`
          : sql`${t.id} in (select ${offeringTerms.offeringId} from ${offeringTerms} where ${offeringTerms.term} = any(${textArray(terms)})
              union all ${unindexed(terms)})`;
    const clauses = parseSearch(f.q).map((c) =>
      and(...c.all.map(has), ...c.none.map((terms) => sql`not (${has(terms)})`))!,
    );
    // Nothing left to look for (only words such as "the" or "partnership"): plain English full text.
    conditions.push(clauses.length > 0 ? or(...clauses)! : sql`${t.search} @@ websearch_to_tsquery('english', ${f.q})`);
  }
  if (f.capability) conditions.push(sql`${t.capabilities} @> array[${f.capability}]::text[]`);
  if (f.area) conditions.push(sql`${t.areas} @> array[${f.area}]::text[]`);
  if (f.organisationKind) conditions.push(eq(organisations.kind, f.organisationKind));
  if (f.cursor) {
    conditions.push(
      or(lt(t.createdAt, f.cursor.createdAt), and(eq(t.createdAt, f.cursor.createdAt), lt(t.id, f.cursor.id)))!,
    );
  }
  const rows = await db
    .select({ post: t, organisation: organisations })
    .from(t)
    .innerJoin(organisations, eq(organisations.id, t.organisationId))
    .where(and(...conditions))
    .orderBy(desc(t.createdAt), desc(t.id))
    .limit(f.limit + 1);
  return { rows: rows.slice(0, f.limit), more: rows.length > f.limit };
}

export async function getNeed(db: Executor, id: string) {
  const [row] = await db
    .select({ post: needs, organisation: organisations })
    .from(needs)
    .innerJoin(organisations, eq(organisations.id, needs.organisationId))
    .where(eq(needs.id, id));
  return row;
}

export async function getOffering(db: Executor, id: string) {
  const [row] = await db
    .select({ post: offerings, organisation: organisations })
    .from(offerings)
    .innerJoin(organisations, eq(organisations.id, offerings.organisationId))
    .where(eq(offerings.id, id));
  return row;
}

/** Locks the row for the rest of the transaction, so that concurrent edits apply one after the other. */
export async function lockNeed(db: Executor, id: string) {
  const [row] = await db.select().from(needs).where(eq(needs.id, id)).for('no key update');
  return row;
}

export async function lockOffering(db: Executor, id: string) {
  const [row] = await db.select().from(offerings).where(eq(offerings.id, id)).for('no key update');
  return row;
}

/**
 * Brings a post's corpus statistics and postings up to its saved version, in the matching job rather than
 * in the request that saves it: the statistics are rows every post shares, and concurrent saves would
 * queue on their locks. The row is locked, so a save waits for this (or this for it); a version already
 * indexed is left alone. Answers false when the post is gone.
 */
export async function indexPost(db: Database, side: PostSide, id: string): Promise<boolean> {
  const t = tableOf(side);
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(t).where(eq(t.id, id)).for('no key update');
    if (!row) return false;
    if (row.indexedVersion === row.version) return true;
    const terms = termsOf(row);
    await adjustTermStats(tx, side, row.indexedTerms, terms);
    await replacePostings(tx, side, row);
    await tx.update(t).set({ indexedVersion: row.version, indexedTerms: terms }).where(eq(t.id, id));
    return true;
  });
}

/** The terms the corpus statistics count for a post: its index terms (`rebuildTermStats` counts the same). */
const termsOf = (p: { terms: string }) => p.terms.split(' ').filter((term) => term.length > 0);

export async function insertNeed(db: Executor, values: NeedInsert) {
  const derived = derivedColumns(values as PostText);
  const [row] = await db
    .insert(needs)
    .values({ ...values, ...derived })
    .returning();
  return row!;
}

export async function insertOffering(db: Executor, values: OfferingInsert) {
  const derived = derivedColumns(values as PostText);
  const [row] = await db
    .insert(offerings)
    .values({ ...values, ...derived })
    .returning();
  return row!;
}

/**
 * Applies a change to a locked row as a new version; matching of the old version no longer counts, and its
 * matching job indexes the new one (`indexPost`).
 */
export async function updateNeed(db: Executor, current: NeedRow, change: Partial<NeedInsert>) {
  const derived = derivedColumns({ ...current, ...change } as PostText);
  const [row] = await db
    .update(needs)
    .set({ ...change, ...derived, version: sql`${needs.version} + 1`, updatedAt: new Date() })
    .where(eq(needs.id, current.id))
    .returning();
  return row!;
}

export async function updateOffering(db: Executor, current: OfferingRow, change: Partial<OfferingInsert>) {
  const derived = derivedColumns({ ...current, ...change } as PostText);
  const [row] = await db
    .update(offerings)
    .set({ ...change, ...derived, version: sql`${offerings.version} + 1`, updatedAt: new Date() })
    .where(eq(offerings.id, current.id))
    .returning();
  return row!;
}

export async function deletePost(db: Executor, side: PostSide, current: NeedRow | OfferingRow) {
  const t = tableOf(side);
  await db.delete(t).where(eq(t.id, current.id));
  // Its postings go with it (foreign keys); the statistics forget what they counted for it.
  await adjustTermStats(db, side, current.indexedTerms, []);
}

/**
 * Re-analyses the posts whose stored analysis was made by another version of the analyser (after an
 * upgrade), without making them new versions. Answers how many there were.
 */
export async function reanalyseStale(db: Executor): Promise<number> {
  let count = 0;
  for (const side of ['need', 'offering'] as const) {
    const t = tableOf(side);
    for (;;) {
      const stale = await db
        .select({
          id: t.id,
          title: t.title,
          description: t.description,
          keywords: t.keywords,
          capabilities: t.capabilities,
        })
        .from(t)
        .where(sql`(${t.analysis}->>'version')::int is distinct from ${ANALYSIS_VERSION}`)
        .limit(500)
        .for('no key update');
      if (stale.length === 0) break;
      for (const post of stale) {
        const { terms, analysis } = derivedColumns(post);
        await db.update(t).set({ terms, analysis }).where(eq(t.id, post.id));
      }
      count += stale.length;
    }
  }
  return count;
}

/** An organisation's needs or offerings with their match counts, newest first, for its dashboard. */
export async function organisationPosts(db: Executor, side: PostSide, organisationId: string) {
  const table = tableOf(side);
  const own = side === 'need' ? sql.raw('need_id') : sql.raw('offering_id');
  // Qualified by hand: inside the subquery a bare "id" would be the match's own. Only matches whose other
  // post is live are counted, as the post's page lists them.
  const postId = sql.raw(side === 'need' ? 'needs.id' : 'offerings.id');
  const other = sql.raw(side === 'need' ? 'offerings' : 'needs');
  const otherId = sql.raw(side === 'need' ? 'offering_id' : 'need_id');
  return db
    .select({
      id: table.id,
      title: table.title,
      status: table.status,
      expiresAt: table.expiresAt,
      pending: sql<boolean>`${table.matchedVersion} is distinct from ${table.version}`,
      matches: sql<number>`(select count(*)::int from matches m join ${other} x on x.id = m.${otherId}
        where m.${own} = ${postId} and ${liveSql('x')})`,
    })
    .from(table)
    .where(eq(table.organisationId, organisationId))
    .orderBy(desc(table.createdAt));
}

/** Per capability: live needs, live offerings, and introductions asked for about needs tagged with it. */
export async function countPostsByCapability(db: Executor) {
  const rows = await db.execute<{ slug: string; needs: number; offerings: number; introductions: number }>(sql`
    select c.slug,
      (select count(*)::int from needs n where c.slug = any(n.capabilities) and ${liveSql('n')}) as needs,
      (select count(*)::int from offerings o where c.slug = any(o.capabilities) and ${liveSql('o')}) as offerings,
      (select count(*)::int from introductions i join needs n on n.id = i.need_id
         where c.slug = any(n.capabilities)) as introductions
    from capabilities c order by c.slug`);
  return [...rows];
}
