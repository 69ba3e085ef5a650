import { inArray, sql } from 'drizzle-orm';
import { termImpacts } from '../../core/matching/index.js';
import { analysisOf, type StoredAnalysis } from '../analysis.js';
import type { Executor } from '../client.js';
import { needTerms, offeringTerms } from '../schema.js';
import type { PostSide } from '../../core/policy.js';

type Indexed = {
  id: string;
  status: 'open' | 'closed';
  analysis: StoredAnalysis;
  title: string;
  description: string;
  keywords: string[];
};

/** A post's postings, as rows of its side's posting table. */
export function postingRows(side: PostSide, post: Indexed) {
  return termImpacts(analysisOf(post)).map(([term, impact]) =>
    side === 'need' ? { needId: post.id, term, impact } : { offeringId: post.id, term, impact },
  );
}

/**
 * Replaces the postings of the posts `ids` (of one side; none after a truncate) with `rows`, inserted in
 * slices within PostgreSQL's limit on parameters.
 */
async function writePostings(db: Executor, side: PostSide, ids: string[], rows: ReturnType<typeof postingRows>) {
  if (ids.length > 0) {
    if (side === 'need') await db.delete(needTerms).where(inArray(needTerms.needId, ids));
    else await db.delete(offeringTerms).where(inArray(offeringTerms.offeringId, ids));
  }
  for (let i = 0; i < rows.length; i += 5000) {
    const slice = rows.slice(i, i + 5000);
    if (side === 'need') await db.insert(needTerms).values(slice as (typeof needTerms.$inferInsert)[]);
    else await db.insert(offeringTerms).values(slice as (typeof offeringTerms.$inferInsert)[]);
  }
}

/** The postings of the open posts among `posts` (a post with no indexable word has none, and is found by none). */
const postingsOf = (side: PostSide, posts: Indexed[]) =>
  posts.filter((p) => p.status === 'open').flatMap((p) => postingRows(side, p));

/** Rewrites a post's postings after a save. */
export async function replacePostings(db: Executor, side: PostSide, post: Indexed): Promise<void> {
  await writePostings(db, side, [post.id], postingsOf(side, [post]));
}

/**
 * Indexes every post not yet indexed at its version (a save leaves that to the post's matching job, and a
 * re-analysis after an analyser upgrade unmarks the post): its postings rewritten, the row marked. Posts
 * indexed at their version keep their postings, which depend on nothing but the post. The corpus
 * statistics are the caller's to recount. Locks the rows it indexes, as a matching job's indexing does.
 */
export async function indexUnindexed(tx: Executor): Promise<number> {
  let count = 0;
  for (const side of ['need', 'offering'] as const) {
    const table = sql.identifier(side === 'need' ? 'needs' : 'offerings');
    for (;;) {
      const rows = await tx.execute<Indexed>(
        sql`select id, status, analysis, title, description, keywords from ${table}
            where indexed_version is distinct from version order by id limit 2000 for no key update`,
      );
      if (rows.length === 0) break;
      const ids = rows.map((r) => r.id);
      await writePostings(tx, side, ids, postingsOf(side, rows));
      await tx.execute(sql`update ${table} set indexed_version = version, indexed_terms = string_to_array(terms, ' '),
        indexed_xact = pg_current_xact_id() where id = any(${sql.param(ids)}::uuid[])`);
      count += rows.length;
    }
  }
  return count;
}

/** Rebuilds every posting from the stored analyses (for a bulk load). */
export async function rebuildPostings(db: Executor): Promise<void> {
  await db.execute(sql`truncate need_terms, offering_terms`);
  for (const side of ['need', 'offering'] as const) {
    const table = side === 'need' ? 'needs' : 'offerings';
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await db.execute<Indexed>(
        sql`select id, status, analysis, title, description, keywords from ${sql.identifier(table)}
            where id > ${after} and status = 'open' order by id limit 2000`,
      );
      if (rows.length === 0) break;
      await writePostings(db, side, [], postingsOf(side, rows));
      after = rows.at(-1)!.id;
    }
  }
}
