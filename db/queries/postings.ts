import { eq, inArray, sql } from 'drizzle-orm';
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

/** Rewrites a post's postings after a save: an open post is findable by its terms, a closed one is not. */
export async function replacePostings(db: Executor, side: PostSide, post: Indexed): Promise<void> {
  // A post with no indexable word (all punctuation, say) has no postings, and is found by none.
  const rows = post.status === 'open' ? postingRows(side, post) : [];
  if (side === 'need') {
    await db.delete(needTerms).where(eq(needTerms.needId, post.id));
    if (rows.length > 0) await db.insert(needTerms).values(rows as (typeof needTerms.$inferInsert)[]);
  } else {
    await db.delete(offeringTerms).where(eq(offeringTerms.offeringId, post.id));
    if (rows.length > 0) await db.insert(offeringTerms).values(rows as (typeof offeringTerms.$inferInsert)[]);
  }
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
      const postings = rows.filter((r) => r.status === 'open').flatMap((r) => postingRows(side, r));
      if (side === 'need') await tx.delete(needTerms).where(inArray(needTerms.needId, ids));
      else await tx.delete(offeringTerms).where(inArray(offeringTerms.offeringId, ids));
      for (let i = 0; i < postings.length; i += 5000) {
        const slice = postings.slice(i, i + 5000);
        if (side === 'need') await tx.insert(needTerms).values(slice as (typeof needTerms.$inferInsert)[]);
        else await tx.insert(offeringTerms).values(slice as (typeof offeringTerms.$inferInsert)[]);
      }
      await tx.execute(sql`update ${table} set indexed_version = version, indexed_terms = string_to_array(terms, ' ')
        where id = any(${sql.param(ids)}::uuid[])`);
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
      const postings = rows.flatMap((r) => postingRows(side, r));
      for (let i = 0; i < postings.length; i += 5000) {
        const slice = postings.slice(i, i + 5000);
        if (side === 'need') await db.insert(needTerms).values(slice as (typeof needTerms.$inferInsert)[]);
        else await db.insert(offeringTerms).values(slice as (typeof offeringTerms.$inferInsert)[]);
      }
      after = rows.at(-1)!.id;
    }
  }
}
