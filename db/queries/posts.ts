import { and, desc, eq, gte, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { ANALYSIS_VERSION, analyzedToJson, analyzePost, indexTerms } from '../../core/matching/index.js';
import { defaultExpiry, type PostSide } from '../../core/policy.js';
import { CAPABILITIES } from '../../core/taxonomy.js';
import { parseSearch } from '../../core/text/search.js';
import { builtOnce, isTransaction, type Database, type Executor } from '../client.js';
import { dueForReminderSql, isLiveWhere, liveSql } from '../policy.js';
import { needs, needTerms, offerings, offeringTerms, organisations } from '../schema.js';
import { forgetPosts } from './forget.js';
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
  /** A technology readiness level: needs whose range holds it, offerings at it. */
  trl?: number;
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
  if (f.trl !== undefined)
    conditions.push(
      side === 'need' ? and(lte(needs.trlMin, f.trl), gte(needs.trlMax, f.trl))! : eq(offerings.trl, f.trl),
    );
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
    await tx
      .update(t)
      .set({ indexedVersion: row.version, indexedTerms: terms, indexedXact: sql`pg_current_xact_id()` })
      .where(eq(t.id, id));
    return true;
  });
}

/** The terms the corpus statistics count for a post: its index terms (`rebuildTermStats` counts the same). */
const termsOf = (p: { terms: string }) => p.terms.split(' ').filter((term) => term.length > 0);

/**
 * The columns of a post that the API answers with (api/serialize.ts), and of its organisation: a post's
 * analysis and search vector are large and never shown.
 */
const answerColumns = <T extends typeof needs | typeof offerings>(t: T) => ({
  id: t.id,
  organisationId: t.organisationId,
  title: t.title,
  description: t.description,
  capabilities: t.capabilities,
  keywords: t.keywords,
  partnershipTypes: t.partnershipTypes,
  regions: t.regions,
  status: t.status,
  expiresAt: t.expiresAt,
  version: t.version,
  matchedVersion: t.matchedVersion,
  matchedAt: t.matchedAt,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
});
const NEED_ANSWER = {
  ...answerColumns(needs),
  trlMin: needs.trlMin,
  trlMax: needs.trlMax,
  openTo: needs.openTo,
  anonymous: needs.anonymous,
};
const OFFERING_ANSWER = { ...answerColumns(offerings), trl: offerings.trl };
const ORGANISATION_ANSWER = {
  id: organisations.id,
  name: organisations.name,
  kind: organisations.kind,
  country: organisations.country,
};
export type NeedAnswerRow = Pick<NeedRow, keyof typeof NEED_ANSWER>;
export type OfferingAnswerRow = Pick<OfferingRow, keyof typeof OFFERING_ANSWER>;
export type OrganisationAnswerRow = Pick<OrganisationRow, keyof typeof ORGANISATION_ANSWER>;

/** The fields of a CTE that has `columns`, by the same names. */
function fieldsOf<S extends Record<string, unknown>, W extends { [K in keyof S]: unknown }>(cte: W, columns: S) {
  return Object.fromEntries(Object.keys(columns).map((k) => [k, cte[k as keyof S]])) as { [K in keyof S]: W[K] };
}

/** The post's columns that a new post sets (its create body's, its author, the derived ones); others take their defaults. */
const INSERT_KEYS = [
  'organisationId',
  'createdBy',
  'title',
  'description',
  'capabilities',
  'keywords',
  'partnershipTypes',
  'regions',
  'expiresAt',
  'areas',
  'terms',
  'analysis',
] as const;
const NEED_INSERT_KEYS = [...INSERT_KEYS, 'trlMin', 'trlMax', 'openTo', 'anonymous'] as const;
const OFFERING_INSERT_KEYS = [...INSERT_KEYS, 'trl'] as const;

/** Placeholders for `keys`. `expiresAt` is passed encoded, as an ISO 8601 text (`placeholderValues`). */
const placeholders = (keys: readonly string[]) =>
  Object.fromEntries(
    keys.map((k) => [k, k === 'expiresAt' ? sql`${sql.placeholder(k)}` : sql.placeholder(k)]),
  ) as never;

