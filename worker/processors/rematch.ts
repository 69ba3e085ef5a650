import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { asc, gt, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { needs } from '../../db/schema.js';
import { rebuildPostings } from '../../db/queries/postings.js';
import { reanalyseStale } from '../../db/queries/posts.js';
import { rebuildTermStats } from '../../db/queries/term-stats.js';
import { matchNeeds, type StatsCache } from './match.js';

/** Needs per job: small enough to spread over workers and to lose little when one is killed. */
const CHUNK = 100;

export interface RematchChunk {
  runId: string;
  ids: string[];
}

/**
 * A full rematch: re-analyse posts analysed by an older analyser, recount the corpus statistics, mark every need pending, then match every need in
 * chunks spread over all workers. Matching a need replaces all of its matches, so this rebuilds every
 * match; each chunk is idempotent, so a worker killed half-way only means its chunk runs again.
 * Offerings keep their matchedAt: their matches are rebuilt from the needs' side.
 */
export async function startRematch(db: Database, queue: Queue): Promise<{ runId: string; chunks: number }> {
  const runId = randomUUID();
  // Locks in the order a save takes them (post rows, then statistics, then postings): no deadlock with one.
  await db.transaction(async (tx) => {
    await tx.update(needs).set({ matchedVersion: null, matchedAt: null });
    const reanalysed = await reanalyseStale(tx);
    await tx.execute(sql`lock table term_stats in exclusive mode`);
    if (reanalysed > 0) await rebuildPostings(tx);
    await rebuildTermStats(tx);
    // Every post's matches are rebuilt on today's statistics (offerings' from the needs' side).
    await tx.execute(sql`insert into rematches (id, corpus_size)
      values (${runId}, (select count(*) from needs) + (select count(*) from offerings))`);
  });
  const chunks: RematchChunk[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await db
      .select({ id: needs.id })
      .from(needs)
      .where(after ? gt(needs.id, after) : undefined)
      .orderBy(asc(needs.id))
      .limit(CHUNK);
    if (page.length === 0) break;
    chunks.push({ runId, ids: page.map((r) => r.id) });
    after = page.at(-1)!.id;
  }
  await queue.addBulk(
    chunks.map((data, i) => ({ name: 'rematch-needs', data, opts: { jobId: `rematch-${runId}-${i}` } })),
  );
  return { runId, chunks: chunks.length };
}

export async function rematchNeeds(db: Database, stats: StatsCache, chunk: RematchChunk) {
  // The rematch recounted the statistics: score with those, not with a copy cached before it.
  stats.refreshOnce(chunk.runId);
  return matchNeeds(db, stats, chunk.ids);
}
