import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { needs, offerings, termStats } from '../schema.js';
import type { PostSide } from './posts.js';

/**
 * Keeps each side's document frequencies current in the transaction that changes a post. Terms are
 * applied in sorted order so that concurrent saves lock shared rows in the same order (no deadlock).
 */
export async function adjustTermStats(db: Executor, side: PostSide, before: string[], after: string[]) {
  const old = new Set(before);
  const now = new Set(after);
  const added = [...now].filter((t) => !old.has(t)).sort();
  const removed = [...old].filter((t) => !now.has(t)).sort();
  if (added.length > 0) {
    await db
      .insert(termStats)
      .values(added.map((term) => ({ side, term, docFreq: 1 })))
      .onConflictDoUpdate({
        target: [termStats.side, termStats.term],
        set: { docFreq: sql`${termStats.docFreq} + 1` },
      });
  }
  if (removed.length > 0) {
    await db
      .update(termStats)
      .set({ docFreq: sql`greatest(${termStats.docFreq} - 1, 0)` })
      .where(and(eq(termStats.side, side), sql`${termStats.term} = any(${sql.param(removed)}::text[])`));
  }
}

export async function loadTermStats(db: Executor, side: PostSide) {
  const t = side === 'need' ? needs : offerings;
  const [rows, [totals]] = await Promise.all([
    db.select({ term: termStats.term, docFreq: termStats.docFreq }).from(termStats).where(eq(termStats.side, side)),
    db
      .select({
        docCount: sql<number>`count(*)::int`,
        avgLength: sql<number>`coalesce(avg(${t.analysisLength}), 0)::float`,
      })
      .from(t),
  ]);
  return {
    docCount: totals?.docCount ?? 0,
    avgLength: totals?.avgLength ?? 0,
    docFreq: new Map(rows.map((r) => [r.term, r.docFreq])),
  };
}

/** Recounts every document frequency from the posts themselves: the full rematch starts from this. */
export async function rebuildTermStats(db: Executor): Promise<void> {
  await db.delete(termStats);
  await db.execute(sql`
    insert into term_stats (side, term, doc_freq)
    select 'need', term, count(*) from needs, unnest(string_to_array(terms, ' ')) as term group by 1, 2
    union all
    select 'offering', term, count(*) from offerings, unnest(string_to_array(terms, ' ')) as term group by 1, 2`);
}