/**
 * The values for a query built with `placeholders(keys)`, or undefined when they do not fit it (a column
 * left to its default, another column set, a null).
 */
function placeholderValues(values: Record<string, unknown>, keys: readonly string[]) {
  let set = 0;
  for (const k in values) if (values[k] !== undefined) set++;
  if (set !== keys.length) return undefined;
  for (const k of keys) {
    const v = values[k];
    if (v === undefined || v === null) return undefined;
    if (k === 'expiresAt' && !(v instanceof Date)) return undefined;
  }
  return { ...values, expiresAt: (values.expiresAt as Date).toISOString() };
}

const needInsertQuery = (db: Executor, values: NeedInsert & ReturnType<typeof derivedColumns>) => {
  const inserted = db.$with('inserted').as(db.insert(needs).values(values).returning(NEED_ANSWER));
  return db
    .with(inserted)
    .select({ post: fieldsOf(inserted, NEED_ANSWER), organisation: ORGANISATION_ANSWER })
    .from(inserted)
    .innerJoin(organisations, eq(organisations.id, inserted.organisationId));
};

const offeringInsertQuery = (db: Executor, values: OfferingInsert & ReturnType<typeof derivedColumns>) => {
  const inserted = db.$with('inserted').as(db.insert(offerings).values(values).returning(OFFERING_ANSWER));
  return db
    .with(inserted)
    .select({ post: fieldsOf(inserted, OFFERING_ANSWER), organisation: ORGANISATION_ANSWER })
    .from(inserted)
    .innerJoin(organisations, eq(organisations.id, inserted.organisationId));
};

const preparedNeedInsert = builtOnce((db) =>
  needInsertQuery(db, placeholders(NEED_INSERT_KEYS)).prepare('insert_need_answering'),
);
const preparedOfferingInsert = builtOnce((db) =>
  offeringInsertQuery(db, placeholders(OFFERING_INSERT_KEYS)).prepare('insert_offering_answering'),
);

/**
 * Saves a new need and answers it as the API shows it, with its organisation, in one statement (no
 * transaction needed, no second read). Outside a transaction the statement is built once (`builtOnce`).
 */
export async function insertNeedAnswering(
  db: Executor,
  values: NeedInsert,
): Promise<{ post: NeedAnswerRow; organisation: OrganisationAnswerRow }> {
  const full = { ...values, expiresAt: values.expiresAt ?? defaultExpiry(), ...derivedColumns(values as PostText) };
  const fitted = isTransaction(db) ? undefined : placeholderValues(full, NEED_INSERT_KEYS);
  const [row] = fitted ? await preparedNeedInsert(db as Database).execute(fitted) : await needInsertQuery(db, full);
  return row!;
}

/** `insertNeedAnswering` for an offering. */
export async function insertOfferingAnswering(
  db: Executor,
  values: OfferingInsert,
): Promise<{ post: OfferingAnswerRow; organisation: OrganisationAnswerRow }> {
  const full = { ...values, expiresAt: values.expiresAt ?? defaultExpiry(), ...derivedColumns(values as PostText) };
  const fitted = isTransaction(db) ? undefined : placeholderValues(full, OFFERING_INSERT_KEYS);
  const [row] = fitted
    ? await preparedOfferingInsert(db as Database).execute(fitted)
    : await offeringInsertQuery(db, full);
  return row!;
}

/** Saves a new need; without an expiry of its own it gets the default lifetime (core/policy.ts `defaultExpiry`). */
export async function insertNeed(db: Executor, values: NeedInsert) {
  const derived = derivedColumns(values as PostText);
  const [row] = await db
    .insert(needs)
    .values({ ...values, expiresAt: values.expiresAt ?? defaultExpiry(), ...derived })
    .returning();
  return row!;
}

