import { randomUUID } from 'node:crypto';
import { asc, gt, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { ANALYSIS_VERSION, SCORING_VERSION } from '../../core/matching/index.js';
import { liveSql } from '../policy.js';
import { needs, offerings } from '../schema.js';
import { indexUnindexed } from './postings.js';
import { reanalyseStale } from './posts.js';
import { rebuildTermStats } from './term-stats.js';

/**
 * Whether any post was analysed by another version of the analyser (an upgrade changed it): such a post
 * matches nothing until a rematch has analysed it again. (Rows written without any analysis, as the
 * benchmarks seed them, are not an upgrade's: a rematch analyses those too, when one is asked for.)
 */
export async function hasStaleAnalyses(db: Database): Promise<boolean> {
  const stale = (t: typeof needs | typeof offerings) =>
    sql`exists (select 1 from ${t} where (${t.analysis}->>'version')::int <> ${ANALYSIS_VERSION})`;
  const [row] = await db.execute<{ stale: boolean }>(sql`select ${stale(needs)} or ${stale(offerings)} as stale`);
  return row?.stale === true;
}

/**
 * Whether a need still in the marketplace, and not waiting to be matched, has matches scored by another
 * version of scoring (an upgrade changed what a score means, SCORING_VERSION): ranked beside new ones they
 * would be out of order until rescored. Needs a rematch has marked pending do not count, so a worker that
 * starts while one is at work does not start another; a need's job leaves none of its old rows behind.
 */
export async function hasStaleScores(db: Database): Promise<boolean> {
  const [row] = await db.execute<{ stale: boolean }>(sql`select exists (
    select 1 from matches m join needs n on n.id = m.need_id
    where m.scoring_version <> ${SCORING_VERSION} and ${liveSql('n')}
      and n.matched_version is not distinct from n.version) as stale`);
  return row?.stale === true;
}

/**
 * The database's part of a full rematch: re-analyse posts analysed by an older analyser, index every post
 * not indexed at its version (its postings), recount the corpus statistics, mark every need pending and record the run;
 * answers the run's id and every need's id in chunks of `chunkSize`, for the jobs that match them (see
 * `startRematch` in worker/queues.ts).
 */
export async function prepareRematch(db: Database, chunkSize: number): Promise<{ runId: string; chunks: string[][] }> {
  const runId = randomUUID();
  // Locks in the order a save and its job take them (post rows, then statistics): no deadlock with one.
  await db.transaction(async (tx) => {
    await tx.update(needs).set({ matchedVersion: null, matchedAt: null });
    await reanalyseStale(tx);
    // What a save left to its matching job (and what the re-analysis unmarked) is indexed here, the rows
    // locked before the statistics, the order an indexing job takes them; then the statistics are recounted.
    await indexUnindexed(tx);
    await tx.execute(sql`lock table term_stats in exclusive mode`);
    await rebuildTermStats(tx);
    // Every post's matches are rebuilt on today's statistics (offerings' from the needs' side).
    // Its progress starts when it is prepared (re-analysing a large marketplace takes minutes), not begun.
    await tx.execute(sql`insert into rematches (id, corpus_size, progress_at)
      values (${runId}, (select count(*) from needs) + (select count(*) from offerings), clock_timestamp())`);
  });
  const chunks: string[][] = [];
  let after: string | undefined;
  for (;;) {
    const page = await db
      .select({ id: needs.id })
      .from(needs)
      .where(after ? gt(needs.id, after) : undefined)
      .orderBy(asc(needs.id))
      .limit(chunkSize);
    if (page.length === 0) break;
    chunks.push(page.map((r) => r.id));
    after = page.at(-1)!.id;
  }
  return { runId, chunks };
}

/** Records that a chunk of a rematch has finished: the sweep leaves the rematch's needs to it meanwhile. */
export async function recordRematchProgress(db: Database, runId: string): Promise<void> {
  await db.execute(sql`update rematches set progress_at = clock_timestamp() where id = ${runId}`);
}
