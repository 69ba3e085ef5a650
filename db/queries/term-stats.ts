import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { needs, offerings, termStats } from '../schema.js';
import type { PostSide } from '../../core/policy.js';

/**
 * Keeps each side's document frequencies current in the transaction that changes a post. One upsert over
 * the sorted terms whose count moves, so that concurrent saves lock shared rows in one order (no deadlock).
 */
export async function adjustTermStats(db: Executor, side: PostSide, before: string[], after: string[]) {
  const old = new Set(before);
  const now = new Set(after);
  const deltas = [
    ...[...now].filter((t) => !old.has(t)).map((term) => ({ term, delta: 1 })),
    ...[...old].filter((t) => !now.has(t)).map((term) => ({ term, delta: -1 })),
  ].sort((a, b) => (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
  if (deltas.length === 0) return;
  await db
    .insert(termStats)
    .values(deltas.map(({ term, delta }) => ({ side, term, docFreq: Math.max(delta, 0) })))
    .onConflictDoUpdate({
      target: [termStats.side, termStats.term],
      // excluded.doc_freq is 1 for an added term and 0 for a removed one.
      set: { docFreq: sql`greatest(${termStats.docFreq} + case when excluded.doc_freq = 1 then 1 else -1 end, 0)` },
    });
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

/**
 * Recounts every document frequency from the posts themselves: the full rematch starts from this. It counts
 * what each post's indexing counted (`indexed_terms`), not its latest text: a post saved since it was
 * indexed is counted by its own job, which moves the counts from its indexed terms to its new ones, so
 * counting the new ones here as well would count them twice.
 */
export async function rebuildTermStats(db: Executor): Promise<void> {
  await db.delete(termStats);
  await db.execute(sql`
    insert into term_stats (side, term, doc_freq)
    select 'need', term, count(*) from needs, unnest(indexed_terms) as term group by 1, 2
    union all
    select 'offering', term, count(*) from offerings, unnest(indexed_terms) as term group by 1, 2`);
}