export async function insertOffering(db: Executor, values: OfferingInsert) {
  const derived = derivedColumns(values as PostText);
  const [row] = await db
    .insert(offerings)
    .values({ ...values, expiresAt: values.expiresAt ?? defaultExpiry(), ...derived })
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

/**
 * Moves a locked post's expiry (a renewal). A post that had expired is made a new version: while it was
 * out, other posts' matching dropped it, so it is matched again (its job is enqueued by the caller, as
 * after a change). A live one keeps its version and its matches.
 */
export async function renewPost(
  db: Executor,
  side: PostSide,
  current: NeedRow | OfferingRow,
  expiresAt: Date,
  wasLive: boolean,
): Promise<NeedRow | OfferingRow> {
  const t = tableOf(side);
  const [row] = await db
    .update(t)
    .set(
      wasLive
        ? { expiresAt, updatedAt: new Date() }
        : { expiresAt, version: sql`${t.version} + 1`, updatedAt: new Date() },
    )
    .where(eq(t.id, current.id))
    .returning();
  return row!;
}

/** Where `listPostsDueForReminder` goes on from: the last post read, its expiry as stored (to the microsecond). */
export type ReminderCursor = { expiresAt: string; id: string };

/**
 * The posts of a side whose owners are owed the reminder of their expiry at `now` (core/policy.ts
 * `isDueForReminder`, db/policy.ts `dueForReminderSql`), the soonest to expire first, at most `limit` after
 * `after`; `next` is where the following page starts, or null when this was the last. Many posts may share
 * an expiry to the microsecond (0015's backfill gave every older post the same): the id orders them.
 */
export async function listPostsDueForReminder(
  db: Executor,
  side: PostSide,
  now: Date,
  limit: number,
  after?: ReminderCursor,
) {
  const t = tableOf(side);
  const table = side === 'need' ? 'needs' : 'offerings';
  const rows = await db
    .select({ id: t.id, expiresAt: t.expiresAt, stored: sql<string>`${t.expiresAt}::text` })
    .from(t)
    .where(
      and(
        dueForReminderSql(table, now),
        after ? sql`(${t.expiresAt}, ${t.id}) > (${after.expiresAt}::timestamptz, ${after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(t.expiresAt, t.id)
    .limit(limit);
  const last = rows.at(-1);
  return {
    posts: rows.map((r) => ({ side, id: r.id, expiresAt: r.expiresAt })),
    next: rows.length === limit && last ? { expiresAt: last.stored, id: last.id } : null,
  };
}

/**
 * Records that a post's owners were reminded of `expiresAt`, unless its expiry has moved since. (Compared to
 * the millisecond, as JavaScript read it; the column is copied as stored, so that it equals it exactly.)
 */
export async function markExpiryReminded(db: Executor, side: PostSide, id: string, expiresAt: Date): Promise<void> {
  const t = tableOf(side);
  await db
    .update(t)
    .set({ expiryRemindedFor: sql`${t.expiresAt}` })
    .where(
      and(eq(t.id, id), sql`date_trunc('milliseconds', ${t.expiresAt}) = ${expiresAt.toISOString()}::timestamptz`),
    );
}

/**
 * Deletes a post (locked by the caller): its pending introductions are closed and a need is forgotten by the
 * common needs and the digests, as when its organisation goes (db/queries/forget.ts `forgetPosts`); its other
 * introductions stay with the other side, the post withdrawn.
 */
export async function deletePost(db: Executor, side: PostSide, current: NeedRow | OfferingRow) {
  const t = tableOf(side);
  await forgetPosts(
    db,
    side === 'need' ? { needIds: [current.id], offeringIds: [] } : { needIds: [], offeringIds: [current.id] },
  );
  await db.delete(t).where(eq(t.id, current.id));
  // Its postings go with it (foreign keys); the statistics forget what they counted for it.
  await adjustTermStats(db, side, current.indexedTerms, []);
}

/**
 * Re-analyses the posts whose stored analysis was made by another version of the analyser (after an
 * upgrade), without making them new versions, and leaves them to be indexed again. Answers how many there were.
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
        // Unmarked as indexed: its postings and counted terms are those of the old analysis.
        await db.update(t).set({ terms, analysis, indexedVersion: null }).where(eq(t.id, post.id));
      }
      count += stale.length;
    }
  }
  return count;
}

/** An organisation's needs or offerings with their match counts, newest first, for its dashboard. */
export async function listOrganisationPosts(db: Executor, side: PostSide, organisationId: string) {
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
