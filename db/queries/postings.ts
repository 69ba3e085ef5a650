import { eq, sql } from 'drizzle-orm';
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

/** Rebuilds every posting from the stored analyses (after an analyser upgrade, or for a bulk load). */
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
