import { FlowProducer } from 'bullmq';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { and, asc, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { needs, offerings } from '../../db/schema.js';
import { rebuildTermStats } from '../../db/queries/term-stats.js';
import { QUEUES, type MatchJob } from '../queues.js';
import { matchPost, type StatsCache } from './match.js';

/** Needs per job: small enough to spread over workers and to lose little when one is killed. */
const CHUNK = 100;

export interface RematchChunk {
  ids: string[];
}
export interface RematchFinish {
  startedAt: string;
}

/**
 * A full rematch: recount the corpus statistics, mark every post pending, then match every need in
 * chunks spread over all workers; a parent job marks the offerings done once every chunk has finished.
 * Each chunk is idempotent, so a worker killed half-way only means its chunk runs again.
 */
export async function startRematch(
  db: Database,
  connection: Redis,
  prefix: string,
): Promise<{ runId: string; chunks: number }> {
  const runId = randomUUID();
  const startedAt = new Date();
  await db.transaction(async (tx) => {
    await tx.execute(sql`lock table term_stats in exclusive mode`);
    await rebuildTermStats(tx);
    await tx.update(needs).set({ matchedVersion: null, matchedAt: null });
    await tx.update(offerings).set({ matchedVersion: null, matchedAt: null });
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
    chunks.push({ ids: page.map((r) => r.id) });
    after = page.at(-1)!.id;
  }
  const flow = new FlowProducer({ connection, prefix });
  try {
    await flow.add({
      name: 'rematch-finish',
      queueName: QUEUES.matching,
      data: { startedAt: startedAt.toISOString() } satisfies RematchFinish,
      opts: { jobId: `rematch-${runId}` },
      children: chunks.map((data, i) => ({
        name: 'rematch-needs',
        queueName: QUEUES.matching,
        data,
        opts: { jobId: `rematch-${runId}-${i}`, attempts: 8, backoff: { type: 'exponential', delay: 1000 } },
      })),
    });
  } finally {
    await flow.close();
  }
  return { runId, chunks: chunks.length };
}

export async function rematchNeeds(db: Database, stats: StatsCache, chunk: RematchChunk): Promise<{ matched: number }> {
  stats.invalidate();
  let matched = 0;
  for (const id of chunk.ids) {
    const job: MatchJob = { side: 'need', id, version: 0 };
    const result = await matchPost(db, stats, job);
    if (result.outcome === 'written') matched++;
  }
  return { matched };
}

/** Offerings were scored from the needs' side; those not changed since the start are now matched. */
export async function finishRematch(db: Database, finish: RematchFinish): Promise<void> {
  await db
    .update(offerings)
    .set({ matchedVersion: offerings.version, matchedAt: new Date() })
    .where(and(isNull(offerings.matchedVersion), lt(offerings.updatedAt, new Date(finish.startedAt))));
}
